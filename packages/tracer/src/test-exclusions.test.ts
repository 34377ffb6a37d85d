import { describe, expect, it } from 'vitest';
import { excludeMatcher, isTimeoutError } from './test-exclusions.js';

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
  it("knows each runner's words for a test cut by its time limit", () => {
    for (const text of ['test timed out after 2000ms', 'Error: Test timed out in 5000ms.', 'thrown: "Exceeded timeout of 5000 ms for a test."', 'Error: Timeout of 2000ms exceeded.', 'Timed out while running tests']) expect(isTimeoutError(text), text).toBe(true);
    expect(isTimeoutError('AssertionError: expected 3 to equal 4')).toBe(false);
    expect(isTimeoutError(undefined)).toBe(false);
  });
});
