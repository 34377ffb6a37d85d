import type { FunctionKind } from '@swe-flow/core';

/** One function the step asks for, described by its public face only (never its body). */
export interface StatementFunction {
  /** Function id from the shared locator, e.g. `src/shapes.ts:12:3:Circle#area`. */
  id: string;
  /** Repo-relative POSIX path. */
  file: string;
  /** Qualified name, e.g. `Circle#area`. */
  name: string;
  kind: FunctionKind;
  /** Source text of the signature without the body, e.g. `export function add(a: number, b: number): number`. */
  signature: string;
  /** The JSDoc block above the function in the original source, if any. */
  jsdoc?: string;
  async: boolean;
  generator: boolean;
}

/** One FAIL_TO_PASS test of the step. */
export interface StatementTest {
  /** Test id (`file > describe > name`), as the runner reruns it. */
  id: string;
  file: string;
  titlePath: string[];
  /** The test's own source text: the `it()` / `test()` call. */
  source: string;
  /** Title of the enclosing describe block(s), if the caller has it; defaults to the title path minus the name. */
  describe?: string;
}

/** Helper code from the test files (fixtures, builders) the tests rely on. */
export interface StatementHelper {
  file: string;
  source: string;
}

/** Everything a statement is written from. The emitter fills it. */
export interface StatementInput {
  /** `owner/repo`. */
  repo: string;
  step: number;
  /** The task's instance id, used in the heading when given. */
  instanceId?: string;
  functions: StatementFunction[];
  tests: StatementTest[];
  helpers?: StatementHelper[];
  /** PASS_TO_PASS test ids, listed as context ("must keep passing"). */
  passToPass?: string[];
  /**
   * Reference bodies of the functions to implement. They are NEVER shown to a writer or a model; the
   * leak check uses them to reject statements that copy the solution.
   */
  referenceBodies?: string[];
}

/**
 * What the writers did. `llm` statements came from fresh LLM requests, `cached` ones from the on-disk
 * cache, `offline` ones from the offline writer because no LLM was configured, `fallback` ones from the
 * offline writer because the LLM failed or leaked twice. `leakRejected` counts rejected LLM answers.
 * `requests` counts HTTP requests actually sent (retries included), `retries` the retried ones.
 */
export interface StatementStats {
  llm: number;
  cached: number;
  offline: number;
  fallback: number;
  leakRejected: number;
  requests: number;
  retries: number;
}

export function emptyStats(): StatementStats {
  return { llm: 0, cached: 0, offline: 0, fallback: 0, leakRejected: 0, requests: 0, retries: 0 };
}

export function addStats(into: StatementStats, from: StatementStats): StatementStats {
  for (const key of Object.keys(into) as (keyof StatementStats)[]) into[key] += from[key];
  return into;
}
