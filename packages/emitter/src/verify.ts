import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  silentLogger,
  type Logger,
  type TestRunOutcome,
  type RejectRow,
  type TestResult,
  type Runtime,
  type TestSelection,
  type TestStatus,
  type Workspace,
} from '@swe-flow/core';
import { hasSession, hasTreeBatch, openSession, runTreeBatch, vitestHasInlineProjects, vitestSharedBatch, vitestSharesWorkers, vitestWorkspaceBatch, type TestSession } from '@swe-flow/tracer';
import { assertNotShuttingDown } from '@swe-flow/runtime';
import { affectedTestFiles, type ImportGraph } from './affected.js';
import type { Candidate } from './emit.js';
import { runTests, statusMap, type TestCommandAdapter } from './run-tests.js';
import type { ChangedFunctions } from './stub-sets.js';

const execFileAsync = promisify(execFile);

let linkTrees: Promise<string> | undefined;
/** The script that gives batch trees node_modules of their own (runtime/link-trees.cjs). */
const linkTreesScript = () => (linkTrees ??= readFile(fileURLToPath(new URL('../runtime/link-trees.cjs', import.meta.url)), 'utf8'));

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
}

export interface VerifyResult {
  verified: VerifiedTask[];
  rejects: RejectRow[];
  stats: VerifyStats;
}

const fileOf = (id: string) => id.split(' > ')[0]!;

type VerifyOutcome = VerifiedTask | RejectRow;

/** Where a worker's workspace holds the trees of a batch (`t0`, `t1`, ...), kept out of `git clean`. */
const TREES_DIR = '.swe-flow/trees';
const TREE_DIR_DEPTH = TREES_DIR.split('/').length + 1;
/**
 * With workers shared between files, a batch gives each test file a tree of its own when that adds at
 * most as many trees as the batch has (or this many, for small batches); otherwise it keeps the
 * repository's pool.
 */
const SHARED_EXTRA_TREES = 8;

/**
 * Runners whose plain run takes many trees' files at once: node:test and ava still run every file in a
 * process or worker of its own; mocha runs them all in one process.
 */
const PLAIN_BATCH: Record<string, 'isolated-files' | 'shared-process'> = {
  'node-test': 'isolated-files', ava: 'isolated-files', mocha: 'shared-process', tape: 'shared-process', tap: 'isolated-files', uvu: 'shared-process', jasmine: 'shared-process',
};

/** Git tree ids of commits in the task repository, in one git process. */
async function treeIdsOf(taskRepo: string, commits: string[]): Promise<Map<string, string>> {
  if (commits.length === 0) return new Map();
  const { stdout } = await execFileAsync('git', ['--git-dir', taskRepo, 'rev-parse', ...commits.map((c) => `${c}^{tree}`)], { maxBuffer: 64 * 1024 * 1024 });
  const ids = stdout.trim().split('\n');
  return new Map(commits.map((c, i) => [c, ids[i]!]));
}

class Rejection extends Error {
  constructor(readonly reason: RejectRow['reason'], detail: string, readonly tests?: string[]) {
    super(detail);
  }
}

/** Runs `fn` over items with at most `limit` in flight, keeping results in input order. */
export async function mapPool<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

/**
 * Verifies every candidate by running it: FAIL_TO_PASS must fail on base and pass on the reference
 * in every rerun; PASS_TO_PASS must pass on both. Tests that pass only sometimes on the reference are
 * flaky and dropped. Every candidate that fails is returned as a reject with a reason.
 */
export async function verifyCandidates(candidates: readonly Candidate[], options: VerifyOptions): Promise<VerifyResult> {
  const logger = options.logger ?? silentLogger;
  const reruns = Math.max(1, options.reruns ?? 3);
  const timeoutMs = options.timeoutMs ?? 5 * 60_000;
  let testRuns = 0;

  const warm = (options.warm ?? true) && hasSession(options.adapter.name);
  let workspacesOpened = 0;
  let checkouts = 0;
  let sessionRuns = 0;
  let plainRuns = 0;
  let sessionFailures = 0;
  let sessionReruns = 0;
  let p2pRecheckedAlone = 0;
  let p2pPassingAlone = 0;

  /**
   * One worker's workspace, opened once and moved between commits (`git checkout -f` + `git clean`,
   * keeping node_modules and the .swe-flow work dir), with its warm session when there is one.
   */
  interface Lane { ws?: Workspace; head?: string; session?: TestSession; sessionBroken?: boolean; batchBroken?: boolean; changed: string[] }
  const lanes: Lane[] = [];
  const git = async (ws: Workspace, args: string[]) => {
    const r = await ws.exec({ command: 'git', args }, { timeoutMs: 120_000 });
    if (r.exitCode !== 0) throw new Error(`git ${args.join(' ')} failed in the workspace: ${r.stderr.trim()}`);
    return r.stdout;
  };
  const moveTo = async (lane: Lane, commit: string, label: string): Promise<Workspace> => {
    if (!lane.ws) {
      workspacesOpened++;
      lane.ws = await options.runtime.open({
        taskRepo: options.taskRepo,
        commit,
        label,
        ...(options.dependenciesDir ? { dependenciesDir: options.dependenciesDir } : {}),
        ...(options.image ? { image: options.image } : {}),
      });
      lane.head = commit;
      lane.changed = [];
      return lane.ws;
    }
    if (lane.head !== commit) {
      checkouts++;
      const ws = lane.ws;
      await git(ws, ['-c', 'advice.detachedHead=false', 'checkout', '-f', '-q', '--detach', commit]);
      await git(ws, ['clean', '-fdq', '-e', 'node_modules', '-e', '.swe-flow']);
      // Files the warm session must reload; accumulated until the next session run.
      if (lane.session && lane.head) {
        const diff = await git(ws, ['diff', '--name-only', '--no-renames', lane.head, commit]);
        lane.changed.push(...diff.split('\n').filter(Boolean));
      }
      lane.head = commit;
    }
    return lane.ws;
  };
  const sessionOf = async (lane: Lane): Promise<TestSession | undefined> => {
    if (!warm || lane.sessionBroken || !lane.ws) return undefined;
    if (lane.session) return lane.session;
    try {
      lane.session = await openSession(lane.ws, options.adapter.name, { runTimeoutMs: timeoutMs });
      lane.changed = [];
      if (!lane.session) lane.sessionBroken = true;
    } catch (error) {
      sessionFailures++;
      lane.sessionBroken = true;
      logger.warn(`warm ${options.adapter.name} session unavailable; plain runs instead: ${(error as Error).message}`);
    }
    return lane.session;
  };
  const dropSession = async (lane: Lane) => {
    const s = lane.session;
    lane.session = undefined;
    lane.sessionBroken = true;
    await s?.close().catch(() => {});
  };
  /** One run of a selection: through the warm session when it has one and the answer is beyond doubt. */
  const runOnce = async (lane: Lane, ws: Workspace, selection: TestSelection): Promise<TestRunOutcome> => {
    const session = await sessionOf(lane);
    if (session) {
      const started = Date.now();
      try {
        const changed = lane.changed;
        lane.changed = [];
        const results = await session.run(selection, [...new Set(changed)]);
        const reported = new Set(results.map((r) => r.id));
        const missing = selection.testIds.filter((id) => !reported.has(id));
        if (missing.length === 0) {
          sessionRuns++;
          return { results, missing, exitCode: 0, timedOut: false, durationMs: Date.now() - started, logTail: '' };
        }
        // A requested test the session did not report: let a plain run say whether it is really missing.
        sessionReruns++;
      } catch (error) {
        sessionFailures++;
        logger.warn(`warm ${options.adapter.name} session failed; plain runs from now on in this worker: ${(error as Error).message}`);
        await dropSession(lane);
      }
    }
    plainRuns++;
    return runTests(ws, options.adapter, selection, timeoutMs);
  };

  /** Runs the selection `times` times on a commit: per test, how many runs it passed and its last status. */
  const runRepeated = async (lane: Lane, commit: string, label: string, selection: TestSelection, times: number) => {
    const passes = new Map<string, number>();
    const last = new Map<string, TestStatus | 'missing'>();
    const ws = await moveTo(lane, commit, label);
    for (let i = 0; i < times; i++) {
      testRuns++;
      const outcome = await runOnce(lane, ws, selection);
      if (outcome.timedOut) throw new Rejection('timeout', `tests on ${label} did not finish within ${timeoutMs} ms`);
      for (const [id, status] of statusMap(outcome)) {
        last.set(id, status);
        if (status === 'passed') passes.set(id, (passes.get(id) ?? 0) + 1);
      }
      for (const id of outcome.missing) last.set(id, 'missing');
    }
    return { passes, last };
  };

  // The original tree is run `reruns` times in all (counting `originalPriorRuns`), once for all
  // candidates: it is every isolated task's reference, and the tests that do not pass every time there
  // are flaky everywhere.
  const priorRuns = Math.min(reruns - 1, options.originalPriorRuns?.runs ?? 0);
  const ownOriginalRuns = reruns - priorRuns;
  const withPrior = (r: { passes: Map<string, number>; last: Map<string, TestStatus | 'missing'> }) => {
    if (priorRuns === 0) return r;
    const passes = new Map(r.passes);
    for (const id of options.originalPriorRuns!.passed) if (r.last.has(id)) passes.set(id, (passes.get(id) ?? 0) + priorRuns);
    return { passes, last: r.last };
  };
  const originalSelection = (): TestSelection => {
    const allIds = [...new Set(candidates.flatMap((c) => [...c.failToPass, ...c.passToPass]))];
    return { files: [...new Set(allIds.map(fileOf))].sort(), testIds: allIds };
  };

  // Which PASS_TO_PASS tests can a candidate's trees change? Tests in the files that run anyway (those
  // of the FAIL_TO_PASS tests) always run. With the trace and the trees' stubbed functions known, a test
  // runs when its traced run called a function the base changes; otherwise when its file imports a
  // changed file. Runners that type-check as they load (ts-jest) can fail a whole file over a stub it
  // only imports, so there the import rule applies as well.
  let provenByTrace = 0;
  let sharedRuns = 0;
  const typeChecks = options.adapter.name === 'jest';
  const passToPassToRun = (candidate: Candidate): string[] => {
    const f2pFiles = new Set(candidate.failToPass.map(fileOf));
    if (options.fullPassToPass) return [...candidate.passToPass];
    const p2pFiles = [...new Set(candidate.passToPass.map(fileOf))];
    const importAffected = () => options.importGraph
      ? affectedTestFiles(options.importGraph, p2pFiles, new Set(candidate.changedFiles))
      : new Set(p2pFiles);
    const changed = options.testFunctions ? options.changedFunctions?.(candidate, 'base') : undefined;
    if (!changed || !options.testFunctions) {
      const affected = importAffected();
      return candidate.passToPass.filter((id) => f2pFiles.has(fileOf(id)) || affected.has(fileOf(id)));
    }
    const imports = typeChecks ? importAffected() : new Set<string>();
    const touches = (id: string) => {
      const fns = options.testFunctions!.get(id);
      if (!fns) return true; // not in the trace: nothing proves it unaffected
      for (const fn of fns) if (changed.has(fn)) return true;
      return false;
    };
    const run = candidate.passToPass.filter((id) => f2pFiles.has(fileOf(id)) || imports.has(fileOf(id)) || touches(id));
    provenByTrace += candidate.passToPass.length - run.length;
    return run;
  };

  /** Trees (by git tree id) whose runs several candidates share: incremental step k's reference is step k+1's base. */
  const trees = await treeIdsOf(options.taskRepo, [...new Set(candidates.flatMap((c) => [c.baseCommit, c.referenceCommit, c.originalCommit]))]);
  interface Job {
    commit: string;
    label: string;
    ids: Set<string>;
    files: Set<string>;
    result?: Promise<JobResult>;
    resolve?: (r: JobResult) => void;
  }
  interface JobResult { last: Map<string, TestStatus | 'missing'>; passes: Map<string, number>; error?: Rejection }
  const jobs = new Map<string, Job>();
  const queue: Job[] = [];
  const wakers: (() => void)[] = [];
  const wake = () => { for (const w of wakers.splice(0)) w(); };
  const newJob = (commit: string, label: string): Job => {
    const job: Job = { commit, label, ids: new Set(), files: new Set() };
    job.result = new Promise<JobResult>((resolve) => { job.resolve = resolve; });
    return job;
  };
  const addSelection = (job: Job, selection: TestSelection) => {
    for (const id of selection.testIds) job.ids.add(id);
    for (const f of selection.files) job.files.add(f);
  };
  /** The shared run of a tree, created (and queued) on first use; selections of later users are merged in. */
  const jobFor = (commit: string, label: string, selection: TestSelection): Job => {
    const key = trees.get(commit) ?? commit;
    let job = jobs.get(key);
    if (!job) {
      job = newJob(commit, label);
      jobs.set(key, job);
      queue.push(job);
    } else sharedRuns++;
    addSelection(job, selection);
    return job;
  };
  const runJob = async (lane: Lane, job: Job) => {
    logger.debug(`run of ${job.label}: ${job.files.size} test files, ${job.ids.size} tests`);
    try {
      const r = await runRepeated(lane, job.commit, job.label, { files: [...job.files].sort(), testIds: [...job.ids] }, 1);
      job.resolve!({ last: r.last, passes: r.passes });
    } catch (error) {
      const rejection = error instanceof Rejection ? error : new Rejection('infrastructure-error', `verification could not run: ${(error as Error).message}`);
      job.resolve!({ last: new Map(), passes: new Map(), error: rejection });
    }
  };
  /** A run made for one candidate only, queued for the next free worker. */
  const runAlone = (commit: string, label: string, selection: TestSelection) => {
    const job = newJob(commit, label);
    addSelection(job, selection);
    queue.push(job);
    wake();
    return job.result!;
  };
  /**
   * Runs several queued trees in one runner process: each is written out under `.swe-flow/trees/` of
   * the lane's workspace (`git archive` of its commit, node_modules linked to the workspace's). A tree
   * the batch leaves in doubt (an unhandled error, a requested test not reported) runs again alone.
   */
  const pkg = options.packageDir?.replace(/^\.\/|\/$/g, '') || undefined;
  const batchKind = PLAIN_BATCH[options.adapter.name] ?? (hasTreeBatch(options.adapter.name) ? 'projects' : undefined);
  const batching = (options.batch ?? true) && options.runtime.name === 'local' && batchKind !== undefined &&
    // One process for all trees: only where a failure can be told to come from a stub.
    (batchKind !== 'shared-process' || !!options.stubMarker);
  const batchSize = Math.max(2, options.batchSize ?? 64);
  let batches = 0;
  let batchedTrees = 0;
  let sharedBatches = 0;
  let batchDoubtTrees = 0;
  /** One runner run over every tree's files (prefixed with the tree's directory); results split back per tree. */
  const runPlainBatch = async (ws: Workspace, trees: { dir: string; selection: TestSelection }[], adapter: TestCommandAdapter = options.adapter) => {
    const prefixed = (dir: string, id: string) => `${dir}/${id}`;
    const selection: TestSelection = {
      files: trees.flatMap((t) => t.selection.files.map((f) => prefixed(t.dir, f))),
      testIds: trees.flatMap((t) => t.selection.testIds.map((id) => prefixed(t.dir, id))),
    };
    const outcome = await runTests(ws, adapter, selection, timeoutMs * Math.max(1, Math.ceil(trees.length / 8)));
    if (outcome.timedOut) throw new Error(`a batch of ${trees.length} trees did not finish within its time`);
    const out = new Map<string, TestResult[]>(trees.map((t) => [t.dir, []]));
    for (const r of outcome.results) {
      const dir = r.file.split('/', TREE_DIR_DEPTH).join('/');
      const strip = (x: string) => x.slice(dir.length + 1);
      out.get(dir)?.push({ ...r, id: strip(r.id), file: strip(r.file) });
    }
    return out;
  };
  const runBatch = async (lane: Lane, batch: Job[]) => {
    const ws = lane.ws ?? (await moveTo(lane, candidates[0]!.originalCommit, 'batch'));
    const batchStarted = Date.now();
    // A batch that shares workers between trees is a first pass: only failures that carry the stub's
    // error are taken from it.
    let share = batchKind === 'projects' && options.sharedBatches !== false && !!options.stubMarker && (await vitestSharesWorkers(ws, pkg));
    // The trees to write: one per job, or with workers shared between files, one per job and test file,
    // so that no two files share the modules of one tree.
    let units = batch.map((job, i) => ({ job: i, files: [...job.files].sort(), ids: [...job.ids] }));
    if (share) {
      const split = batch.flatMap((job, i) => [...new Set([...job.files, ...[...job.ids].map(fileOf)])].sort()
        .map((f) => ({ job: i, files: [f], ids: [...job.ids].filter((id) => fileOf(id) === f) })));
      // Many more copies to write would cost more than sharing saves.
      if (split.length <= batch.length + Math.max(SHARED_EXTRA_TREES, batch.length)) units = split;
      else share = false;
    }
    const dirs = units.map((_, k) => `${TREES_DIR}/t${k}`);
    await ws.writeFile('.swe-flow/link-trees.cjs', await linkTreesScript());
    const script = ['set -e', `rm -rf ${TREES_DIR}`, ...units.flatMap((unit, k) => [
      `mkdir -p ${dirs[k]}`,
      `git archive --format=tar ${batch[unit.job]!.commit} | tar -x -C ${dirs[k]}`,
    ]), `node .swe-flow/link-trees.cjs ${dirs.join(' ')}`].join('\n');
    let results: Map<number, TestResult[]> | undefined;
    const how = share ? ' (workers shared between files)' : '';
    logger.info(`running ${batch.length} trees (${units.reduce((n, u) => n + u.files.length, 0)} test files) in one ${options.adapter.name} run${how}`);
    try {
      const made = await ws.exec({ command: 'sh', args: ['-c', script] }, { timeoutMs: 300_000 });
      if (made.exitCode !== 0) throw new Error(`could not write the trees: ${made.stderr.trim().slice(-2000)}`);
      logger.debug(`wrote ${units.length} trees in ${Date.now() - batchStarted} ms`);
      const trees = units.map((unit, k) => ({ dir: dirs[k]!, selection: { files: unit.files, testIds: unit.ids } }));
      const maxWorkers = Math.max(1, availableParallelism());
      let byDir: Map<string, TestResult[]>;
      if (batchKind !== 'projects') byDir = await runPlainBatch(ws, trees);
      else if (share) byDir = await runPlainBatch(ws, trees, vitestSharedBatch(options.adapter, { maxWorkers }));
      else if (await vitestHasInlineProjects(ws)) {
        byDir = await runTreeBatch(ws, options.adapter.name, trees, {
          timeoutMs: timeoutMs * Math.max(1, Math.ceil(trees.length / 8)),
          maxWorkers,
          ...(pkg ? { projectDir: pkg } : {}),
        });
      } else {
        // vitest 1.x-3.1: the same projects through a workspace file and the plain command line.
        const viaWorkspace = await vitestWorkspaceBatch(ws, options.adapter, trees.map((t) => t.dir), pkg, { maxWorkers });
        try {
          byDir = await runPlainBatch(ws, trees, viaWorkspace.adapter);
        } finally {
          await viaWorkspace.cleanup();
        }
      }
      // Back to jobs: a job whose trees are not all in the map (unhandled errors) is left in doubt.
      const merged = new Map<number, TestResult[]>();
      const incomplete = new Set<number>();
      for (const [k, unit] of units.entries()) {
        const got = byDir.get(dirs[k]!);
        if (!got) incomplete.add(unit.job);
        else merged.set(unit.job, [...(merged.get(unit.job) ?? []), ...got]);
      }
      for (const j of incomplete) merged.delete(j);
      results = merged;
      batches++;
      if (share) sharedBatches++;
      logger.debug(`batch of ${batch.length} trees done in ${Date.now() - batchStarted} ms`);
    } catch (error) {
      assertNotShuttingDown(); // a signal's shutdown, not a broken batch
      lane.batchBroken = true;
      logger.warn(`${options.adapter.name} tree batch unavailable; trees run one by one from now on in this worker: ${(error as Error).message.split('\n')[0]}`);
    } finally {
      await ws.exec({ command: 'rm', args: ['-rf', TREES_DIR] }, { timeoutMs: 120_000 }).catch(() => undefined);
    }
    const markerOnly = batchKind === 'shared-process' || share;
    for (const [i, job] of batch.entries()) {
      const treeResults = results?.get(i);
      const byId = new Map(treeResults?.map((r) => [r.id, r]) ?? []);
      // In a shared process a failure may come from state another tree left behind: only failures that
      // carry the stub's own error are taken from the batch.
      const unreported = [...job.ids].filter((id) => !byId.has(id));
      const unmarked = !markerOnly ? [] : [...job.ids].filter((id) => byId.get(id)?.status === 'failed' && !(byId.get(id)!.error ?? '').includes(options.stubMarker!));
      if (!treeResults || unreported.length > 0 || unmarked.length > 0) {
        if (results) {
          batchDoubtTrees++;
          const firstLine = (id: string) => (byId.get(id)!.error ?? '').split('\n')[0]!.slice(0, 200);
          const why = !treeResults ? 'an unhandled error in its files'
            : unreported.length > 0 ? `${unreported.length} requested tests not reported, e.g. ${unreported[0]}`
              : `${unmarked.length} failures without the stub's error, e.g. ${unmarked[0]}: ${firstLine(unmarked[0]!)}`;
          logger.debug(`tree ${job.label} left in doubt by the batch (${why}); running it alone`);
        }
        await runJob(lane, job);
        continue;
      }
      batchedTrees++;
      testRuns++;
      const last = new Map<string, TestStatus | 'missing'>();
      const passes = new Map<string, number>();
      for (const id of job.ids) {
        const st = byId.get(id)!.status;
        last.set(id, st);
        if (st === 'passed') passes.set(id, 1);
      }
      job.resolve!({ last, passes });
    }
  };
  const unwrap = (r: JobResult) => { if (r.error) throw r.error; return r; };

  const flaky = new Set<string>();
  let done = 0;
  let outstanding = candidates.length;
  const originalTree = trees.get(candidates[0]?.originalCommit ?? '');
  const settleOne = async (candidate: Candidate, p2pToRun: string[], refJob: Job | undefined, baseJob: Job, original: Promise<Awaited<ReturnType<typeof runRepeated>>>): Promise<VerifiedTask | RejectRow> => {
    const started = Date.now();
    try {
      // Reference: the original's N runs for isolated tasks (and for an incremental reference that is
      // the original tree); one run of other incremental references, with flakiness from the original's runs.
      const originalResult = await original;
      const isFlakyOnOriginal = (id: string) => { const n = originalResult.passes.get(id) ?? 0; return n > 0 && n < reruns; };
      const reference = refJob ? unwrap(await refJob.result!) : originalResult;
      const runs = refJob ? 1 : reruns;
      const dropped: VerifiedTask['droppedFailToPass'] = [];
      const f2pStable: string[] = [];
      const neverPassing: string[] = [];
      for (const id of candidate.failToPass) {
        const n = reference.passes.get(id) ?? 0;
        if (isFlakyOnOriginal(id) || (n > 0 && n < runs)) { dropped.push({ id, reason: 'flaky' }); flaky.add(id); }
        else if (n === runs) f2pStable.push(id);
        else neverPassing.push(id);
      }
      if (neverPassing.length > 0) {
        throw new Rejection('f2p-failing-on-reference', `FAIL_TO_PASS tests do not pass on the reference: ${neverPassing.join('; ')}`, neverPassing);
      }
      if (f2pStable.length === 0) throw new Rejection('flaky', 'every FAIL_TO_PASS test is flaky on the reference', candidate.failToPass);
      const p2pStable: string[] = [];
      const p2pFailing: string[] = [];
      for (const id of p2pToRun) {
        const n = reference.passes.get(id) ?? 0;
        if (isFlakyOnOriginal(id) || (n > 0 && n < runs)) flaky.add(id);
        else if (n === runs) p2pStable.push(id);
        else p2pFailing.push(id);
      }
      if (p2pFailing.length > 0) {
        throw new Rejection('p2p-failing-on-reference', `PASS_TO_PASS tests fail on the reference: ${p2pFailing.join('; ')}`, p2pFailing);
      }

      // Base: one run (shared with whoever else needs this tree).
      const base = unwrap(await baseJob.result!);
      const failToPass: string[] = [];
      const movedToP2P: string[] = [];
      for (const id of f2pStable) {
        if (base.last.get(id) === 'passed') { movedToP2P.push(id); dropped.push({ id, reason: 'passes-on-base' }); }
        else failToPass.push(id);
      }
      if (failToPass.length === 0) {
        throw new Rejection('f2p-passing-on-base', `every FAIL_TO_PASS test already passes on base: ${movedToP2P.join('; ')}`, movedToP2P);
      }
      let broken = p2pStable.filter((id) => base.last.get(id) !== 'passed');
      if (broken.length > 0) {
        // A FAIL_TO_PASS test (or another test the filter lets through) that throws on base skips its own
        // clean-up, and the global state it leaves behind (process.env, process.argv, process.execArgv)
        // sends later tests of the same process down paths they never take on the original: commander's
        // options.env and command.parse tests. Such a PASS_TO_PASS test does not use the stubs itself;
        // run the broken ones again on base without the failing tests, and keep only what still fails.
        p2pRecheckedAlone += broken.length;
        const alone = unwrap(await runAlone(candidate.baseCommit, `${candidate.instanceId} base, PASS_TO_PASS alone`, { files: [...new Set(broken.map(fileOf))].sort(), testIds: broken }));
        const stillBroken = broken.filter((id) => alone.last.get(id) !== 'passed');
        p2pPassingAlone += broken.length - stillBroken.length;
        broken = stillBroken;
      }
      if (broken.length > 0) {
        throw new Rejection('p2p-broken-on-base', `PASS_TO_PASS tests fail on base (the stubs break earlier steps): ${broken.join('; ')}`, broken);
      }
      const run = new Set(p2pToRun);
      const unaffected = candidate.passToPass.filter((id) => !run.has(id) && !flaky.has(id));
      return {
        candidate,
        failToPass,
        passToPass: [...p2pStable, ...movedToP2P, ...unaffected].sort(),
        droppedFailToPass: dropped,
        passToPassRun: p2pToRun.length,
        passToPassProvenUnaffected: unaffected.length,
        verifyMs: Date.now() - started,
      };
    } catch (error) {
      const rejection = error instanceof Rejection
        ? error
        : new Rejection('infrastructure-error', `verification could not run: ${(error as Error).message}`);
      return { instance_id: candidate.instanceId, step: candidate.step, mode: candidate.mode, reason: rejection.reason, detail: rejection.message, ...(rejection.tests ? { tests: rejection.tests } : {}) };
    }
  };

  // Plan: every candidate's reference (incremental) and base runs, merged per tree, queued in candidate order.
  const settled = new Array<VerifyOutcome>(candidates.length);
  const firstLane: Lane = { changed: [] };
  lanes.push(firstLane);
  // One run of the original left to make: it is one more tree of the first batch. More: repeated
  // runs in the first worker before anything else.
  const originalInBatch = batching && ownOriginalRuns === 1;
  const original = candidates.length === 0
    ? undefined
    : originalInBatch
      ? jobFor(candidates[0]!.originalCommit, 'original', originalSelection()).result!.then((r) => withPrior(unwrap(r)))
      : runRepeated(firstLane, candidates[0]!.originalCommit, 'original', originalSelection(), ownOriginalRuns).then(withPrior);
  const settling = candidates.map((candidate, i) => {
    const p2pToRun = passToPassToRun(candidate);
    const f2pFiles = new Set(candidate.failToPass.map(fileOf));
    const selection: TestSelection = {
      files: [...new Set([...f2pFiles, ...p2pToRun.map(fileOf)])].sort(),
      testIds: [...candidate.failToPass, ...p2pToRun],
    };
    const refOnOriginal = candidate.mode === 'isolated' || (originalTree !== undefined && trees.get(candidate.referenceCommit) === originalTree);
    const refJob = refOnOriginal ? undefined : jobFor(candidate.referenceCommit, `${candidate.instanceId} reference`, selection);
    const baseJob = jobFor(candidate.baseCommit, `${candidate.instanceId} base`, selection);
    return (async () => {
      const outcome = await settleOne(candidate, p2pToRun, refJob, baseJob, original!);
      settled[i] = outcome;
      const nth = ++done;
      logger.debug(`verified ${candidate.instanceId} (${nth}/${candidates.length})`);
      await options.onSettled?.(outcome, nth, candidates.length);
      outstanding--;
      if (outstanding === 0) wake();
    })();
  });

  // One lane (workspace + session) per worker; each takes the next queued run.
  const workerCount = Math.max(1, Math.min(options.workers ?? 1, Math.max(1, queue.length)));
  let lanesInBatch = 0;
  try {
    if (!originalInBatch) await original?.catch(() => {});
    await Promise.all([
      ...settling,
      ...Array.from({ length: candidates.length > 0 ? workerCount : 0 }, async (_, w) => {
        const lane: Lane = w === 0 ? firstLane : { changed: [] };
        if (w > 0) lanes.push(lane);
        for (;;) {
          if (batching && !lane.batchBroken && queue.length > 1) {
            // Workers share the queue: an idle worker takes its even part of what is left, up to batchSize trees.
            const share = Math.ceil(queue.length / Math.max(1, workerCount - lanesInBatch));
            lanesInBatch++;
            try {
              await runBatch(lane, queue.splice(0, Math.max(2, Math.min(batchSize, share))));
            } finally {
              lanesInBatch--;
            }
            continue;
          }
          const job = queue.shift();
          if (job) { await runJob(lane, job); continue; }
          if (outstanding === 0) break;
          await new Promise<void>((resolve) => wakers.push(resolve));
        }
      }),
    ]);
  } finally {
    for (const lane of lanes) {
      await lane.session?.close().catch(() => {});
      await lane.ws?.dispose().catch(() => {});
    }
  }
  const verified = settled.filter((s): s is VerifiedTask => 'candidate' in s);
  const rejects = settled.filter((s): s is RejectRow => !('candidate' in s));
  return {
    verified,
    rejects,
    stats: {
      candidates: candidates.length,
      verified: verified.length,
      rejected: rejects.length,
      testRuns,
      passToPassRun: verified.reduce((n, v) => n + v.passToPassRun, 0),
      passToPassProvenUnaffected: verified.reduce((n, v) => n + v.passToPassProvenUnaffected, 0),
      passToPassProvenByTrace: provenByTrace,
      treeRuns: jobs.size,
      batches,
      batchedTrees,
      sharedBatches,
      batchDoubtTrees,
      sharedRuns,
      flakyTests: [...flaky].sort(),
      workspacesOpened,
      checkouts,
      sessionRuns,
      plainRuns,
      sessionFailures,
      sessionReruns,
      passToPassRecheckedAlone: p2pRecheckedAlone,
      passToPassPassingAlone: p2pPassingAlone,
    },
  };
}
