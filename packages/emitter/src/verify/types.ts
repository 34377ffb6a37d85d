import type { TreeBuildSpec } from './tree-build.js';
import type { Logger, RejectRow, Runtime, TestStatus } from '@swe-flow/core';
import type { ImportGraph } from '../affected.js';
import type { Candidate } from '../emit.js';
import type { TestCommandAdapter } from '../run-tests.js';
import type { ChangedFunctions } from '../stub-sets.js';

export interface VerifyOptions {
  runtime: Runtime;
  adapter: TestCommandAdapter;
  /** Host path of the task git repository. */
  taskRepo: string;
  /** The installed copy whose node_modules local workspaces use. */
  dependenciesDir?: string;
  /** Environment image for the docker runtime. */
  image?: string;
  /**
   * Runs of the original tree (every isolated task's reference); a test that does not pass every time
   * is flaky and dropped. Incremental references run once, with flakiness taken from these runs.
   */
  reruns?: number;
  /** Limit for one test run. */
  timeoutMs?: number;
  workers?: number;
  /** Run every PASS_TO_PASS test instead of only those in files that import a changed file. */
  fullPassToPass?: boolean;
  importGraph?: ImportGraph;
  /**
   * Per test id, the functions its traced run called (`testFunctionsFromTrace`). Together with
   * `changedFunctions`, a PASS_TO_PASS test whose traced run called none of the functions a base
   * stubs is proven unaffected by the trace and not run (unless its file runs anyway).
   */
  testFunctions?: ReadonlyMap<string, ReadonlySet<string>>;
  /** The functions a candidate's base or reference stubs (`changedFunctionsOf`). */
  changedFunctions?: ChangedFunctions;
  /**
   * Keep the runner warm: one long-lived runner session per worker workspace reruns the selected files
   * after a checkout, instead of a new runner process per run. Default on for runners that have a
   * session (vitest) on runtimes that can keep a process alive; anything doubtful is re-run plainly.
   */
  warm?: boolean;
  /**
   * Run many trees (bases and references) in one runner run, each tree a checkout of its own inside
   * the workspace (local runtime): vitest >= 3.2 makes each a project of its own; node:test, ava and
   * mocha get every tree's files in one plain run. Each tree gets node_modules folders of its own in
   * which links to the repository's own packages point into the tree.
   * Default on where available; a batch that fails or leaves doubt is re-run tree by tree. Off for
   * repositories whose packages link to each other (a tree would import the workspace's own copy).
   */
  batch?: boolean;
  /**
   * The tests run build output: the repository's build runs on every base and reference tree before its
   * tests (`tree-build.ts`); trees are then run one at a time, each in its workspace (no batches, no warm session).
   */
  build?: TreeBuildSpec;
  /**
   * Text of the stubs' own error (`Not implemented` for the `throw` style). Needed to batch runners that
   * run every file in one process (mocha): there a failing test is taken from the batch only when its
   * error carries this text; any other failure sends its tree to a run of its own.
   */
  stubMarker?: string;
  /**
   * vitest >= 2 batches of a repository without a vitest config share worker processes between trees
   * instead of starting one per test file (`vitestSharesWorkers`: one project without per-file isolation,
   * each test file in a tree of its own). Such a batch is a first pass: a failure is taken from it only
   * when it carries `stubMarker`, and the tree runs again alone otherwise. Default on where `stubMarker`
   * is given; false: the repository's pool.
   */
  sharedBatches?: boolean;
  /** The monorepo package whose tests run (`--package`), relative to the repository root. */
  packageDir?: string;
  /**
   * Traced duration per test id (trace.json), for the per-test limit of base runs (`baseTimeLimit`).
   */
  testDurations?: ReadonlyMap<string, number>;
  /**
   * Base runs limit each test to `factor` times its traced duration, at least `floorMs` (node:test on
   * Node 20: each file, at least five floors), so a stub that makes a test wait costs about a second; a
   * test cut there counts as failing. References, the original and PASS_TO_PASS tests re-run alone keep
   * the repository's own limits. Needs `testDurations`; absent or factor 0: no limit.
   */
  baseTimeLimit?: { factor: number; floorMs: number };
  /** Trees per batch (default 64). */
  batchSize?: number;
  /**
   * Earlier runs of the original in this same runtime, e.g. the trace stage's untraced and traced
   * runs: every test in `passed` passed in all `runs` of them. They count toward `reruns`, so fewer
   * runs of the original are made here (always at least one).
   */
  originalPriorRuns?: { runs: number; passed: ReadonlySet<string> };
  logger?: Logger;
  /** Called as soon as each candidate is settled (verified or rejected), e.g. to keep it on disk. */
  onSettled?: (outcome: VerifiedTask | RejectRow, done: number, total: number) => void | Promise<void>;
}

export interface VerifiedTask {
  candidate: Candidate;
  failToPass: string[];
  passToPass: string[];
  /** Tests dropped from FAIL_TO_PASS: they already pass on base (moved to PASS_TO_PASS) or are flaky. */
  droppedFailToPass: { id: string; reason: 'passes-on-base' | 'flaky' }[];
  passToPassRun: number;
  passToPassProvenUnaffected: number;
  verifyMs: number;
}

export interface VerifyStats {
  candidates: number;
  verified: number;
  rejected: number;
  testRuns: number;
  passToPassRun: number;
  passToPassProvenUnaffected: number;
  /** PASS_TO_PASS tests not run on base because their traced run called no stubbed function. */
  passToPassProvenByTrace: number;
  /** Distinct trees run (besides the original), and candidate runs answered by a run of the same tree made for another candidate. */
  treeRuns: number;
  sharedRuns: number;
  /** Runner processes that ran several trees at once, and the trees they settled. */
  batches: number;
  batchedTrees: number;
  /** Batches that shared workers between trees (`sharedBatches`), and trees a batch left in doubt that ran again alone. */
  sharedBatches: number;
  batchDoubtTrees: number;
  flakyTests: string[];
  /** Workspaces opened (one per worker, moved between commits). */
  workspacesOpened: number;
  /** Moves of a workspace to another commit. */
  checkouts: number;
  /** Runs answered by a warm session, and runs made as plain runner processes. */
  sessionRuns: number;
  plainRuns: number;
  /** Sessions that failed to start or crashed, and session runs re-run plainly out of doubt. */
  sessionFailures: number;
  sessionReruns: number;
  /**
   * PASS_TO_PASS tests that failed on base next to the failing FAIL_TO_PASS tests and were run again
   * alone there; and how many of them then passed (state leaked by a failing test, not a broken stub).
   */
  passToPassRecheckedAlone: number;
  passToPassPassingAlone: number;
  /** Base runs (plain, session or tree batch) whose tests ran under the per-test limit of `baseTimeLimit`. */
  baseRunsTimeLimited: number;
  /** Shared batches whose repository config could not be applied per tree: their trees ran as projects of their own. */
  sharedBatchFallbacks: number;
  /** Trees built before their tests (the tests run build output), built trees restored from the cache, builds that failed. */
  treeBuilds: number;
  treeBuildsCached: number;
  treeBuildFailures: number;
  /** Milliseconds spent building trees and restoring built output. */
  treeBuildMs: number;
  /** Every tree batch: how many trees and files, how long, how busy the machine was. */
  batchTimes: BatchTiming[];
  /** The trees that took longest (their tests' time in a batch, or their run alone), slowest first. */
  slowestTrees: TreeTiming[];
}

export interface BatchTiming {
  runner: string;
  trees: number;
  testFiles: number;
  /** Workers shared between trees (vitest first pass). */
  sharedWorkers: boolean;
  /** The per-test limit of a batch of bases; absent: the repository's own. */
  testTimeoutMs?: number;
  /** Wall time from writing the trees to the results, CPU time of swe-flow and its runner processes over it, and the unused share of the machine (0–1). */
  wallMs: number;
  cpuMs: number;
  idleShare: number;
  /** Trees settled from the batch, and trees it left in doubt (run again alone). */
  settled: number;
  doubt: number;
  /** The batch could not run: its trees ran one by one. */
  failed?: boolean;
}

export interface TreeTiming {
  label: string;
  ms: number;
  /** `batch`: the sum of its tests' durations as the batch reported them; `alone`: its run's wall time. */
  how: 'batch' | 'alone';
}

export interface VerifyResult {
  verified: VerifiedTask[];
  rejects: RejectRow[];
  stats: VerifyStats;
}

export type VerifyOutcome = VerifiedTask | RejectRow;

/** What runs of one tree said: per test, how many runs it passed and its last status; or why they could not say. */
export interface RunStatuses {
  passes: ReadonlyMap<string, number>;
  last: ReadonlyMap<string, TestStatus | 'missing'>;
  /** The runs did not finish (`timeout`) or could not be made (`infrastructure-error`). */
  error?: RunFailure;
}

export interface RunFailure {
  reason: 'timeout' | 'infrastructure-error';
  detail: string;
}
