/** Test results as parsed from a runner's machine-readable output (never from human-readable text). */
import type { CommandSpec } from './runtime.js';
import type { TestStatus } from './trace.js';

export interface TestResult {
  id: string;
  file: string;
  titlePath: string[];
  status: TestStatus;
  durationMs: number;
  error?: string;
}

export interface TestSelection {
  /** Repo-relative test files to run; empty means the whole suite. */
  files: string[];
  /** Test ids whose outcome is wanted; every one must be reported or it counts as missing. */
  testIds: string[];
}

export interface TestRunOutcome {
  results: TestResult[];
  /** Requested test ids the runner did not report: a filter that matched nothing is an error. */
  missing: string[];
  exitCode: number | null;
  timedOut: boolean;
  durationMs: number;
  /** Last lines of output, for reports only; never parsed for outcomes. */
  logTail: string;
}

/** What running tests needs from a runner adapter: a plain command and its result parser. */
export interface TestCommandAdapter {
  name: string;
  /**
   * `testTimeoutMs`: a time limit for each test of this run (base verification runs), where the runner
   * has one (`testTimeLimitScope` in @swe-flow/tracer); absent, the repository's own limits apply.
   */
  plainCommand(ctx: { resultFile: string; selection: TestSelection; testTimeoutMs?: number }): CommandSpec;
  parseResults(text: string, root: string): TestResult[];
  /** Options every run of the runner takes (a wrapper's jest `--config`); warm sessions take them from here. */
  runnerArgs?: readonly string[];
}
