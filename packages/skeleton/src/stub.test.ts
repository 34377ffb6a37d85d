import { describe, expect, it } from 'vitest';
import { locateFunctions, parseSource, stubFunctions, type StubStyle } from './index.js';
import { probe, runModule } from '../test/run-module.js';
import { assertByteIdenticalOutside } from '../test/byte-identity.js';

// Every function kind of locate.test.ts, made runnable.
const FILE = 'src/shapes.ts';
const SOURCE = `import { log } from './log';
export function area(r: number): number { return helper(r) * r; }
const helper = (x: number) => Math.PI * x;
export class Shape {
  static made = 0;
  label = 'shape';
  constructor() {
    Shape.made++;
  }
  static create(): Shape { return new Shape(); }
  get size() { return 1; }
  set size(v: number) { this.label = 'size:' + v; }
  onClick = () => this.size;
  describe() { return [1].map(function inner(n) { return n; }).map((n) => n * 2); }
}
export class Circle extends Shape {
  kind = 'circle';
  constructor(public r: number) {
    const twice = r * 2;
    super();
    this.label = \`circle:\${twice}\`;
  }
  async *ticks() { yield 1; yield 2; }
}
export const api = { run() { return 1; }, go: async () => 2, make: () => ({ made: true }) };
export default function () { return 'default'; }
function overload(a: string): string;
function overload(a: any) { return a; }
export { overload };
export function* counter(n: number) {
  for (let i = 0; i < n; i++) yield i;
}
export function logged() {
  log('x');
  return 'logged';
}
`;

type Mod = Record<string, any>;
const PROBES: Record<string, (m: Mod) => unknown> = {
  area: (m) => m.area(1),
  shape: (m) => [new m.Shape().label, m.Shape.made],
  create: (m) => m.Shape.create().label,
  size: (m) => new m.Shape().size,
  setSize: (m) => {
    const s = new m.Shape();
    s.size = 3;
    return s.label;
  },
  onClick: (m) => new m.Shape().onClick(),
  describe: (m) => new m.Shape().describe(),
  circle: (m) => {
    const c = new m.Circle(2);
    return [c.label, c.kind, c.r];
  },
  ticks: async (m) => {
    const out: number[] = [];
    for await (const v of new m.Circle(1).ticks()) out.push(v);
    return out;
  },
  run: (m) => m.api.run(),
  go: (m) => m.api.go(),
  make: (m) => m.api.make(),
  default: (m) => m.default(),
  overload: (m) => m.overload('x'),
  counter: (m) => [...m.counter(3)],
  logged: (m) => m.logged(),
};
// Which probe shows each function's own behaviour.
const DESIGNATED: Record<string, string> = {
  area: 'area',
  helper: 'area',
  'Shape#constructor': 'shape',
  'Shape.create': 'create',
  'Shape#get:size': 'size',
  'Shape#set:size': 'setSize',
  'Shape#onClick': 'onClick',
  'Shape#describe': 'describe',
  'Shape#describe/inner': 'describe',
  'Shape#describe/<anonymous>': 'describe',
  'Circle#constructor': 'circle',
  'Circle#ticks': 'ticks',
  'api.run': 'run',
  'api.go': 'go',
  'api.make': 'make',
  default: 'default',
  overload: 'overload',
  counter: 'counter',
  logged: 'logged',
};

function load(code: string): Mod {
  // `./log` is the one import: give the module a real function for it through a prelude.
  return runModule(code.replace(`import { log } from './log';`, 'const log = (s: string) => s;'), FILE);
}

async function runProbes(code: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [name, fn] of Object.entries(PROBES)) out[name] = await probe(() => fn(load(code)));
  return out;
}

const FNS = locateFunctions(SOURCE, FILE);

describe('stubFunctions', () => {
  it('covers every function kind of the fixture', () => {
    expect(FNS.map((f) => f.name).sort()).toEqual(Object.keys(DESIGNATED).sort());
  });

  it('runs the original fixture', async () => {
    const results = await runProbes(SOURCE);
    expect(results).toMatchObject({ area: `ok:${Math.PI}`, circle: 'ok:["circle:4","circle",2]', ticks: 'ok:[1,2]' });
    expect(Object.values(results).every((r) => r.startsWith('ok:'))).toBe(true);
  });

  it.each(FNS.map((f) => [f.name, f] as const))('stubs %s alone: it throws with its name, the rest still works', async (name, fn) => {
    const original = await runProbes(SOURCE);
    const result = stubFunctions(SOURCE, FILE, [fn.id]);
    expect(result.stubbed).toEqual([fn.id]);
    expect(() => parseSource(result.code, FILE)).not.toThrow();
    assertByteIdenticalOutside(SOURCE, result.code, [fn]);
    const stubbed = await runProbes(result.code);
    const message = `err:Not implemented: ${name}`;
    expect(stubbed[DESIGNATED[name]!]).toBe(message);
    for (const [probeName, value] of Object.entries(stubbed)) {
      expect([original[probeName], message], probeName).toContain(value);
    }
  });

  it.each(FNS.map((f) => [f.name, f] as const))('stubs %s alone with return-undefined: no throw, behaviour changes', async (name, fn) => {
    const original = await runProbes(SOURCE);
    const result = stubFunctions(SOURCE, FILE, [fn.id], { style: 'return-undefined' });
    assertByteIdenticalOutside(SOURCE, result.code, [fn]);
    const stubbed = await runProbes(result.code);
    expect(Object.values(stubbed).some((v) => v.includes('Not implemented'))).toBe(false);
    expect(stubbed[DESIGNATED[name]!]).not.toBe(original[DESIGNATED[name]!]);
  });

  it('stubs everything in one pass; nested targets are reported as stubbed by their parent', async () => {
    const result = stubFunctions(SOURCE, FILE, FNS.map((f) => f.id));
    const nested = FNS.filter((f) => f.name.startsWith('Shape#describe/')).map((f) => f.id);
    expect(result.stubbedByParent).toEqual(nested);
    expect(result.stubbed).toEqual(FNS.map((f) => f.id).filter((id) => !nested.includes(id)));
    assertByteIdenticalOutside(SOURCE, result.code, FNS.filter((f) => !nested.includes(f.id)));
    // Re-locating the stub finds every function but the nested ones, on the same lines.
    const again = locateFunctions(result.code, FILE).map((f) => `${f.line}:${f.name}`);
    expect(again).toEqual(FNS.filter((f) => !nested.includes(f.id)).map((f) => `${f.line}:${f.name}`));
    const probes = await runProbes(result.code);
    for (const value of Object.values(probes)) expect(value).toMatch(/^err:Not implemented: /);
    expect(probes.circle).toBe('err:Not implemented: Shape#constructor');
    expect(result.unusedImports).toEqual([{ local: 'log', imported: 'log', source: './log' }]);
  });

  it('keeps generator and async semantics: calling does not throw, consuming does', async () => {
    const ids = FNS.filter((f) => ['counter', 'api.go', 'Circle#ticks'].includes(f.name)).map((f) => f.id);
    const m = load(stubFunctions(SOURCE, FILE, ids).code);
    const gen = m.counter(3);
    expect(typeof gen.next).toBe('function');
    expect(() => gen.next()).toThrow('Not implemented: counter');
    const promise = m.api.go();
    await expect(promise).rejects.toThrow('Not implemented: api.go');
    await expect(new m.Circle(1).ticks().next()).rejects.toThrow('Not implemented: Circle#ticks');
  });

  it('keeps the leading super(...) of a derived constructor and the statements before it; fields initialise', () => {
    const circle = FNS.find((f) => f.name === 'Circle#constructor')!;
    const { code } = stubFunctions(SOURCE, FILE, [circle.id]);
    expect(code).toContain(`constructor(public r: number) {
    const twice = r * 2;
    super();
    throw new Error("Not implemented: Circle#constructor");
  }`);
    const undef = stubFunctions(SOURCE, FILE, [circle.id], { style: 'return-undefined' }).code;
    const m = load(undef);
    const c = new m.Circle(5);
    expect([c.label, c.kind, c.r, m.Shape.made]).toEqual(['shape', 'circle', 5, 1]);
  });

  it('writes exact stubs: layout, indentation, expression bodies, CRLF', () => {
    const src = [
      'class A {',
      '    method(a: number): number {',
      '        // comment',
      '        return a;',
      '    }',
      '    one() { return 1; }',
      '}',
      'export const obj = () => ({ a: 1 });',
      'export const f = async (x) =>',
      '  x + 1;',
      '',
    ].join('\n');
    const fns = locateFunctions(src, 'a.ts');
    expect(stubFunctions(src, 'a.ts', fns.map((f) => f.id)).code).toBe(
      [
        'class A {',
        '    method(a: number): number {',
        '        throw new Error("Not implemented: A#method");',
        '    }',
        '    one() { throw new Error("Not implemented: A#one"); }',
        '}',
        'export const obj = () => { throw new Error("Not implemented: obj"); };',
        'export const f = async (x) =>',
        '  { throw new Error("Not implemented: f"); };',
        '',
      ].join('\n'),
    );
    expect(stubFunctions(src, 'a.ts', fns.map((f) => f.id), { style: 'return-undefined' }).code).toContain(
      'one() { return undefined as any; }',
    );
    const js = 'class B extends A {\n  constructor() { super(); this.x = 1; }\n  set v(x) { this.x = x; }\n  one() { return 1; }\n}\n';
    const jsFns = locateFunctions(js, 'b.js');
    expect(stubFunctions(js, 'b.js', jsFns.map((f) => f.id), { style: 'return-undefined' }).code).toBe(
      'class B extends A {\n  constructor() { super(); }\n  set v(x) {}\n  one() { return undefined; }\n}\n',
    );
    const crlf = 'function g() {\r\n\treturn 1;\r\n}\r\n';
    const g = locateFunctions(crlf, 'g.js')[0]!;
    expect(stubFunctions(crlf, 'g.js', [g.id]).code).toBe('function g() {\r\n\tthrow new Error("Not implemented: g");\r\n}\r\n');
  });

  it('keeps decorators, JSDoc, overload signatures and types byte-identical', () => {
    const src = `/** Adds. */
export function add(a: number, b: number): number;
export function add(a: string, b: string): string;
export function add(a: any, b: any) { return a + b; }
class C {
  /** Runs. */
  @logged
  run<T extends object>(x: T): T { return x; }
}
`;
    const fns = locateFunctions(src, 'd.ts');
    const { code } = stubFunctions(src, 'd.ts', fns.map((f) => f.id));
    expect(code).toBe(
      src
        .replace('{ return a + b; }', '{ throw new Error("Not implemented: add"); }')
        .replace('{ return x; }', '{ throw new Error("Not implemented: C#run"); }'),
    );
  });

  it('reports ids it could not find, ignores other files, and the imports and locals left unused', () => {
    const src = `import { helper, type Opts } from './lib';
import def from './d';
import * as ns from './ns';
import { keep, Widget } from './k';
export function f(o: Opts) { return helper(o) + ns.x + <Widget />; }
export function g(): Map<string, number> { const d: typeof def = def; return keep(d); }
const local = () => 1;
function useLocal() { return local(); }
export { useLocal };
`;
    const fns = locateFunctions(src, 'u.tsx');
    const ids = fns.filter((f) => f.name === 'f' || f.name === 'useLocal').map((f) => f.id);
    const result = stubFunctions(src, 'u.tsx', [...ids, 'u.tsx:99:1:ghost', 'other.ts:1:1:x']);
    expect(result.notFound).toEqual(['u.tsx:99:1:ghost']);
    expect(result.otherFiles).toEqual(['other.ts:1:1:x']);
    expect(result.unusedImports.map((u) => `${u.local}<${u.imported}<${u.source}`).sort()).toEqual([
      'Widget<Widget<./k',
      'helper<helper<./lib',
      'ns<*<./ns',
    ]);
    expect(result.unusedLocals).toEqual(['local']);
    expect(() => stubFunctions(src, 'u.tsx', ['nonsense'])).toThrow(/not a function id/);
    expect(() => stubFunctions(src, 'u.tsx', [], { style: 'nope' as StubStyle })).toThrow(/unknown stub style/);
  });

  it('returns the source unchanged when nothing is stubbed', () => {
    const result = stubFunctions(SOURCE, FILE, []);
    expect(result.code).toBe(SOURCE);
    expect(result.stubbed).toEqual([]);
  });
});

describe('stubFunctions edge cases', () => {
  it('stubs any subset of the fixture: parses, byte-identical outside, every target accounted for', async () => {
    const fc = await import('fast-check');
    fc.assert(
      fc.property(fc.subarray(FNS), (subset) => {
        const result = stubFunctions(SOURCE, FILE, subset.map((f) => f.id));
        expect([...result.stubbed, ...result.stubbedByParent].sort()).toEqual(subset.map((f) => f.id).sort());
        expect(result.notFound).toEqual([]);
        const direct = subset.filter((f) => result.stubbed.includes(f.id));
        assertByteIdenticalOutside(SOURCE, result.code, direct);
        const again = locateFunctions(result.code, FILE);
        for (const f of direct) {
          const same = again.find((g) => g.line === f.line && g.name === f.name)!;
          expect(result.code.slice(same.bodyStart, same.bodyEnd)).toContain(`Not implemented: ${f.name}`);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('handles curried arrows, default-parameter arrows, private methods, tsx generics and super in a branch', () => {
    const src = `export const add = (a: number) => (b: number) => a + b;
export function call(cb = () => 1) { return cb(); }
export class K extends Base {
  #secret() { return 1; }
  constructor(flag: boolean) {
    if (flag) { super(1); } else { super(2); }
    this.x = 1;
  }
  reveal() { return this.#secret(); }
}
export const id = <T,>(x: T) => x satisfies T;
export const seq = () => (1, 2);
`;
    const fns = locateFunctions(src, 'e.tsx');
    const result = stubFunctions(src, 'e.tsx', fns.map((f) => f.id));
    expect(result.stubbedByParent).toEqual([fns.find((f) => f.name === 'add/<anonymous>')!.id]);
    expect(result.code).toBe(`export const add = (a: number) => { throw new Error("Not implemented: add"); };
export function call(cb = () => { throw new Error("Not implemented: call/cb"); }) { throw new Error("Not implemented: call"); }
export class K extends Base {
  #secret() { throw new Error("Not implemented: K##secret"); }
  constructor(flag: boolean) {
    throw new Error("Not implemented: K#constructor");
  }
  reveal() { throw new Error("Not implemented: K#reveal"); }
}
export const id = <T,>(x: T) => { throw new Error("Not implemented: id"); };
export const seq = () => { throw new Error("Not implemented: seq"); };
`);
    // Minified: no semicolon after super(...), so one is added before the stub.
    const min = 'class x extends y{constructor(e,t){super(e,t)}dispose(){}}';
    const minFns = locateFunctions(min, 'm.js');
    expect(stubFunctions(min, 'm.js', [minFns[0]!.id]).code).toBe(
      'class x extends y{constructor(e,t){super(e,t); throw new Error("Not implemented: x#constructor"); }dispose(){}}',
    );
    // A derived constructor without a top-level super(...) throws before touching `this`: our error, not a ReferenceError.
    const m = runModule(`class Base { constructor(public v: number) {} }\n${result.code}`, 'e.ts');
    expect(() => new m.K(true)).toThrow('Not implemented: K#constructor');
  });

  it('keeps a byte-order mark, a hashbang and astral characters in place (UTF-16 offsets agree)', () => {
    const cases: Array<[string, string]> = [
      ['\uFEFFexport function f() { return 1; }\n', '\uFEFFexport function f() { throw new Error("Not implemented: f"); }\n'],
      ['#!/usr/bin/env node\nfunction g() { return 1; }\n', '#!/usr/bin/env node\nfunction g() { throw new Error("Not implemented: g"); }\n'],
      [
        'const e = "😀é"; function h() { return "😀"; }\nconst k = () => "😀";\n',
        'const e = "😀é"; function h() { throw new Error("Not implemented: h"); }\nconst k = () => { throw new Error("Not implemented: k"); };\n',
      ],
    ];
    for (const [input, expected] of cases) {
      const ids = locateFunctions(input, 'x.js').map((f) => f.id);
      expect(stubFunctions(input, 'x.js', ids).code).toBe(expected);
    }
  });
});
