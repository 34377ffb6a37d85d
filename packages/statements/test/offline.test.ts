import { describe, expect, it } from 'vitest';
import { checkStatement, findLeak, MAX_P2P_LISTED, STATEMENT_BUDGET_CHARS, publicTextOf, referenceNames, writeOfflineStatement, writeStatement, writeStatements } from '../src/index.js';
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

  it('summarises a long PASS_TO_PASS list per test file, with counts', () => {
    const s = writeOfflineStatement(queueAva);
    const p2p = queueAva.passToPass!;
    expect(p2p.length).toBeGreaterThan(MAX_P2P_LISTED);
    expect(s).not.toContain('`test/queue.test.ts > push 1`');
    expect(s).toContain(`These ${p2p.length} tests pass already and must keep passing`);
    expect(s).toContain(`- \`test/queue.test.ts\`: ${p2p.filter((id) => id.startsWith('test/queue.test.ts > ')).length} tests`);
    const short = writeOfflineStatement({ ...queueAva, passToPass: p2p.slice(0, MAX_P2P_LISTED) });
    for (const id of p2p.slice(0, MAX_P2P_LISTED)) expect(short).toContain(`- \`${id}\``);
  });

  it('stays within the length budget: fewer facts per requirement, every test and function still named', () => {
    const many = { ...shapesVitest, tests: Array.from({ length: 40 }, (_, i) => ({ ...shapesVitest.tests[i % shapesVitest.tests.length]!, id: `${shapesVitest.tests[i % shapesVitest.tests.length]!.id} #${i}` })) };
    const full = writeOfflineStatement(many, Infinity);
    const smallest = writeOfflineStatement(many, 1);
    const budget = Math.ceil((smallest.length + full.length) / 2);
    const compact = writeOfflineStatement(many, budget);
    expect(full.length).toBeGreaterThan(budget);
    expect(compact.length).toBeLessThanOrEqual(budget);
    const failToPass = many.tests.map((t) => t.id);
    expect(checkStatement(compact, { functions: many.functions, failToPass, budget })).toMatchObject({ ok: true, problems: [] });
    expect(checkStatement(full, { functions: many.functions, failToPass, budget }).problems).toEqual([`has ${full.length} characters (budget ${budget})`]);
  });

  it('summarises a FAIL_TO_PASS list too long for the budget per test file, with counts; the check accepts it and no other count', () => {
    // 300 tests in two files (vercel/ms's merged step had a 24,224-character statement): no fact level fits.
    const source = shapesVitest.tests[0]!;
    const tests = Array.from({ length: 300 }, (_, i) => {
      const file = i % 3 === 0 ? 'test/b.test.ts' : 'test/a.test.ts';
      return { ...source, file, id: `${file} > ms(value) > converts case number ${i} of a long table of durations` };
    });
    const many = { ...shapesVitest, tests };
    const failToPass = tests.map((t) => t.id);
    const s = writeOfflineStatement(many);
    expect(s.length).toBeLessThanOrEqual(STATEMENT_BUDGET_CHARS);
    expect(writeOfflineStatement(many, Infinity).length).toBeGreaterThan(STATEMENT_BUDGET_CHARS);
    expect(s).toContain("These 300 tests fail now and must pass (the dataset row's FAIL_TO_PASS lists them one by one):");
    expect(s).toContain('- `test/a.test.ts`: 200 failing tests');
    expect(s).toContain('- `test/b.test.ts`: 100 failing tests');
    expect(s).not.toContain(failToPass[0]);
    expect(checkStatement(s, { functions: many.functions, failToPass })).toMatchObject({ ok: true, problems: [] });
    // Every function is still named, and a list the summary does not count is caught.
    for (const fn of many.functions) expect(s).toContain(fn.name);
    const extra = `${tests[1]!.file} > one more`;
    expect(checkStatement(s, { functions: many.functions, failToPass: [...failToPass, extra] }).missingTests).toEqual(failToPass.filter((id) => id.startsWith('test/a.test.ts')).concat(extra));
    // A short list stays listed one by one.
    const few = writeOfflineStatement({ ...many, tests: tests.slice(0, 3) });
    for (const id of failToPass.slice(0, 3)) expect(few).toContain(`- \`${id}\``);
    expect(few).not.toContain('fail now and must pass');
  });

  it('summarises the requirements per file and feature when the summarised Acceptance list alone does not fit', () => {
    const source = shapesVitest.tests[0]!;
    const tests = Array.from({ length: 120 }, (_, i) => ({ ...source, id: `${source.file} > Circle > case ${i} with a title that keeps going for a while` }));
    const many = { ...shapesVitest, tests };
    const withFacts0 = writeOfflineStatement(many, 1);
    expect(withFacts0).not.toContain('### R1.');
    expect(withFacts0).toContain(`- \`${source.file}\` > \`${source.describe ?? source.titlePath.slice(0, -1).join(' > ')}\`: 120 tests`);
    expect(checkStatement(withFacts0, { functions: many.functions, failToPass: tests.map((t) => t.id), budget: Infinity }).ok).toBe(true);
  });

  it('lists a long FAIL_TO_PASS id with backticks in full, so the check finds it', () => {
    const id = `${shapesVitest.tests[0]!.file} > Utils > \`Result.combineWithAllErrors\` > testdouble \`ResultAsync.combine\` > Combines \`testdouble\` proxies from mocks generated via interfaces and a title long enough to be cut`;
    const input = { ...shapesVitest, tests: [{ ...shapesVitest.tests[0]!, id }] };
    const s = writeOfflineStatement(input);
    expect(checkStatement(s, { functions: input.functions, failToPass: [id] }).missingTests).toEqual([]);
  });

  it.each([
    { what: 'a function left out', drop: 'function' as const },
    { what: 'a FAIL_TO_PASS test left out', drop: 'test' as const },
  ])('checkStatement finds $what', ({ drop }) => {
    const s = writeOfflineStatement(shapesVitest);
    const fn = shapesVitest.functions[0]!;
    const test = shapesVitest.tests[0]!;
    const cut = drop === 'function' ? s.split(fn.name).join('X').replace(new RegExp(`\\b${referenceNames(fn)[0]}\\b`, 'g'), 'X') : s.split(test.id).join('X');
    const check = checkStatement(cut, { functions: shapesVitest.functions, failToPass: shapesVitest.tests.map((t) => t.id) });
    expect(check.ok).toBe(false);
    if (drop === 'function') expect(check.missingFunctions).toContain(fn.name);
    else expect(check.missingTests).toEqual([test.id]);
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
