import type { TestResult } from '@swe-flow/core';
import { isTimeoutError } from './test-exclusions.js';

export interface SuiteRun {
  results: TestResult[];
  wallMs: number;
}

/**
 * Where a runner's limit cuts the whole run (ava's `--timeout` is the run's inactivity), the tests still
 * running then fail with the runner's timeout words. The suite runs again without them (`cut` grows,
 * and `again` must leave out every id in it) until a run cuts nothing, `maxReruns` times at most; tests
 * a last run still cut are added to `cut` too, so later runs (the traced one) never start them again.
 * Returns the results of the last run plus the cut tests (as failed), and the wall time of every run.
 */
export async function rerunWithoutCutTests(
  first: SuiteRun,
  again: () => Promise<SuiteRun>,
  cut: string[],
  maxReruns: number,
  onCut: (tests: string[], rerun: boolean) => void,
): Promise<SuiteRun> {
  let run = first;
  const cutResults: TestResult[] = [];
  for (let reruns = 0; ; reruns++) {
    const now = run.results.filter((r) => r.status === 'failed' && isTimeoutError(r.error) && !cut.includes(r.id));
    if (now.length === 0) break;
    cutResults.push(...now);
    cut.push(...now.map((r) => r.id));
    const rerun = reruns < maxReruns;
    onCut(now.map((r) => r.id), rerun);
    if (!rerun) break;
    const next = await again();
    run = { results: next.results, wallMs: run.wallMs + next.wallMs };
  }
  const cutIds = new Set(cut);
  return { results: [...run.results.filter((r) => !cutIds.has(r.id)), ...cutResults], wallMs: run.wallMs };
}
