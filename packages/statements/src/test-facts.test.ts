import { describe, expect, it } from 'vitest';
import { analyzeTest } from './test-facts.js';

function facts(body: string, file = 'test/x.test.ts', params = '') {
  return analyzeTest(`it('x', async (${params}) => {\n${body}\n})`, file).facts.map((f) => (f.context ? `(${f.context}) ${f.text}` : f.text));
}

describe('analyzeTest', () => {
  it.each([
    ['expect(sum(2, 3)).toBe(5);', 'calling `sum(2, 3)` returns `5`'],
    ['expect(sum(2, 3)).not.toBe(6);', 'calling `sum(2, 3)` does not return `6`'],
    ['expect(obj.count).toStrictEqual(1);', '`obj.count` is `1`'],
    ['expect(list()).toEqual([1, 2]);', 'calling `list()` returns a value deeply equal to `[1, 2]`'],
    ['expect(spy).toHaveBeenCalledWith(1, "a");', '`spy` has been called with `1, "a"`'],
    ['expect(spy).toHaveBeenCalledTimes(2);', '`spy` has been called `2` times'],
    ['expect(parse("x")).toHaveProperty("kind", "word");', 'the result of calling `parse("x")` has the property `kind` equal to `"word"`'],
    ['expect(render()).toMatchSnapshot();', 'the result of calling `render()` matches its stored snapshot'],
    ['expect.soft(a).toBeGreaterThan(1);', '`a` is greater than `1`'],
    ['await expect(get()).resolves.toBe(3);', 'calling `get()` resolves to `3`'],
    ['await expect(get()).rejects.toBe(3);', '`get()` rejects with `3`'],
    ['expect(fn).toThrowError(/bad/);', 'calling `fn()` throws an error whose message matches `/bad/`'],
    ['expect(() => { setup(); run(); }).toThrow();', 'calling `() => { setup(); run(); }` throws an error'],
    ['expect(() => { token.value = 5; }).toThrow(TypeError);', 'evaluating `token.value = 5` throws an error of type `TypeError`'],
    ['t.assert.strictEqual(f(1), 2);', 'calling `f(1)` returns `2`'],
    ['assert(isOk(3));', 'the result of calling `isOk(3)` is truthy'],
    ['assert.isTrue(flag);', '`flag` is `true`'],
    ['assert.lengthOf(items(), 2);', 'the result of calling `items()` has length `2`'],
    ['assert.instanceOf(make(), Thing);', 'the result of calling `make()` is an instance of `Thing`'],
    ['await assert.rejects(load("x"), { code: "ENOENT" });', '`load("x")` returns a promise that rejects with an error matching `{ code: "ENOENT" }`'],
    ['assert.doesNotThrow(() => ok());', 'calling `ok()` does not throw'],
    ['expect(x).to.be.true;', '`x` is `true`'],
    ['expect(x).to.not.equal(2);', '`x` is not `2`'],
    ['expect(x).to.satisfy(isEven);', '`x` satisfies `satisfy(isEven)`'],
    ['expect(get()).toBe(1)', 'calling `get()` returns `1`'],
  ])('%s', (body, sentence) => {
    expect(facts(body)).toEqual([sentence]);
  });

  it('reads ava assertions through the test parameter only', () => {
    expect(facts('t.is(f(), 1);\nt.not(g(), 2);\nt.regex(h(), /a/);', 'test/x.test.js', 't')).toEqual([
      'calling `f()` returns `1`',
      'calling `g()` does not return `2`',
      'the result of calling `h()` matches `/a/`',
    ]);
    // Without a `t` parameter, `t.is(...)` is just a call.
    expect(analyzeTest('test("x", () => { t.is(1, 1); })', 'a.js').facts).toEqual([{ kind: 'action', text: 't.is(1, 1)' }]);
  });

  it('keeps order and context: setup, loops, forEach, conditionals, catch blocks', () => {
    expect(
      facts(
        [
          'const p = new Parser({ strict: true });',
          'cases.forEach(([input, out]) => { expect(p.parse(input)).toEqual(out); });',
          'if (process.platform === "win32") { expect(p.sep).toBe("\\\\"); } else { expect(p.sep).toBe("/"); }',
          'try { p.parse(""); } catch (err) { expect(err.message).toMatch(/empty/); }',
        ].join('\n'),
      ),
    ).toEqual([
      'const p = new Parser({ strict: true })',
      '(for each `[input, out]` of `cases`) calling `p.parse(input)` returns a value deeply equal to `out`',
      '(when `process.platform === "win32"`) `p.sep` is `"\\\\"`',
      '(otherwise) `p.sep` is `"/"`',
      'p.parse("")',
      '(when an error `err` is caught) `err.message` matches `/empty/`',
    ]);
  });

  it('collects the names a test mentions, and reports unparsable sources', () => {
    const a = analyzeTest('it("x", () => { expect(new Circle(1).area).toBe(1); })', 'a.test.js');
    expect(a.names.has('Circle')).toBe(true);
    expect(a.names.has('area')).toBe(true);
    expect(analyzeTest('it("x", () => { expect(', 'a.test.js')).toMatchObject({ parsed: false, facts: [] });
  });

  it('parses TypeScript-only syntax in .ts tests', () => {
    expect(facts('const v = make() as Thing;\nexpect(v!.size).toBe(3);')).toEqual(['const v = make() as Thing', '`v!.size` is `3`']);
  });
});
