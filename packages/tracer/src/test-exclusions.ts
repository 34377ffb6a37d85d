/**
 * Tests left out of a trace on purpose: those the user excludes (`--exclude-test`, `excludeTests`)
 * and those cut by the per-test time limit, each with a reason of its own in `trace.json`.
 */
import { ErrorCodes, SweFlowError } from '@swe-flow/core';

/** `/re/flags` is a regular expression; anything else a substring of the test id. */
export function excludeMatcher(patterns: readonly string[]): (id: string) => string | undefined {
  const tests = patterns.map((p) => {
    const re = /^\/(.+)\/([a-z]*)$/.exec(p);
    if (!re) return { p, test: (id: string) => id.includes(p) };
    try {
      const regex = new RegExp(re[1]!, re[2]!.replace('g', ''));
      return { p, test: (id: string) => regex.test(id) };
    } catch (cause) {
      throw new SweFlowError(ErrorCodes.CONFIG_INVALID, `--exclude-test ${p} is not a valid regular expression (${(cause as Error).message}); escape it or give a plain substring`, { cause });
    }
  });
  return (id) => tests.find((t) => t.test(id))?.p;
}

/** The runner's own words for a test cut by a time limit (node:test, vitest, jest, mocha, ava). */
export function isTimeoutError(error: string | undefined): boolean {
  return !!error && /timed out (in|after) \d|exceeded timeout of|timeout of \d+ ?ms exceeded|timed out while running/i.test(error);
}
