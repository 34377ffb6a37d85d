/**
 * The runner adapter contract. Adapters are plain typed objects in a registry (`adapters/index.ts`):
 * detect, build a plain (untraced) command, parse its machine-readable results, and run the suite traced.
 *
 * Plain commands run through a Workspace (local checkout or container), so they must be expressed
 * relative to the workspace root and use the repository's own installed runner
 * (`node node_modules/<runner>/...`), never anything from swe-flow's own node_modules.
 */
import type { CommandSpec, Logger, RunnerName, SweFlowError, TestResult, TestSelection, Edge, FunctionInfo } from '@swe-flow/core';

/** What detection and adapters know about a repository checkout. */
export interface RepoFacts {
  /** Absolute path of the checkout (a copy; never the user's repository). */
  root: string;
  /** Parsed package.json of the root (or of the package under test in a monorepo). */
  packageJson: Record<string, unknown>;
  /** Repo-relative POSIX paths of all files, excluding node_modules and .git. */
  files: string[];
  /**
   * The environment the repository's commands run with (its Node first on PATH, the test script's
   * variables): discovery calls (`jest --listTests`, mocha's listing, configs evaluated by Node) use it,
   * as the test runs do. Unset: the host's environment.
   */
  env?: Record<string, string>;
}

export interface PlainRunContext {
  /** Repo-relative path where the runner must write its machine-readable results. */
  resultFile: string;
  selection: TestSelection;
  /** Limit for one test file, for runners without a limit of their own (node:test); set by trace() only. */
  testFileTimeoutMs?: number;
  /**
   * Limit for each test of this run (base verification runs, `testTimeLimitScope`): the runner's own
   * per-test flag (per file where the runner limits files: node:test on Node 20); absent, the
   * repository's own limits.
   */
  testTimeoutMs?: number;
  /**
   * `--exclude-test` patterns (substrings of ids, or /regex/): tests the runner must not run at all, so
   * a hanging one cannot hold the run; each adapter uses its runner's own mechanism. Set by trace() only.
   */
  exclude?: readonly string[];
}

export interface TracedRunContext {
  facts: RepoFacts;
  /** Absolute directory where the recorder writes its per-process fragments. */
  traceDir: string;
  timeoutMs: number;
  /** Limit for one test file, for runners without a limit of their own (node:test). */
  testFileTimeoutMs?: number;
  /**
   * Limit for each test of the traced run (`--trace-test-timeout`; trace() sets it where the runner
   * takes one: `traceTimeLimitApplies`): the runner's own per-test option (ava: its inactivity limit).
   */
  testTimeoutMs?: number;
  /** Tests the runner must not run (see PlainRunContext.exclude). */
  exclude?: readonly string[];
  logger: Logger;
  env?: Record<string, string>;
  /** Folder (under the output folder) where the runner's full output is kept; none, none kept. */
  logDir?: string;
  /**
   * Test files or globs the repository's test script names on the runner's command line
   * (`mocha test/*.test.js`), for runners whose config does not hold them; mocha uses them.
   */
  specFiles?: string[];
  /** Runner options of the repository's test script to pass on (mocha: `--ui tdd`, `-r ./setup.js`). */
  runnerArgs?: string[];
}

/** Per test, the edges the recorder attributed to it. */
export interface TestRecord {
  testId: string;
  edges: Edge[];
}

export interface TracedRunOutput {
  /** Outcomes from the runner's machine-readable output. */
  results: TestResult[];
  records: TestRecord[];
  /** Per test file: calls while it loaded and in before-all hooks. */
  setup: { file: string; edges: Edge[] }[];
  /** Functions that ran while a module was loading. */
  moduleLoadFunctions: string[];
  /** Every instrumented file with its functions (the manifest). */
  instrumentedFiles: string[];
  /**
   * The functions of instrumented files, when the adapter instrumented them itself ahead of the run
   * (repo-relative file -> the instrumenter's manifest, equal to `locateFunctions` on the file);
   * trace() locates the functions of the files missing here.
   */
  functions?: Record<string, FunctionInfo[]>;
  /** Characters of recorder fragments the adapter read, when it read them. */
  fragmentBytes?: number;
  testFiles: string[];
  wallMs: number;
  exitCode: number | null;
  logTail: string;
}

/**
 * The one detection scale every adapter scores on, 0 (not this runner) to 1 (certain), so that the
 * most certain adapter wins (`detectRunner`). Weights: the runner is a declared dependency 0.6 (only
 * named in a script: `scriptOnly` 0.3), its config file or package.json key (or the test script calling
 * it, for tape, uvu and tap; tap's config then counts as `script`) 0.3, a script names it 0.1; capped at 1. node:test, which has no package:
 * `node --test` in the test script 0.9, in another script 0.7.
 */
export const DETECTION = { dependency: 0.6, scriptOnly: 0.3, config: 0.3, script: 0.1, nodeTestScript: 0.9, nodeTestOtherScript: 0.7 } as const;

export interface RunnerAdapter {
  name: RunnerName;
  /** 0 when the repository does not use this runner; up to 1 when certain, on the scale of DETECTION. */
  detect(facts: RepoFacts): number;
  /** Repo-relative test files, as the runner itself decides (its config, its defaults). */
  listTestFiles(facts: RepoFacts): Promise<string[]>;
  /** The command that runs the selection untraced and writes results to `ctx.resultFile`. */
  plainCommand(ctx: PlainRunContext): CommandSpec;
  /** Parses the result file's text into results with ids `formatTestId(file, titlePath)`. */
  parseResults(text: string, root: string): TestResult[];
  /** Runs the whole suite once, instrumented, in the runner's normal process model. */
  runTraced(ctx: TracedRunContext): Promise<TracedRunOutput>;
  /**
   * Options this adapter adds to every run of its runner (jest: the `--config` of a wrapper such as
   * kcd-scripts); warm sessions, which start the runner without a command line, take them from here.
   */
  runnerArgs?: readonly string[];
  /**
   * What a run that left no readable results means, read from the runner's own output, when the
   * adapter knows the case (tap: a plugin its config names that it could not install); undefined otherwise.
   */
  explainRunFailure?(output: string, logFile?: string): SweFlowError | undefined;
}
