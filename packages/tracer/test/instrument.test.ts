import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { transformSync } from '@babel/core';
import { locateFunctions, parseSource } from '@swe-flow/skeleton';
import { describe, expect, it } from 'vitest';
import { instrumentSource } from '../src/index.js';
import { runInstrumented, shortEdges, testEdges } from './helpers/run-instrumented.js';

const exec = promisify(execFile);

describe('instrumentSource: ids and output', () => {
  const code = `import type { X } from './x';
export class Shape { constructor(public n: number) {} area(): number { return this.n; } }
export class Circle extends Shape {
  scaled = (f: number): Circle => new Circle(this.n * f);
  static unit(): Circle { return new Circle(1); }
  get r(): number { return this.n; }
  set r(v: number) { this.n = v; }
}
export const obj = { run<T>(x: T): T { return x; } };
export async function* stream(): AsyncGenerator<number> { yield 1; }
function overload(a: string): string;
function overload(a: any): any { return a; }
`;
  const root = '/repo';
  const out = instrumentSource(code, '/repo/src/shapes.ts', { root });

  it('uses exactly the ids of the shared locator, computed on the original source', () => {
    expect(out).not.toBeNull();
    const located = locateFunctions(code, 'src/shapes.ts');
    expect(out!.functions.map((f) => f.id)).toEqual(located.map((f) => f.id));
    expect(out!.functions.map((f) => f.name)).toEqual([
      'Shape#constructor',
      'Shape#area',
      'Circle#scaled',
      'Circle.unit',
      'Circle#get:r',
      'Circle#set:r',
      'obj.run',
      'stream',
      'overload',
    ]);
    expect(out!.file).toBe('src/shapes.ts');
  });

  it('keeps TypeScript syntax and still parses as TypeScript', () => {
    expect(out!.code).toContain('public n: number');
    expect(out!.code).toContain('AsyncGenerator<number>');
    expect(out!.code).toContain('import type { X }');
    expect(() => parseSource(out!.code, 'src/shapes.ts')).not.toThrow();
    // every function (but the overload signature) got its enter call
    expect(out!.code.match(/__SWEFLOW__\.e\(/g)).toHaveLength(9);
  });

  it('emits a source map that names the original file', () => {
    expect(out!.map?.sources).toEqual(['/repo/src/shapes.ts']);
    expect(out!.map?.mappings.length).toBeGreaterThan(10);
  });

  it('leaves out what is not the repository\'s own source', () => {
    expect(instrumentSource('function a(){}', '/repo/node_modules/x/index.js', { root })).toBeNull();
    expect(instrumentSource('function a(){}', '/repo/dist/index.js', { root })).toBeNull();
    expect(instrumentSource('function a(){}', '/repo/coverage/x.js', { root })).toBeNull();
    expect(instrumentSource('function a(){}', '/elsewhere/a.js', { root })).toBeNull();
    expect(instrumentSource('export default {}', '/repo/vitest.config.ts', { root })).toBeNull();
    expect(instrumentSource('declare function a(): void', '/repo/src/a.d.ts', { root })).toBeNull();
    expect(instrumentSource('function a(){}', '/repo/lib/a.js', { root, exclude: (f) => f.startsWith('lib/') })).toBeNull();
    expect(instrumentSource('function a(){}', '/repo/lib/a.js', { root })).not.toBeNull();
  });
});

describe('instrumented code, run for real in a child node process', () => {
  it('charges calls after awaits correctly when async calls interleave under Promise.all', async () => {
    const { snapshot } = await runInstrumented(
      {
        'src/a.mjs': `
const tick = () => new Promise((resolve) => setTimeout(resolve, 2));
function leafA() { return 'a'; }
function leafB() { return 'b'; }
function after() { return 1; }
export async function fetchA() { await tick(); leafA(); await tick(); return leafA(); }
export async function fetchB() { await tick(); await tick(); return leafB(); }
export async function both() { const r = await Promise.all([fetchA(), fetchB(), fetchA()]); after(); return r; }
`,
        'test/a.test.mjs': `import { both } from '../src/a.mjs';
export async function t1() { const r = await both(); return r.join(''); }
`,
      },
      `const t = await load('test/a.test.mjs');
rec.beginFile('test/a.test.mjs');
rec.beginTest('t1'); const r = await t.t1(); rec.endTest('t1');
console.log(r);`,
    );
    const e = testEdges(snapshot, 't1');
    expect(Object.fromEntries(e)).toEqual({
      '<root> -> test/a.test.mjs:t1': 1,
      'test/a.test.mjs:t1 -> src/a.mjs:both': 1,
      'src/a.mjs:both -> src/a.mjs:fetchA': 2,
      'src/a.mjs:both -> src/a.mjs:fetchB': 1,
      'src/a.mjs:fetchA -> src/a.mjs:tick': 4,
      'src/a.mjs:fetchB -> src/a.mjs:tick': 2,
      'src/a.mjs:tick -> src/a.mjs:tick/<anonymous>': 6,
      'src/a.mjs:fetchA -> src/a.mjs:leafA': 4,
      'src/a.mjs:fetchB -> src/a.mjs:leafB': 1,
      'src/a.mjs:both -> src/a.mjs:after': 1,
    });
  });

  it('charges generator bodies to the generator, and the loop body to the consumer', async () => {
    const { snapshot } = await runInstrumented(
      {
        'src/g.js': `
function a() { return 1; } function b() {} function c() { return 2; } function d(x) { return x; }
export function* gen() { yield a(); b(); yield c(); }
export function consume() { let s = 0; for (const x of gen()) s += d(x); return s; }
export async function* agen() { await null; yield a(); b(); }
export async function aconsume() { const out = []; for await (const x of agen()) out.push(d(x)); c(); return out; }
`,
      },
      `const g = await load('src/g.js');
rec.beginTest('sync'); g.consume(); rec.endTest('sync');
rec.beginTest('async'); await g.aconsume(); rec.endTest('async');`,
    );
    expect(Object.fromEntries(testEdges(snapshot, 'sync'))).toEqual({
      '<root> -> src/g.js:consume': 1,
      'src/g.js:consume -> src/g.js:gen': 1,
      'src/g.js:gen -> src/g.js:a': 1,
      'src/g.js:gen -> src/g.js:b': 1,
      'src/g.js:gen -> src/g.js:c': 1,
      'src/g.js:consume -> src/g.js:d': 2,
    });
    expect(Object.fromEntries(testEdges(snapshot, 'async'))).toEqual({
      '<root> -> src/g.js:aconsume': 1,
      'src/g.js:aconsume -> src/g.js:agen': 1,
      'src/g.js:agen -> src/g.js:a': 1,
      'src/g.js:agen -> src/g.js:b': 1,
      'src/g.js:aconsume -> src/g.js:d': 1,
      'src/g.js:aconsume -> src/g.js:c': 1,
    });
  });

  it('suspends at the implicit awaits of for-await loops, so the event loop is not charged to the loop', async () => {
    const { snapshot } = await runInstrumented(
      {
        'src/fa.mjs': `
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function id(x) { return x; } function after() {} export function fromTimer() { return 1; }
export async function* ticks() { for (let i = 0; i < 3; i++) { await sleep(6); yield id(i); } }
export async function consume() { let s = 0; outer: for await (const x of ticks()) { s += id(x); if (x > 5) break outer; } after(); return s; }
`,
      },
      `const m = await load('src/fa.mjs');
rec.beginTest('t'); setTimeout(() => m.fromTimer(), 9); const s = await m.consume(); rec.endTest('t'); console.log(s);`,
    );
    expect(Object.fromEntries(testEdges(snapshot, 't'))).toEqual({
      '<root> -> src/fa.mjs:consume': 1,
      '<root> -> src/fa.mjs:fromTimer': 1,
      'src/fa.mjs:consume -> src/fa.mjs:ticks': 1,
      'src/fa.mjs:ticks -> src/fa.mjs:sleep': 3,
      'src/fa.mjs:sleep -> src/fa.mjs:sleep/<anonymous>': 3,
      'src/fa.mjs:ticks -> src/fa.mjs:id': 3,
      'src/fa.mjs:consume -> src/fa.mjs:id': 3,
      'src/fa.mjs:consume -> src/fa.mjs:after': 1,
    });
  });

  it('keeps derived constructors working and charges super(), fields and the body to the constructor', async () => {
    const { snapshot, stdout } = await runInstrumented(
      {
        'src/c.js': `
function baseInit() { return 1; } function pre(x) { return x; } function init() { return 'f'; } function post() {}
export class Base { constructor(v) { this.v = v; baseInit(); } }
export class Child extends Base {
  field = init();
  arrow = () => post();
  #secret = 7;
  constructor(x) { const y = pre(x); super(y); post(); }
  get secret() { return this.#secret; }
  set secret(v) { this.#secret = v; }
  static make() { return new Child(2); }
}
export const api = { run() { return Child.make(); }, get name() { return 'api'; } };
`,
      },
      `const m = await load('src/c.js');
rec.beginTest('t');
const c = m.api.run(); c.arrow(); c.secret = 9; console.log(JSON.stringify([c.v, c.field, c.secret, m.api.name, c instanceof m.Base]));
rec.endTest('t');`,
    );
    expect(JSON.parse(stdout.trim())).toEqual([2, 'f', 9, 'api', true]);
    expect(Object.fromEntries(testEdges(snapshot, 't'))).toEqual({
      '<root> -> src/c.js:api.run': 1,
      'src/c.js:api.run -> src/c.js:Child.make': 1,
      'src/c.js:Child.make -> src/c.js:Child#constructor': 1,
      'src/c.js:Child#constructor -> src/c.js:pre': 1,
      'src/c.js:Child#constructor -> src/c.js:Base#constructor': 1,
      'src/c.js:Base#constructor -> src/c.js:baseInit': 1,
      'src/c.js:Child#constructor -> src/c.js:init': 1,
      'src/c.js:Child#constructor -> src/c.js:post': 1,
      '<root> -> src/c.js:Child#arrow': 1,
      'src/c.js:Child#arrow -> src/c.js:post': 1,
      '<root> -> src/c.js:Child#set:secret': 1,
      '<root> -> src/c.js:Child#get:secret': 1,
      '<root> -> src/c.js:api.get:name': 1,
    });
  });

  it('charges callbacks to the function that calls them, and restores after exceptions', async () => {
    const { snapshot } = await runInstrumented(
      {
        'src/cb.js': `
export function mapAll(xs, fn) { return xs.map(fn); }
export function core(x) { return x * 2; }
export function boom() { throw new Error('boom'); }
export async function rejects() { await null; throw new Error('later'); }
export function after() {}
export async function recover() { try { await rejects(); } catch { after(); } finally { after(); } }
`,
        'test/cb.test.js': `import { mapAll, core, boom, after, recover } from '../src/cb.js';
export function t() { mapAll([1, 2], (x) => core(x)); try { boom(); } catch { after(); } }
export async function u() { await recover(); after(); }
`,
      },
      `const t = await load('test/cb.test.js');
rec.beginTest('t'); t.t(); rec.endTest('t');
rec.beginTest('u'); await t.u(); rec.endTest('u');`,
    );
    expect(Object.fromEntries(testEdges(snapshot, 't'))).toEqual({
      '<root> -> test/cb.test.js:t': 1,
      'test/cb.test.js:t -> src/cb.js:mapAll': 1,
      'src/cb.js:mapAll -> test/cb.test.js:t/<anonymous>': 2,
      'test/cb.test.js:t/<anonymous> -> src/cb.js:core': 2,
      'test/cb.test.js:t -> src/cb.js:boom': 1,
      'test/cb.test.js:t -> src/cb.js:after': 1,
    });
    expect(Object.fromEntries(testEdges(snapshot, 'u'))).toEqual({
      '<root> -> test/cb.test.js:u': 1,
      'test/cb.test.js:u -> src/cb.js:recover': 1,
      'src/cb.js:recover -> src/cb.js:rejects': 1,
      'src/cb.js:recover -> src/cb.js:after': 2,
      'test/cb.test.js:u -> src/cb.js:after': 1,
    });
  });

  it('charges late timers and unawaited promises to the test that started them', async () => {
    const { snapshot } = await runInstrumented(
      {
        'src/late.js': `
export function late() { return 1; }
export function other() { return 2; }
export function schedule() { setTimeout(() => late(), 5); Promise.resolve().then(() => new Promise((r) => setTimeout(r, 8))).then(() => late()); }
`,
      },
      `const m = await load('src/late.js');
rec.beginTest('first'); m.schedule(); rec.endTest('first');
rec.beginTest('second'); await sleep(30); m.other(); rec.endTest('second');
await sleep(5);`,
    );
    expect(Object.fromEntries(testEdges(snapshot, 'first'))).toEqual({
      '<root> -> src/late.js:schedule': 1,
      '<root> -> src/late.js:schedule/<anonymous>': 3,
      'src/late.js:schedule/<anonymous> -> src/late.js:late': 2,
      'src/late.js:schedule/<anonymous> -> src/late.js:schedule/<anonymous>/<anonymous>': 1,
    });
    expect(Object.fromEntries(testEdges(snapshot, 'second'))).toEqual({ '<root> -> src/late.js:other': 1 });
  });

  it('runs module top level as the module node and records module-load functions (ESM and CJS)', async () => {
    const { snapshot } = await runInstrumented(
      {
        'src/config.cjs': `function buildDefaults() { return helper(); }
function helper() { return { p: 2 }; }
function lazy() { return 3; }
module.exports = { DEFAULTS: buildDefaults(), lazy };`,
        'src/m.mjs': `import { createRequire } from 'node:module';
const cfg = createRequire(import.meta.url)('./config.cjs');
export function useIt() { return cfg.lazy(); }
export const X = cfg.DEFAULTS.p;`,
      },
      `rec.beginFile('test/x.test.js');
const m = await load('src/m.mjs');
rec.beginTest('t'); m.useIt(); rec.endTest('t');`,
    );
    expect(snapshot.moduleLoadFunctions.sort()).toEqual(['src/config.cjs:1:1:buildDefaults', 'src/config.cjs:2:1:helper']);
    const setup = snapshot.files.find((f) => f.file === 'test/x.test.js');
    expect(Object.fromEntries(shortEdges(setup!.edges))).toEqual({
      'src/config.cjs:<module> -> src/config.cjs:buildDefaults': 1,
      'src/config.cjs:buildDefaults -> src/config.cjs:helper': 1,
    });
    expect(Object.fromEntries(testEdges(snapshot, 't'))).toEqual({
      '<root> -> src/m.mjs:useIt': 1,
      'src/m.mjs:useIt -> src/config.cjs:lazy': 1,
    });
  });
});

describe('a test file’s own top-level calls', () => {
  it('count with that file’s tests (its setup edges), not as module load; its imports’ load-time calls still do', async () => {
    const { snapshot } = await runInstrumented(
      {
        'src/semver.cjs': `function parse(v) { return v.split('.').map(Number); }
function compare(a, b) { return parse(a)[0] - parse(b)[0]; }
const ZERO = parse('0.0.0');
module.exports = { compare, ZERO };`,
        'test/semver.test.cjs': `const { compare } = require('../src/semver.cjs');
const cases = [['2.0.0', '1.0.0']].filter(([a, b]) => compare(a, b) > 0);
module.exports = { cases };`,
      },
      `rec.beginFile('test/semver.test.cjs');
await load('test/semver.test.cjs');`,
    );
    // parse ran while src/semver.cjs loaded: module load, as before. compare ran in the test file's body.
    expect(snapshot.moduleLoadFunctions.map((id) => id.replace(/:\d+:\d+:/, ':'))).toEqual(['src/semver.cjs:parse']);
    const setup = snapshot.files.find((f) => f.file === 'test/semver.test.cjs');
    expect(shortEdges(setup!.edges).get('test/semver.test.cjs:<anonymous> -> src/semver.cjs:compare')).toBe(1);
  });
});

describe('modules that shadow globals the recorder could use', () => {
  it('records a module that declares its own `var globalThis` (hoisted, still undefined when the module starts)', async () => {
    const { snapshot } = await runInstrumented(
      {
        // object-inspect's test/global.js: `var globalThis = require('globalthis')();`
        'src/shadow.cjs': `'use strict';
var helper = require('./helper.cjs');
var globalThis = helper.getGlobal();
function describeGlobal() { return typeof globalThis; }
module.exports = { describeGlobal };`,
        'src/helper.cjs': `function getGlobal() { return {}; }
module.exports = { getGlobal };`,
      },
      `const m = (await load('src/shadow.cjs')).default;
rec.beginTest('t'); m.describeGlobal(); rec.endTest('t');`,
    );
    expect(snapshot.moduleLoadFunctions).toEqual(['src/helper.cjs:1:1:getGlobal']);
    expect(Object.fromEntries(testEdges(snapshot, 't'))).toEqual({ '<root> -> src/shadow.cjs:describeGlobal': 1 });
  });
});

describe('top-level await', () => {
  it('keeps loading functions flagged across a top-level await, and nothing after the module loaded', async () => {
    const { snapshot } = await runInstrumented(
      {
        'src/tla.mjs': `async function loadCfg() { await new Promise((r) => setTimeout(r, 5)); return 1; }
function init(x) { return x + 1; }
function later() { return 2; }
export const value = init(await loadCfg());
export { later };`,
      },
      `rec.beginFile('test/t.test.js');
const m = await load('src/tla.mjs');
rec.beginTest('t'); m.later(); rec.endTest('t');`,
    );
    expect(snapshot.moduleLoadFunctions.map((id) => id.replace(/:\d+:\d+:/, ':')).sort()).toEqual(['src/tla.mjs:init', 'src/tla.mjs:loadCfg', 'src/tla.mjs:loadCfg/<anonymous>']);
    const setup = snapshot.files.find((f) => f.file === 'test/t.test.js');
    expect(Object.fromEntries(shortEdges(setup!.edges))).toEqual({
      'src/tla.mjs:<module> -> src/tla.mjs:loadCfg': 1,
      'src/tla.mjs:<module> -> src/tla.mjs:init': 1,
      'src/tla.mjs:loadCfg -> src/tla.mjs:loadCfg/<anonymous>': 1,
    });
    expect(Object.fromEntries(testEdges(snapshot, 't'))).toEqual({ '<root> -> src/tla.mjs:later': 1 });
  });
});

describe('source maps', () => {
  it('map stack traces of instrumented code back to the original lines, composing an input map', async () => {
    const original = `export function a() {\n  return b();\n}\n\nfunction b() {\n  // line 6\n  throw new Error('at line 7');\n}\n`;
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sweflow-map-'));
    // A generated intermediate (everything on one line) with its own map back to original.mjs.
    const generated = transformSync(original, { configFile: false, babelrc: false, compact: true, comments: false, sourceMaps: true, filename: path.join(dir, 'original.mjs') })!;
    expect(generated.code!.split('\n')).toHaveLength(1);
    const out = instrumentSource(generated.code!, path.join(dir, 'gen.mjs'), { root: dir, inputSourceMap: generated.map! });
    expect(out).not.toBeNull();
    const inline = Buffer.from(JSON.stringify(out!.map)).toString('base64');
    await writeFile(path.join(dir, 'gen.mjs'), `${out!.code}\n//# sourceMappingURL=data:application/json;base64,${inline}\n`);
    await writeFile(path.join(dir, 'main.mjs'), `import { a } from './gen.mjs';\ntry { a(); } catch (e) { console.log(e.stack); }\n`);
    const { stdout } = await exec(process.execPath, ['--enable-source-maps', path.join(dir, 'main.mjs')]);
    expect(stdout).toMatch(/original\.mjs:7:\d+/);
    expect(stdout).toMatch(/original\.mjs:2:\d+/);
  });
});

describe('code another require hook compiled first (mocha -r @babel/register)', () => {
  it('records its functions under the ids of the file on disk, not at the compiled positions', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'swf-hooked-'));
    const original = `/**
 * Better way to handle type checking
 */
export default function typeOf(input) {
  const raw = Object.prototype.toString.call(input).toLowerCase();
  return /\\[object (.*)]/.exec(raw)[1];
}
export const isString = (v) => typeOf(v) === 'string';
`;
    const absFile = path.join(root, 'src', 'lib', 'typeOf.js');
    await exec('mkdir', ['-p', path.dirname(absFile)]);
    await writeFile(absFile, original);
    // What @babel/register hands to Module#_compile: helpers above the code, an inline map back to the file.
    const helpers = () => ({
      visitor: {
        Program(p: { unshiftContainer(key: string, nodes: unknown): void }) {
          p.unshiftContainer('body', parseSource('"use strict";\nfunction _interop(e) {\n  return e && e.__esModule ? e : { default: e };\n}\nvar _x = _interop({});\n', 'h.js').program.body);
        },
      },
    });
    const compiled = transformSync(original, { filename: absFile, babelrc: false, configFile: false, plugins: [helpers], sourceMaps: 'inline' })!.code!;
    expect(compiled).toContain('sourceMappingURL=data:');
    const out = instrumentSource(compiled, absFile, { root });
    const onDisk = locateFunctions(original, 'src/lib/typeOf.js');
    expect(out!.functions.map((f) => f.id)).toEqual(onDisk.map((f) => f.id));
    // The recorder is told the disk ids; the helper babel added is not recorded as a function of the file.
    for (const f of onDisk) expect(out!.code).toContain(JSON.stringify(f.id));
    expect(out!.code).not.toMatch(/typeOf\.js:\d+:\d+:_interop/);
  });
});
