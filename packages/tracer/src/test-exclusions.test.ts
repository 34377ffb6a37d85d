import { describe, expect, it } from 'vitest';
import { excludeMatcher, isTimeoutError, titleExclusionSource, withTitleExclusion } from './test-exclusions.js';
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
});
