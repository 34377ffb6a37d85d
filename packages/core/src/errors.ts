/**
 * Every error swe-flow raises on purpose carries a stable string code, a message that says what
 * happened and what to do next, and an exit code class for the CLI.
 */
export const ErrorCodes = {
  USAGE: 'SWEFLOW_USAGE',
  CONFIG_INVALID: 'SWEFLOW_CONFIG_INVALID',
  PATH_MISSING: 'SWEFLOW_PATH_MISSING',
  NOT_A_REPO: 'SWEFLOW_NOT_A_REPO',
  /** A clone or checkout could not read git objects it needs: the snapshot, mirror or remote is incomplete. */
  SOURCE_INCOMPLETE: 'SWEFLOW_SOURCE_INCOMPLETE',
  NO_PACKAGE_JSON: 'SWEFLOW_NO_PACKAGE_JSON',
  UNKNOWN_RUNNER: 'SWEFLOW_UNKNOWN_RUNNER',
  NO_TESTS: 'SWEFLOW_NO_TESTS',
  /** The repository is the test runner itself: its tests run on its own, stubbed, code. */
  SELF_HOSTED_RUNNER: 'SWEFLOW_SELF_HOSTED_RUNNER',
  ALL_TESTS_FAIL: 'SWEFLOW_ALL_TESTS_FAIL',
  /** A finished run scheduled no step (the passing tests reach no stub-able source function). */
  NO_STEPS: 'SWEFLOW_NO_STEPS',
  /** A finished run verified no candidate task (every one rejected). */
  NO_VERIFIED_TASKS: 'SWEFLOW_NO_VERIFIED_TASKS',
  INSTALL_FAILED: 'SWEFLOW_INSTALL_FAILED',
  /** Yarn Plug'n'Play: no node_modules to trace through; the message names the linker setting. */
  YARN_PNP: 'SWEFLOW_YARN_PNP',
  TRACE_TIMEOUT: 'SWEFLOW_TRACE_TIMEOUT',
  TRACE_FAILED: 'SWEFLOW_TRACE_FAILED',
  TEST_FILTER_EMPTY: 'SWEFLOW_TEST_FILTER_EMPTY',
  RESULTS_UNREADABLE: 'SWEFLOW_RESULTS_UNREADABLE',
  OUT_DIR_NOT_EMPTY: 'SWEFLOW_OUT_DIR_NOT_EMPTY',
  OUT_DIR_UNWRITABLE: 'SWEFLOW_OUT_DIR_UNWRITABLE',
  OUT_OVERLAPS_SOURCE: 'SWEFLOW_OUT_OVERLAPS_SOURCE',
  OUT_DIR_LOCKED: 'SWEFLOW_OUT_DIR_LOCKED',
  OUT_DIR_FOREIGN: 'SWEFLOW_OUT_DIR_FOREIGN',
  PARSE_FAILED: 'SWEFLOW_PARSE_FAILED',
  STUB_FAILED: 'SWEFLOW_STUB_FAILED',
  GIT_FAILED: 'SWEFLOW_GIT_FAILED',
  DOCKER_UNAVAILABLE: 'SWEFLOW_DOCKER_UNAVAILABLE',
  IMAGE_BUILD_FAILED: 'SWEFLOW_IMAGE_BUILD_FAILED',
  RUN_TIMEOUT: 'SWEFLOW_RUN_TIMEOUT',
  SESSION_FAILED: 'SWEFLOW_SESSION_FAILED',
  LLM_FAILED: 'SWEFLOW_LLM_FAILED',
  SCHEMA_INVALID: 'SWEFLOW_SCHEMA_INVALID',
  INPUT_INVALID: 'SWEFLOW_INPUT_INVALID',
  INTERRUPTED: 'SWEFLOW_INTERRUPTED',
  REF_NOT_FOUND: 'SWEFLOW_REF_NOT_FOUND',
  TEMP_UNWRITABLE: 'SWEFLOW_TEMP_UNWRITABLE',
  NO_MATCHING_PREDICTIONS: 'SWEFLOW_NO_MATCHING_PREDICTIONS',
  INTERNAL: 'SWEFLOW_INTERNAL',
  BUILD_FAILED: 'SWEFLOW_BUILD_FAILED',
  BUILD_REQUIRED: 'SWEFLOW_BUILD_REQUIRED',
  BUILD_UNMAPPED: 'SWEFLOW_BUILD_UNMAPPED',
  QUEUE_UNAVAILABLE: 'SWEFLOW_QUEUE_UNAVAILABLE',
  QUEUE_MISCONFIGURED: 'SWEFLOW_QUEUE_MISCONFIGURED',
  QUEUE_JOB_FAILED: 'SWEFLOW_QUEUE_JOB_FAILED',
  RUNNER_PLUGIN_UNAVAILABLE: 'SWEFLOW_RUNNER_PLUGIN_UNAVAILABLE',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** `usage` problems exit 2 (usage, config, environment); `failure` exits 1 (ran, but failed). */
export type ErrorKind = 'usage' | 'failure';

const usageCodes: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  ErrorCodes.USAGE,
  ErrorCodes.CONFIG_INVALID,
  ErrorCodes.PATH_MISSING,
  ErrorCodes.NOT_A_REPO,
  ErrorCodes.SOURCE_INCOMPLETE,
  ErrorCodes.NO_PACKAGE_JSON,
  ErrorCodes.UNKNOWN_RUNNER,
  ErrorCodes.OUT_DIR_NOT_EMPTY,
  ErrorCodes.OUT_DIR_UNWRITABLE,
  ErrorCodes.OUT_OVERLAPS_SOURCE,
  ErrorCodes.OUT_DIR_LOCKED,
  ErrorCodes.OUT_DIR_FOREIGN,
  ErrorCodes.DOCKER_UNAVAILABLE,
  ErrorCodes.QUEUE_UNAVAILABLE,
  ErrorCodes.QUEUE_MISCONFIGURED,
  ErrorCodes.INSTALL_FAILED,
  ErrorCodes.BUILD_REQUIRED,
  ErrorCodes.BUILD_UNMAPPED,
  ErrorCodes.YARN_PNP,
  ErrorCodes.INPUT_INVALID,
  ErrorCodes.REF_NOT_FOUND,
  ErrorCodes.TEMP_UNWRITABLE,
  ErrorCodes.NO_MATCHING_PREDICTIONS,
]);

export interface SweFlowErrorOptions {
  cause?: unknown;
  /** Extra structured facts for logs and JSON output. */
  details?: Record<string, unknown>;
}

export class SweFlowError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: SweFlowErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SweFlowError';
    this.code = code;
    this.details = options.details;
  }

  get kind(): ErrorKind {
    return usageCodes.has(this.code) ? 'usage' : 'failure';
  }

  /** The process exit code the CLI uses for this error. */
  get exitCode(): 1 | 2 {
    return this.kind === 'usage' ? 2 : 1;
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message, details: this.details };
  }
}

export function isSweFlowError(error: unknown): error is SweFlowError {
  return error instanceof SweFlowError;
}
