/**
 * Tests a runner loses without a word: a test file that reports no test (it failed to load, or called
 * `process.exit` before the runner could report), and tests that share one id (they can only run
 * together, so they count as one). trace() records them in `trace.json` (`lost`) with the reason.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseTestId, type ExcludedTest, type LostTest, type TestResult } from '@swe-flow/core';

const PROCESS_EXIT = /\bprocess\s*\.\s*(exit|abort|reallyExit)\s*\(/;

/** Ids reported more than once by one run, with how many times. */
export function duplicateIds(results: readonly TestResult[]): Map<string, { file: string; times: number }> {
  const seen = new Map<string, { file: string; times: number }>();
  for (const r of results) {
    const prev = seen.get(r.id);
    seen.set(r.id, { file: r.file, times: (prev?.times ?? 0) + 1 });
  }
  return new Map([...seen].filter(([, v]) => v.times > 1));
}

/**
 * Lost tests of a trace: files without a test reported by either run, and ids one run (`results`)
 * reported more than once.
 */
export async function findLostTests(root: string, testFiles: readonly string[], results: readonly TestResult[], otherRun: readonly TestResult[] = []): Promise<LostTest[]> {
  const lost: LostTest[] = [];
  const reported = new Set([...results, ...otherRun].map((r) => r.file));
  for (const file of [...testFiles].sort()) {
    if (reported.has(file)) continue;
    const code = await readFile(path.join(root, file), 'utf8').catch(() => '');
    if (PROCESS_EXIT.test(code)) {
      lost.push({ file, reason: 'calls-process-exit', detail: 'the file calls process.exit, which ends the test process before the runner reports its tests; mock process.exit in the test or remove the call' });
    } else {
      lost.push({ file, reason: 'file-reported-no-tests', detail: 'the runner reported no test of this file: it failed to load (an import or top-level error), ran past the per-file limit (node:test, --test-file-timeout) or holds no test; run it alone with the runner to see why' });
    }
  }
  for (const [id, { file, times }] of duplicateIds(results)) {
    lost.push({ file, id, reason: 'duplicate-name', count: times - 1, detail: `${times} tests share this name; they can only run and be graded together, so they count as one test: give them distinct names` });
  }
  return lost;
}

/**
 * Tests a per-test limit cut in the untraced or traced run (excluded `timed-out`), as lost tests: a
 * test that hangs (a promise that never settles, with the repository's timeout disabled) ends here
 * after `limitMs` instead of holding the whole run.
 */
export function timedOutTests(excluded: readonly ExcludedTest[], traced: ReadonlyMap<string, TestResult>, limitMs: number | undefined): LostTest[] {
  const limit = limitMs ? `the per-test limit of the trace runs (${limitMs} ms, --trace-test-timeout) or the repository's own` : "the repository's own per-test limit";
  return excluded.filter((e) => e.reason === 'timed-out').map((e) => ({
    file: traced.get(e.id)?.file ?? parseTestId(e.id).file,
    id: e.id,
    reason: 'timed-out' as const,
    count: 1,
    detail: `cut by ${limit}: it hangs or is slow; raise --trace-test-timeout if it only needs longer, or fix the test (${(e.error ?? 'timed out').split('\n')[0]!.slice(0, 200)})`,
  }));
}
