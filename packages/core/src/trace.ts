/** The trace contract: `trace.json`, written by `swe-flow trace`. */

export const TRACE_SCHEMA_VERSION = 1;

export type RunnerName = 'vitest' | 'jest' | 'mocha' | 'node-test' | 'ava' | 'tape' | 'tap' | 'uvu' | 'jasmine';
export const RUNNER_NAMES: readonly RunnerName[] = ['vitest', 'jest', 'mocha', 'node-test', 'ava', 'tape', 'tap', 'uvu', 'jasmine'];

export type FunctionKind =
  | 'declaration'
  | 'expression'
  | 'arrow'
  | 'method'
  | 'getter'
  | 'setter'
  | 'constructor'
  | 'class-field'
  | 'object-method';

/** One function of the repository, as located in the original source. */
export interface FunctionInfo {
  id: string;
  /** Repo-relative POSIX path. */
  file: string;
  /** Readable qualified name, e.g. `Circle#area`, `Circle.create`, `api.run`, `outer/<anonymous>`. */
  name: string;
  kind: FunctionKind;
  line: number;
  column: number;
  endLine: number;
  async: boolean;
  generator: boolean;
  static: boolean;
  /** Character offsets of the whole function node and of its body in the original source. */
  start: number;
  end: number;
  bodyStart: number;
  bodyEnd: number;
  /** The body is an expression (arrow without braces). */
  expressionBody: boolean;
}

/** Per-file manifest entry stored in trace.json (FunctionInfo without offsets). */
export type FunctionManifestEntry = Pick<
  FunctionInfo,
  'id' | 'name' | 'kind' | 'line' | 'column' | 'endLine' | 'async' | 'generator' | 'static'
>;

/** `[caller, callee, count]`; caller is a function id, a module node id or `<root>`. */
export type Edge = [caller: string, callee: string, count: number];

export type TestStatus = 'passed' | 'failed' | 'skipped';

export interface TracedTest {
  /** `file > title > ... > title`: reruns exactly this test. */
  id: string;
  file: string;
  titlePath: string[];
  fullName: string;
  status: TestStatus;
  durationMs: number;
  edges: Edge[];
  error?: string;
}

export interface TracedFile {
  /** Repo-relative path of a file the runner treats as a test file. */
  file: string;
  /** Calls made while the file loaded or in its beforeAll/before hooks; count for every test of the file. */
  setupEdges: Edge[];
}

export interface ExcludedTest {
  id: string;
  reason: 'fails-untraced' | 'skipped' | 'outcome-differs-traced' | 'not-reported' | 'timed-out' | 'excluded-by-option';
  error?: string;
}

/**
 * Tests the runner never reported as tests of their own, so no task can use them: the tests of a file
 * that reported none (it failed to load, or ended the process early), or tests that share one name
 * (they run as one). Kept in trace.json and summed up in summary.md, never dropped silently.
 */
export interface LostTest {
  /** Repo-relative test file. */
  file: string;
  /** The shared test id, for `duplicate-name`; the cut test's id, for `timed-out`. */
  id?: string;
  reason: 'file-reported-no-tests' | 'calls-process-exit' | 'duplicate-name' | 'timed-out';
  /**
   * Tests lost: for `duplicate-name`, how many more than one share the id; for `timed-out` (a test the
   * trace runs' per-test limit cut: `--trace-test-timeout`), 1; unknown (absent) for a file.
   */
  count?: number;
  detail: string;
}

export interface TraceJson {
  schemaVersion: typeof TRACE_SCHEMA_VERSION;
  runner: RunnerName;
  /** Absolute path of the directory that was traced (a copy of the repository). */
  root: string;
  createdAt: string;
  /** Files the runner treats as tests (decided by the runner's own config/knowledge). */
  testFiles: string[];
  /** Every function of every instrumented file, including those never called. */
  functions: Record<string, FunctionManifestEntry[]>;
  /** Functions that ran while some module was loading: stubbing them breaks importers. */
  moduleLoadFunctions: string[];
  files: TracedFile[];
  tests: TracedTest[];
  excluded: ExcludedTest[];
  /** Tests lost before they could be traced, with the reason (absent in traces written before it existed). */
  lost?: LostTest[];
  stats: {
    testsTotal: number;
    testsPassed: number;
    tracedWallMs: number;
    untracedWallMs?: number;
    instrumentedFiles: number;
  };
}
