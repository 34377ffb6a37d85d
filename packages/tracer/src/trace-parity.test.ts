import type { TestResult } from '@swe-flow/core';
import { describe, expect, it } from 'vitest';
import { byId, exclusionOf, judgeParity } from './trace-parity.js';
import { excludeMatcher, titleExcludeMatcher } from './test-exclusions.js';

const r = (status: TestResult['status'], error?: string): TestResult => ({ id: 'a.test.ts > t', file: 'a.test.ts', titlePath: ['t'], status, durationMs: 3, ...(error ? { error } : {}) });
const none = excludeMatcher([]);

describe('trace parity', () => {
  // [traced, untraced (null: the untraced run was skipped; undefined: not reported by it), reason]
  const table: [string, TestResult | undefined, TestResult | undefined | null, string | undefined][] = [
    ['passes in both runs', r('passed'), r('passed'), undefined],
    ['passes traced, untraced run skipped', r('passed'), null, undefined],
    ['cut by a time limit in the untraced run', r('passed'), r('failed', 'Error: Timeout of 2000ms exceeded.'), 'timed-out'],
    ['cut by a time limit in the traced run', r('failed', 'test timed out after 5000ms'), r('passed'), 'timed-out'],
    ['reported by the traced run only', r('passed'), undefined, 'not-reported'],
    ['reported by the untraced run only', undefined, r('passed'), 'not-reported'],
    ['fails untraced', r('failed', 'boom'), r('failed', 'boom'), 'fails-untraced'],
    ['skipped traced', r('skipped'), r('passed'), 'skipped'],
    ['skipped untraced', r('passed'), r('skipped'), 'skipped'],
    ['fails only when traced', r('failed', 'recorder broke it'), r('passed'), 'outcome-differs-traced'],
    ['fails traced, untraced run skipped', r('failed', 'boom'), null, 'fails-untraced'],
  ];
  it.each(table)('%s', (_name, t, u, reason) => {
    expect(exclusionOf('a.test.ts > t', t, u ?? undefined, u !== null, none)?.reason).toBe(reason);
  });
  it('an --exclude-test pattern wins over every other reason and is named', () => {
    expect(exclusionOf('a.test.ts > t', r('failed', 'boom'), undefined, true, excludeMatcher(['> t']))).toEqual({ id: 'a.test.ts > t', reason: 'excluded-by-option', error: 'matches --exclude-test > t' });
  });
  it('a test a name filter left out for its title alone (same title, another file) is excluded, saying so; a run one is not', () => {
    const titles = titleExcludeMatcher(['other.test.ts > t']);
    const out = exclusionOf('a.test.ts > t', r('skipped'), r('skipped'), true, excludeMatcher(['other.test.ts > t']), titles);
    expect(out).toMatchObject({ reason: 'excluded-by-option', error: expect.stringContaining('sees titles only') });
    expect(exclusionOf('a.test.ts > t', r('passed'), r('passed'), true, none, titles)).toBeUndefined();
  });
  it('keeps passing tests with their recorded edges, in the order of the ids given', () => {
    const pass = (id: string): TestResult => ({ ...r('passed'), id });
    const traced = byId([pass('b'), pass('a'), { ...r('failed', 'x'), id: 'c' }]);
    const out = judgeParity({ ids: ['a', 'b', 'c'], traced, untraced: traced, records: new Map([['a', { testId: 'a', edges: [['f', 'g', 2]] }]]), excludedBy: none });
    expect(out.tests.map((t) => [t.id, t.edges])).toEqual([['a', [['f', 'g', 2]]], ['b', []]]);
    expect(out.excluded).toEqual([{ id: 'c', reason: 'fails-untraced', error: 'x' }]);
  });
  it('tests sharing an id become one test that fails when any fails, their durations added', () => {
    const merged = byId([r('passed'), r('failed', 'second'), r('passed')]);
    expect(merged.get('a.test.ts > t')).toMatchObject({ status: 'failed', error: 'second', durationMs: 9 });
  });
});
