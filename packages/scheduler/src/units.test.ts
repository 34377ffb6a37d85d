import { describe, expect, it } from 'vitest';
import type { FunctionManifestEntry, TraceJson } from '@swe-flow/core';
import { locateFunctions } from '@swe-flow/skeleton';
import { buildRdg, buildSchedule } from './index.js';
import { changedByUnit, functionUnits, stubTargetsOf, traceOnUnits } from './units.js';
import { makeTrace } from './__fixtures__/make-trace.js';

/** The manifest the tracer writes for one file, located by the same locator. */
function manifestOf(code: string, file = 'src/m.ts'): TraceJson['functions'] {
  const entries: FunctionManifestEntry[] = locateFunctions(code, file).map(({ id, name, kind, line, column, endLine, async, generator, static: isStatic }) => ({
    id, name, kind, line, column, endLine, async, generator, static: isStatic,
  }));
  return { [file]: entries };
}

/** name → name of its unit, `(anonymous)` for a unit without a stable name. */
function unitNames(code: string): Record<string, string> {
  const functions = manifestOf(code);
  const units = functionUnits(functions);
  const byId = new Map(functions['src/m.ts']!.map((f) => [f.id, f.name]));
  const out: Record<string, string> = {};
  for (const f of functions['src/m.ts']!) {
    const unit = units.unitOf.get(f.id) ?? f.id;
    out[f.name] = units.anonymous.has(unit) ? '(anonymous)' : byId.get(unit)!;
  }
  return out;
}

describe('functionUnits: every function belongs to the named unit a developer would write', () => {
  it.each([
    {
      what: 'callbacks and arrows inside a function',
      code: 'export function any(xs) {\n  return xs.map((x) => x + 1).filter(function (y) { return y > 0; });\n}\n',
      units: { any: 'any', 'any/<anonymous>': 'any' },
    },
    {
      what: 'a named helper nested in a named function',
      code: 'function outer(a) {\n  function inner(b) {\n    return b * 2;\n  }\n  const twice = (c) => inner(inner(c));\n  return twice(a);\n}\n',
      units: { outer: 'outer', 'outer/inner': 'outer', 'outer/twice': 'outer' },
    },
    {
      what: 'class fields holding arrows and methods with callbacks',
      code: 'class Struct {\n  validator = (v) => typeof v === "string";\n  static of = (x) => new Struct(x);\n  constructor(x) {\n    this.check = () => this.validator(x);\n  }\n  map(fn) {\n    return [1].map((v) => fn(v));\n  }\n}\n',
      units: {
        'Struct#validator': 'Struct#validator',
        'Struct.of': 'Struct.of',
        'Struct#constructor': 'Struct#constructor',
        'Struct#constructor/this.check': 'Struct#constructor',
        'Struct#map': 'Struct#map',
        'Struct#map/<anonymous>': 'Struct#map',
      },
    },
    {
      what: 'object-literal methods of a named object, and of an argument object',
      code: 'export const api = {\n  run(x) { return [x].map((v) => v); },\n  stop: () => 1,\n  nested: { deep() { return 2; } },\n};\nregister({\n  setup() { return 3; },\n});\n',
      units: {
        'api.run': 'api.run',
        'api.run/<anonymous>': 'api.run',
        'api.stop': 'api.stop',
        'nested.deep': 'nested.deep',
        '<object>.setup': '(anonymous)',
      },
    },
    {
      what: 'functions inside an IIFE (UMD wrapper) keep their own names',
      code: '(function () {\n  function parse(s) {\n    return s.split(",").map(function (p) { return p.trim(); });\n  }\n  window.parse = parse;\n})();\n',
      units: { '<anonymous>': '(anonymous)', '<anonymous>/parse': '<anonymous>/parse', '<anonymous>/parse/<anonymous>': '<anonymous>/parse' },
    },
    {
      what: 'a factory returning an object of callbacks',
      code: 'export function string() {\n  return {\n    validate: (v) => typeof v === "string",\n    coerce(v) { return String(v); },\n  };\n}\n',
      units: { string: 'string', 'string/<object>.validate': 'string', 'string/<object>.coerce': 'string' },
    },
    {
      what: 'module-level callbacks and computed keys have no stable name',
      code: 'app.get("/", (req, res) => res.send("ok"));\nconst table = { [key]: () => 1 };\nexport default () => 2;\n',
      units: { '<anonymous>': '(anonymous)', 'table.[computed]': '(anonymous)', default: 'default' },
    },
  ])('$what', ({ code, units }) => {
    expect(unitNames(code)).toEqual(units);
  });
});

describe('the RDG and the schedule on units', () => {
  const code =
    'export function any() {\n  return {\n    check: (v) => v != null,\n    describe: () => "any",\n  };\n}\nexport function use(x) {\n  return [x].map((v) => v * 2);\n}\n(function () {\n  globalThis.ready = true;\n})();\nexport const onEvent = null;\nbus.on("x", () => 1);\n';
  const functions = manifestOf(code);
  const ids = Object.fromEntries(functions['src/m.ts']!.map((f) => [`${f.name}@${f.line}`, f.id]));
  const anyId = ids['any@1']!;
  const check = ids['any/<object>.check@3']!;
  const useId = ids['use@7']!;
  const useCb = ids['use/<anonymous>@8']!;
  const iife = ids['<anonymous>@10']!;
  const busCb = ids['<anonymous>@14']!;
  const trace: TraceJson = {
    ...makeTrace({
      tests: [
        { file: 'test/m.test.ts', name: 'checks', edges: [['test/m.test.ts:2:1:<anonymous>', check]] },
        { file: 'test/m.test.ts', name: 'uses', edges: [['test/m.test.ts:3:1:<anonymous>', useId], [useId, useCb, 3]] },
        { file: 'test/m.test.ts', name: 'emits', edges: [['test/m.test.ts:4:1:<anonymous>', busCb]] },
      ],
      setup: { 'test/m.test.ts': [['test/m.test.ts:0:0:<module>', anyId], ['src/m.ts:0:0:<module>', iife]] },
      moduleLoadFunctions: [anyId, iife],
    }),
    functions,
  };

  it('maps callbacks onto their unit and drops edges inside a unit', () => {
    const mapped = traceOnUnits(trace, functionUnits(functions));
    expect(mapped.tests.map((t) => t.edges)).toEqual([
      [['test/m.test.ts:2:1:<anonymous>', anyId, 1]],
      [['test/m.test.ts:3:1:<anonymous>', useId, 1]],
      [['test/m.test.ts:4:1:<anonymous>', busCb, 1]],
    ]);
    // `any` ran at load but its callback ran in a test: it is a unit to develop, not a frozen one.
    expect(mapped.moduleLoadFunctions).toEqual([iife]);
  });

  it('develops named units only; a factory that ran at load keeps its outer body and stubs its callbacks', () => {
    const rdg = buildRdg(trace);
    expect(rdg.merged.nodes.filter((n) => n.role === 'core').map((n) => n.id)).toEqual([busCb, iife, anyId, useId].sort());
    expect(rdg.units?.anonymous.sort()).toEqual([busCb, iife].sort());
    const schedule = buildSchedule(rdg, { frozen: trace.moduleLoadFunctions });
    expect(schedule.steps.map((s) => s.nodesToDevelop)).toEqual([[anyId], [useId]]);
    expect(schedule.skipped.map((s) => s.reason)).toEqual(['only-anonymous-functions']);
    const units = functionUnits(functions);
    const load = new Set(trace.moduleLoadFunctions);
    expect(stubTargetsOf(anyId, units, load)).toEqual([ids['any/<object>.check@3'], ids['any/<object>.describe@4']].sort());
    expect(stubTargetsOf(useId, units, load)).toEqual([useId]);
    expect(changedByUnit(useId, units, load).sort()).toEqual([useId, useCb].sort());
  });

  it('without units the callbacks are nodes of their own (the previous behaviour)', () => {
    const rdg = buildRdg(trace, { units: false });
    expect(rdg.units).toBeUndefined();
    const schedule = buildSchedule(rdg, { frozen: trace.moduleLoadFunctions });
    expect(schedule.steps.flatMap((s) => s.nodesToDevelop)).toContain(check);
  });
});
