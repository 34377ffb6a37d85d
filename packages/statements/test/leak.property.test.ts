import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findLeak, tokenize } from '../src/index.js';

const word = fc.stringMatching(/^[a-z][a-z0-9]{1,7}$/);
const punct = fc.constantFrom('(', ')', '.', '+', '*', '=', '[', ']', ',', '!');
const codeLine = fc.array(fc.oneof(word, punct), { minLength: 8, maxLength: 20 }).map((toks) => toks.join(' '));
const prose = fc.array(fc.stringMatching(/^[A-Z][a-z]{2,9}$/), { minLength: 0, maxLength: 30 }).map((ws) => ws.join(' '));

describe('leak rule (properties)', () => {
  it('finds any pasted body line of at least n tokens, whatever surrounds it, unless it is public', () => {
    fc.assert(
      fc.property(prose, codeLine, prose, fc.integer({ min: 2, max: 8 }), (before, line, after, n) => {
        const body = `{\n  ${line}\n}`;
        const statement = `${before}\n\`${line}\`\n${after}`;
        const leak = findLeak(statement, [body], { ngram: n });
        expect(leak).not.toBeNull();
        expect(tokenize(line).join(' ')).toContain(leak!.ngram);
        expect(findLeak(statement, [body], { ngram: n, publicText: [line] })).toBeNull();
      }),
    );
  });

  it('never flags a statement whose tokens the body does not have', () => {
    fc.assert(
      fc.property(prose, codeLine, (statement, line) => {
        // A statement that shares no token with the body shares no n-gram, even for n = 1.
        fc.pre(!tokenize(statement).some((tok) => tokenize(line).includes(tok)));
        expect(findLeak(statement, [line], { ngram: 1 })).toBeNull();
      }),
    );
  });
});
