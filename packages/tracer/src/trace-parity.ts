/**
 * Which reported tests a trace keeps, and why the others are excluded: a pure judgement over the
 * traced and untraced results of one test id (no runner, no disk).
 */
import type { ExcludedTest, TestResult, TracedTest } from '@swe-flow/core';
import type { TestRecord } from './adapter.js';
import { isTimeoutError } from './test-exclusions.js';

/** The two runs' results by id, as the tracer read them. */
export interface ParityInput {
  ids: readonly string[];
  traced: ReadonlyMap<string, TestResult>;
  /** Absent when the untraced run was skipped. */
  untraced?: ReadonlyMap<string, TestResult>;
  records: ReadonlyMap<string, TestRecord>;
  /** The `--exclude-test` pattern an id matches, if any. */
  excludedBy: (id: string) => string | undefined;
  /** The pattern whose title part (what a runner's name filter saw before the run) matches the id's titles. */
  titleExcludedBy?: (id: string) => string | undefined;
}

export interface ParityOutcome {
  tests: TracedTest[];
  excluded: ExcludedTest[];
}

/** The reason a test is left out of the trace, or undefined when it is kept. */
export function exclusionOf(id: string, t: TestResult | undefined, u: TestResult | undefined, untracedRan: boolean, excludedBy: (id: string) => string | undefined, titleExcludedBy?: (id: string) => string | undefined): ExcludedTest | undefined {
  const pattern = excludedBy(id);
  if (pattern !== undefined) return { id, reason: 'excluded-by-option', error: `matches --exclude-test ${pattern}` };
  // Left out by a name filter that sees titles only: a test of the same title in another file.
  const byTitle = [u, t].every((r) => !r || r.status === 'skipped') ? titleExcludedBy?.(id) : undefined;
  if (byTitle !== undefined) return { id, reason: 'excluded-by-option', error: `not run: the runner's name filter for --exclude-test ${byTitle} sees titles only, and this test has the same title in another file` };
  const cut = [u, t].find((r) => r?.status === 'failed' && isTimeoutError(r.error));
  if (cut) return { id, reason: 'timed-out', error: `${cut.error ?? 'timed out'}; raise the runner's test timeout if it is only slow` };
  if (untracedRan && !u) return { id, reason: 'not-reported', error: 'reported by the traced run only' };
  if (!t) return { id, reason: 'not-reported', error: 'reported by the untraced run only' };
  if (u?.status === 'failed') return { id, reason: 'fails-untraced', ...(u.error ? { error: u.error } : {}) };
  if (t.status === 'skipped' || u?.status === 'skipped') return { id, reason: 'skipped' };
  if (u && u.status !== t.status) return { id, reason: 'outcome-differs-traced', error: `untraced ${u.status}, traced ${t.status}${t.error ? `: ${t.error}` : ''}` };
  if (t.status === 'failed') return { id, reason: 'fails-untraced', ...(t.error ? { error: t.error } : {}) };
  return undefined;
}

/** Splits the reported ids into traced tests (with their edges) and excluded tests, in id order. */
export function judgeParity(input: ParityInput): ParityOutcome {
  const tests: TracedTest[] = [];
  const excluded: ExcludedTest[] = [];
  for (const id of input.ids) {
    const t = input.traced.get(id);
    const out = exclusionOf(id, t, input.untraced?.get(id), input.untraced !== undefined, input.excludedBy, input.titleExcludedBy);
    if (out) excluded.push(out);
    else if (t) tests.push({ id, file: t.file, titlePath: t.titlePath, fullName: t.titlePath.join(' '), status: t.status, durationMs: t.durationMs, edges: input.records.get(id)?.edges ?? [] });
  }
  return { tests, excluded };
}

/**
 * Results by id. Tests that share an id (same file and titles) cannot be rerun apart; they become one
 * test that fails when any of them fails (their edges are already recorded together).
 */
export function byId(results: readonly TestResult[]): Map<string, TestResult> {
  const out = new Map<string, TestResult>();
  const rank = { failed: 2, passed: 1, skipped: 0 } as const;
  for (const r of results) {
    const prev = out.get(r.id);
    if (!prev) {
      out.set(r.id, r);
      continue;
    }
    const worse = rank[r.status] > rank[prev.status] ? r : prev;
    out.set(r.id, { ...worse, durationMs: prev.durationMs + r.durationMs });
  }
  return out;
}
