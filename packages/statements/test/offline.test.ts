import { describe, expect, it } from 'vitest';
import { findLeak, publicTextOf, writeOfflineStatement, writeStatement, writeStatements } from '../src/index.js';
import { CIRCLE_CREATE_BODY, queueAva, shapesVitest, slugMocha } from './inputs.js';

describe('offline writer: golden statements', () => {
  it.each([
    ['shapes-vitest', shapesVitest],
    ['slug-mocha-chai-assert', slugMocha],
    ['queue-ava', queueAva],
  ] as const)('%s', async (name, input) => {
    const statement = writeOfflineStatement(input);
    await expect(statement).toMatchFileSnapshot(`./__golden__/${name}.md`);
    // Deterministic: same input, same bytes, also through a structural copy.
    expect(writeOfflineStatement(structuredClone(input))).toBe(statement);
  });
});

describe('offline writer: content', () => {
  const statement = writeOfflineStatement(shapesVitest);

  it('turns assertions into requirements in words', () => {
    expect(statement).toContain('calling `Circle.create(-1)` throws an error of type `RangeError`');
    expect(statement).toContain('calling `Circle.create(0).area()` returns `0`');
    expect(statement).toContain('`loadCircle(\'nope\')` returns a promise that rejects with an error whose message matches `/JSON/`');
    expect(statement).toContain('calling `Circle.create(1)` does not throw');
    expect(statement).toContain('(for each `[r, want]` of `[[1, Math.PI], [3, 9 * Math.PI]]`) Expect: the result of calling `Circle.create(r).area()` is approximately `want`');
  });

  it('keeps signatures and JSDoc, lists every FAIL_TO_PASS test id under Acceptance', () => {
    expect(statement).toContain('static create(radius: number): Circle');
    expect(statement).toContain(' * @throws RangeError for negative or non-finite radii');
    const acceptance = statement.slice(statement.indexOf('## Acceptance: these tests must pass'));
    for (const t of shapesVitest.tests) expect(acceptance).toContain(`- \`${t.id}\``);
    expect(acceptance).toContain('`test/shapes.test.ts > Square > area > is side squared`');
  });

  it('says so when a test source is missing instead of inventing requirements', () => {
    const s = writeOfflineStatement({ ...slugMocha, tests: [{ ...slugMocha.tests[0]!, source: '' }] });
    expect(s).toContain("The test's source is not available; read the test in `test/slug.test.js`.");
    expect(s).not.toContain('Expect:');
  });

  it('caps the PASS_TO_PASS list and says how many were left out', () => {
    const s = writeOfflineStatement(queueAva);
    expect(s).toContain('`test/queue.test.ts > push 50`');
    expect(s).not.toContain('`test/queue.test.ts > push 51`');
    expect(s).toContain('- … and 3 more');
  });

  it('writes offline when no LLM is configured, and counts it', async () => {
    const single = await writeStatement(shapesVitest);
    expect(single.source).toBe('offline');
    expect(single.statement).toBe(statement);
    const batch = await writeStatements([shapesVitest, slugMocha, queueAva]);
    expect(batch.stats).toMatchObject({ offline: 3, llm: 0, cached: 0, fallback: 0, requests: 0 });
  });
});

describe('leak check', () => {
  const publicText = publicTextOf(shapesVitest);

  it('does not flag the offline statement, though a test quotes a string the body also contains', () => {
    const statement = writeOfflineStatement(shapesVitest);
    // Planted: the error message is in the body AND in the test; quoting it is not a leak.
    expect(statement).toContain('"radius must be a non-negative finite number"');
    expect(findLeak(statement, shapesVitest.referenceBodies!, { publicText })).toBeNull();
    // Without the public text the same quote would count: the exemption is what makes it pass.
    expect(findLeak(statement, shapesVitest.referenceBodies!)).not.toBeNull();
  });

  it('flags a statement that pastes a body line, whatever its quoting and case', () => {
    const leaky = `${writeOfflineStatement(shapesVitest)}\nHint: use \`RETURN Math.PI * this.radius * this.radius\`.\n`;
    const leak = findLeak(leaky, shapesVitest.referenceBodies!, { publicText });
    expect(leak).toEqual({
      bodyIndex: 0,
      line: 'return Math.PI * this.radius * this.radius;',
      ngram: 'return math . pi * this . radius',
    });
  });

  it('honours the n-gram size', () => {
    const statement = 'It checks `Number.isFinite(radius)` first.';
    expect(findLeak(statement, [CIRCLE_CREATE_BODY], { ngram: 8 })).toBeNull();
    expect(findLeak(statement, [CIRCLE_CREATE_BODY], { ngram: 4 })?.ngram).toBe('number . isfinite (');
  });

  it('ignores the body\'s comments', () => {
    expect(findLeak('the area of a circle is what we want here', ['{\n  // the area of a circle is what we want here\n  return 1;\n}'], { ngram: 4 })).toBeNull();
  });
});
