/**
 * Tests left out of a trace on purpose: those the user excludes (`--exclude-test`, `excludeTests`)
 * and those cut by the per-test time limit, each with a reason of its own in `trace.json`.
 */
import { ErrorCodes, SweFlowError } from '@swe-flow/core';

/** An `--exclude-test` pattern written `/re/flags`: its source and flags. */
export const REGEX_PATTERN = /^\/(.+)\/([a-z]*)$/;

/** `/re/flags` is a regular expression; anything else a substring of the test id. */
export function excludeMatcher(patterns: readonly string[]): (id: string) => string | undefined {
  const tests = patterns.map((p) => {
    const re = REGEX_PATTERN.exec(p);
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

/** The exclusion pattern of exactly one test id (a cut test): `/^id$/`, read back by `exactIdOf`. */
export function exactIdPattern(id: string): string {
  return `/^${escapeForRegex(id)}$/`;
}

/** The id an `exactIdPattern` pattern excludes, or undefined for any other pattern. */
export function exactIdOf(pattern: string): string | undefined {
  const m = /^\/\^((?:\\.|[^.*+?^${}()|[\]\\/])*)\$\/$/.exec(pattern);
  return m ? m[1]!.replace(/\\(.)/g, '$1') : undefined;
}

/** The runner's own words for a test cut by a time limit (node:test, vitest, jest, mocha, ava). */
export function isTimeoutError(error: string | undefined): boolean {
  return !!error && /timed out (in|after) \d|exceeded timeout of|timeout of \d+ ?ms exceeded|timed out while running|no new tests completed within|timed out after its time limit/i.test(error);
}

/** A last path segment that names a test file: what a pattern copied from a test id starts with. */
const TEST_FILE_SEGMENT = /\.(?:[cm]?[jt]sx?|coffee)$/;

function escapeForRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * The part of `--exclude-test` patterns a runner's name filter can see before the run: the titles.
 * Runners (vitest, jest, mocha, jasmine) match a filter against a test's titles joined by one space,
 * and ids are `file > title > title`; so a substring pattern loses a leading test-file segment and its
 * ` > ` becomes a space. A /regular expression/ is passed on when it has no anchor, no `>` and no
 * flags (the runners' filters are case-sensitive and see no file). Returns a regex source matching
 * the full name of every test to leave out, or undefined when no pattern says anything about titles
 * (those are then only filtered after the run). A title filter can also skip a test of the same
 * title in another file: trace() lists such a test as excluded too, saying so.
 */
export function titleExclusionSource(patterns: readonly string[]): string | undefined {
  const parts: string[] = [];
  for (const p of patterns) {
    const re = REGEX_PATTERN.exec(p);
    if (re) {
      if (!re[2] && !/[\^$>]/.test(re[1]!)) parts.push(re[1]!);
      continue;
    }
    const segments = p.split(' > ');
    if (segments.length > 1 && TEST_FILE_SEGMENT.test(segments[0]!)) segments.shift();
    const titles = segments.join(' ');
    if (titles.trim() === '' || (segments.length === 1 && TEST_FILE_SEGMENT.test(titles))) continue;
    parts.push(escapeForRegex(titles));
  }
  return parts.length > 0 ? `(?:${parts.join('|')})` : undefined;
}

/** The pattern whose title part (what `titleExclusionSource` gives a name filter) matches an id's titles. */
export function titleExcludeMatcher(patterns: readonly string[]): (id: string) => string | undefined {
  const checks = patterns.flatMap((p) => {
    const source = titleExclusionSource([p]);
    return source ? [{ p, regex: new RegExp(source) }] : [];
  });
  return (id) => checks.find((c) => c.regex.test(id.split(' > ').slice(1).join(' ')))?.p;
}

/**
 * A name filter that keeps `selection` (a `^...` pattern, or every test) and drops the excluded
 * titles: a negative lookahead at the start, so one regular expression does both.
 */
export function withTitleExclusion(selection: string | undefined, exclude: readonly string[] | undefined): string | undefined {
  const source = titleExclusionSource(exclude ?? []);
  if (!source) return selection;
  const keep = selection === undefined ? '' : selection.replace(/^\^/, '');
  return `^(?!.*${source})${keep}`;
}

/**
 * JavaScript source of `sweflowExcluded(patterns)`: the same matching as `excludeMatcher`, for the
 * modules swe-flow loads into runner processes (tape, uvu, node:test), which know each test's id.
 */
export const EXCLUDE_MATCHER_SOURCE = `
function sweflowExcluded(patterns) {
  const tests = (patterns || []).map((p) => {
    const re = /^\\/(.+)\\/([a-z]*)$/.exec(p);
    if (!re) return { p, test: (id) => id.includes(p) };
    const regex = new RegExp(re[1], re[2].replace('g', ''));
    return { p, test: (id) => regex.test(id) };
  });
  return (id) => { const hit = tests.find((t) => t.test(id)); return hit ? hit.p : undefined; };
}
`;
