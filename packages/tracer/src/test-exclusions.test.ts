import { describe, expect, it } from 'vitest';
import type { TestResult } from '@swe-flow/core';
import { exactIdOf, exactIdPattern, excludeMatcher, isTimeoutError, titleExclusionSource, withTitleExclusion } from './test-exclusions.js';
import { rerunWithoutCutTests, type SuiteRun } from './run-scoped-cuts.js';
import { avaExcludeArgs } from './adapters/ava.js';
import { tapExcludeArgs } from './adapters/tap.js';
import type { RunnerAdapter } from './adapter.js';
import { trace } from './trace.js';

describe('test exclusions', () => {
  it('matches substrings and /regular expressions/, naming the pattern that matched', () => {
    const match = excludeMatcher(['slow', '/^test\\/net\\b/i']);
    expect(match('test/a.test.js > is slow')).toBe('slow');
    expect(match('TEST/net.test.js > fetches')).toBe('/^test\\/net\\b/i');
    expect(match('test/a.test.js > adds')).toBeUndefined();
  });
  it('a broken regular expression is a config error with the pattern', () => {
    expect(() => excludeMatcher(['/(/'])).toThrow(expect.objectContaining({ code: 'SWEFLOW_CONFIG_INVALID', message: expect.stringContaining('/(/') }));
  });
  it('trace() refuses a broken regular expression before it starts any run', async () => {
    const ran: string[] = [];
    const adapter: RunnerAdapter = {
      name: 'mocha',
      detect: () => 1,
      listTestFiles: async () => [],
      plainCommand: () => {
        ran.push('plain');
        return { command: 'true', args: [] };
      },
      parseResults: () => [],
      runTraced: async () => {
        ran.push('traced');
        throw new Error('the traced run started');
      },
    };
    const facts = { root: '/nonexistent', packageJson: {}, files: [] };
    await expect(trace({ root: '/nonexistent', runner: 'mocha', adapters: [adapter], facts, exclude: ['/(/'] })).rejects.toMatchObject({ code: 'SWEFLOW_CONFIG_INVALID' });
    expect(ran).toEqual([]);
  });
  it("knows each runner's words for a test cut by its time limit", () => {
    for (const text of ['test timed out after 2000ms', 'Error: Test timed out in 5000ms.', 'thrown: "Exceeded timeout of 5000 ms for a test."', 'Error: Timeout of 2000ms exceeded.', 'Timed out while running tests', 'Exited because no new tests completed within the last 4000ms of inactivity', 'Error: Test timed out after its time limit (vitest reports the limit\'s error as STACK_TRACE_ERROR)']) expect(isTimeoutError(text), text).toBe(true);
    expect(isTimeoutError('AssertionError: expected 3 to equal 4')).toBe(false);
    expect(isTimeoutError(undefined)).toBe(false);
  });
  it('gives name filters the title part of each pattern: a leading test file dropped, " > " read as the runners\' space', () => {
    expect(titleExclusionSource(['test/a.test.js > suite > hangs (forever)'])).toBe('(?:suite hangs \\(forever\\))');
    expect(titleExclusionSource(['slow', '/net(work)?/'])).toBe('(?:slow|net(work)?)');
    // A file alone, an anchored or flagged regex: nothing a name filter can say; filtered after the run.
    expect(titleExclusionSource(['test/a.test.js', '/^test\\//', '/x/i'])).toBeUndefined();
  });
  it('one name-filter regex keeps the selection and drops excluded titles', () => {
    const only = new RegExp(withTitleExclusion(undefined, ['hangs'])!);
    expect(only.test('suite hangs forever')).toBe(false);
    expect(only.test('suite adds')).toBe(true);
    const both = new RegExp(withTitleExclusion('^(?:a hangs|a adds)$', ['hangs'])!);
    expect([both.test('a adds'), both.test('a hangs'), both.test('b adds')]).toEqual([true, false, false]);
    expect(withTitleExclusion('^x$', [])).toBe('^x$');
  });
  it('ava gets negated --match wildcards, tap the same negative --grep at every level', () => {
    expect(avaExcludeArgs(['test/a.test.js > hangs', '/re/'])).toEqual(['--match', '!*hangs*']);
    expect(tapExcludeArgs(['hangs'])).toEqual(Array.from({ length: 4 }, () => '--grep=^(?!.*(?:hangs))'));
    expect(tapExcludeArgs([])).toEqual([]);
  });
  it('a cut test is excluded exactly: not a test whose title contains its title (ava: --match !title, which ava 6 reads as exact)', () => {
    const id = 'test/m.test.js > adds (a+b) $1.50';
    const pattern = exactIdPattern(id);
    expect(exactIdOf(pattern)).toBe(id);
    expect(exactIdOf('/^test\\/net\\b/i')).toBeUndefined();
    expect(exactIdOf('adds')).toBeUndefined();
    const match = excludeMatcher([pattern]);
    expect(match(id)).toBe(pattern);
    expect(match(`${id} twice`)).toBeUndefined();
    expect(avaExcludeArgs([pattern, 'test/a.test.js > hangs'])).toEqual(['--match', '!adds (a+b) $1.50', '--match', '!*hangs*']);
  });
});

describe('a run whose limit cuts the whole run (ava): reruns without the cut tests', () => {
  const result = (id: string, status: 'passed' | 'failed', error?: string): TestResult => ({ id, file: 'test/a.test.js', titlePath: [id], status, durationMs: 1, ...(error ? { error } : {}) });
  const timedOut = 'Timed out while running tests';
  it('stops at the first run that cuts nothing; the cut tests are reported failed, once', async () => {
    const cut: string[] = [];
    const runs: SuiteRun[] = [{ results: [result('ok', 'passed')], wallMs: 5 }];
    const first = { results: [result('ok', 'failed', timedOut), result('hang', 'failed', timedOut)], wallMs: 10 };
    const out = await rerunWithoutCutTests(first, async () => runs.shift()!, cut, 3, () => {});
    expect(cut).toEqual(['ok', 'hang']);
    expect(out.wallMs).toBe(15);
    expect(out.results.map((r) => [r.id, r.status])).toEqual([['ok', 'failed'], ['hang', 'failed']]);
  });
  it('tests a last allowed rerun still cuts join the cut list, so the traced run leaves them out too', async () => {
    const cut: string[] = [];
    let n = 0;
    const said: Array<[string[], boolean]> = [];
    const first = { results: [result('t0', 'failed', timedOut)], wallMs: 1 };
    const out = await rerunWithoutCutTests(first, async () => ({ results: [result(`t${++n}`, 'failed', timedOut), result('fine', 'passed')], wallMs: 1 }), cut, 2, (tests, rerun) => said.push([tests, rerun]));
    expect(cut).toEqual(['t0', 't1', 't2']);
    expect(said).toEqual([[['t0'], true], [['t1'], true], [['t2'], false]]);
    expect(out.results.map((r) => r.id)).toEqual(['fine', 't0', 't1', 't2']);
    expect(out.wallMs).toBe(3);
  });
});
