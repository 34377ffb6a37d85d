/**
 * The leak rule: a statement leaks the solution when it shares a run of `ngram` consecutive normalised
 * tokens with any single line of a reference body. Runs that also occur in public text (the tests, the
 * signatures, the JSDoc: everything the base commit already shows) are not leaks, so quoting a test's
 * expected value or error message is fine even when the body contains the same string.
 */

export const DEFAULT_LEAK_NGRAM = 8;

export interface LeakOptions {
  /** Tokens per n-gram; default 8. */
  ngram?: number;
  /** Text the solver can already see (test sources, signatures, JSDoc); its n-grams never count. */
  publicText?: readonly string[];
}

export interface Leak {
  /** Index into `referenceBodies`. */
  bodyIndex: number;
  /** The body line (trimmed) the statement shares a run with. */
  line: string;
  /** The shared run of normalised tokens, joined by spaces. */
  ngram: string;
}

// Identifiers/words, numbers, and single punctuation characters. Quotes and backticks are dropped so
// `'a'`, "a" and a Markdown `a` normalise alike; semicolons carry no meaning across prose and code.
const TOKEN = /[\p{L}_$][\p{L}\p{N}_$]*|\p{N}+(?:\.\p{N}+)?|[^\s\p{L}\p{N}_$'"`;]/gu;

/** Normalised tokens: case-folded words and numbers, punctuation one character per token. */
export function tokenize(textValue: string): string[] {
  return (textValue.match(TOKEN) ?? []).map((tok) => tok.toLowerCase());
}

function ngrams(tokens: readonly string[], n: number, into: Set<string> = new Set()): Set<string> {
  for (let i = 0; i + n <= tokens.length; i++) into.add(tokens.slice(i, i + n).join(' '));
  return into;
}

/** Strips comments from a body line so a reference's own comments do not make prose "leak". */
function bodyLines(body: string): string[] {
  const withoutBlockComments = body.replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, ' '));
  return withoutBlockComments.split('\n').map((line) => line.replace(/(^|\s)\/\/.*$/, '$1').trim());
}

/** Returns the first leak found, or `null` when the statement shares no body-line n-gram. */
export function findLeak(statement: string, referenceBodies: readonly string[], options: LeakOptions = {}): Leak | null {
  const n = options.ngram ?? DEFAULT_LEAK_NGRAM;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`ngram must be a positive integer, got ${n}`);
  const statementGrams = ngrams(tokenize(statement), n);
  if (statementGrams.size === 0) return null;
  const allowed = new Set<string>();
  for (const text of options.publicText ?? []) ngrams(tokenize(text), n, allowed);
  for (let bodyIndex = 0; bodyIndex < referenceBodies.length; bodyIndex++) {
    for (const line of bodyLines(referenceBodies[bodyIndex]!)) {
      const tokens = tokenize(line);
      for (let i = 0; i + n <= tokens.length; i++) {
        const gram = tokens.slice(i, i + n).join(' ');
        if (statementGrams.has(gram) && !allowed.has(gram)) return { bodyIndex, line, ngram: gram };
      }
    }
  }
  return null;
}

/** The public text of an input: what the base commit already shows a solver. */
export function publicTextOf(input: {
  functions: readonly { signature: string; jsdoc?: string | undefined }[];
  tests: readonly { source: string }[];
  helpers?: readonly { source: string }[] | undefined;
}): string[] {
  return [
    ...input.functions.flatMap((f) => (f.jsdoc ? [f.signature, f.jsdoc] : [f.signature])),
    ...input.tests.map((t) => t.source),
    ...(input.helpers ?? []).map((h) => h.source),
  ];
}
