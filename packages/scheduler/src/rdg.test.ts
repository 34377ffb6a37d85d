import { describe, expect, it } from 'vitest';
import { ErrorCodes, SweFlowError, type TraceJson } from '@swe-flow/core';
import { buildRdg, classifyFiles, defaultIsTestHelperFile } from './index.js';
import { fn, makeTrace, mod } from './__fixtures__/make-trace.js';

const T = 'test/shapes.test.ts';
const t1 = fn(T, 'circle area', 5, 3);
const t2 = fn(T, 'square area', 9, 3);
const cb = fn(T, 'circle area/<anonymous>', 6, 20);
const helper = fn('test/helpers.ts', 'makeCircle', 1, 1);
const A = fn('src/shapes.ts', 'Circle#area', 12, 3);
const B = fn('src/shapes.ts', 'Circle#constructor', 4, 3);
const C = fn('src/math.ts', 'square', 1, 1);
const D = fn('src/math.ts', 'round', 5, 1);
const E = fn('src/registry.ts', 'register', 1, 1);
const F = fn('src/registry.ts', 'normalize', 9, 1);
const G = fn('src/registry.ts', 'defaults', 20, 1);
const H = fn('src/math.ts', 'mapper', 30, 1);

function shapesTrace(): TraceJson {
  return makeTrace({
    tests: [
      {
        file: T,
        name: 'circle area',
        edges: [
          ['<root>', t1],
          [t1, helper],
          [helper, B],
          [t1, A, 2],
          [A, C],
          [C, cb],
          [cb, D],
        ],
      },
      { file: T, name: 'square area', edges: [['<root>', t2], [t2, C], ['<root>', H]] },
      { file: 'test/other.test.ts', name: 'other', edges: [['<root>', fn('test/other.test.ts', 'other', 2, 1)], [fn('test/other.test.ts', 'other', 2, 1), D]] },
      { file: T, name: 'broken', status: 'failed', edges: [[t1, F]] },
    ],
    setup: {
      [T]: [
        [mod(T), E],
        [E, F],
        [mod('src/registry.ts'), G],
      ],
    },
  });
}

describe('buildRdg', () => {
  it('splits test and core nodes and separates target from dependent core', () => {
    const rdg = buildRdg(shapesTrace());
    expect(rdg.tests.map((t) => t.testId)).toEqual([
      'test/other.test.ts > other',
      `${T} > circle area`,
      `${T} > square area`,
    ]);
    const circle = rdg.tests.find((t) => t.testId === `${T} > circle area`)!;
    expect(circle.testNodes).toEqual([cb, t1, helper].sort());
    // B via the helper (a test helper is test code), A directly, D from the test's callback, E from setup.
    expect(circle.targetCore).toEqual([A, B, D, E].sort());
    // C through A; F through E in setup; G ran while src/registry.ts loaded (not called by test code).
    expect(circle.dependentCore).toEqual([C, F, G].sort());
    expect(circle.coreNodes).toEqual([A, B, C, D, E, F, G].sort());
    // Pseudo nodes (<root>, module nodes) never appear among the edges.
    expect(circle.edges.flat().some((id) => id === '<root>' || id.endsWith('<module>'))).toBe(false);
    expect(circle.edges).toContainEqual([C, cb]);
    expect(circle.edges).toContainEqual([E, F]);

    const square = rdg.tests.find((t) => t.testId === `${T} > square area`)!;
    // H was called with nothing instrumented on the stack (<root>): a target.
    expect(square.targetCore).toEqual([C, E, H].sort());
    expect(square.dependentCore).toEqual([F, G].sort());

    const other = rdg.tests.find((t) => t.testId === 'test/other.test.ts > other')!;
    // Setup edges belong to their own file only.
    expect(other.coreNodes).toEqual([D]);
    expect(other.targetCore).toEqual([D]);
  });

  it('leaves out tests that did not pass unless asked', () => {
    expect(buildRdg(shapesTrace()).tests.some((t) => t.testId.endsWith('broken'))).toBe(false);
    const all = buildRdg(shapesTrace(), { statuses: ['passed', 'failed'] });
    const broken = all.tests.find((t) => t.testId.endsWith('broken'))!;
    expect(broken.targetCore).toEqual([E, F].sort());
  });

  it('merges the per-test graphs, counting setup edges once per file', () => {
    const rdg = buildRdg(shapesTrace());
    const edge = (a: string, b: string) => rdg.merged.edges.find((e) => e[0] === a && e[1] === b);
    expect(edge(t1, A)).toEqual([t1, A, 2]);
    expect(edge(E, F)).toEqual([E, F, 1]);
    expect(edge(C, cb)).toEqual([C, cb, 1]);
    expect(rdg.merged.nodes.find((n) => n.id === helper)?.role).toBe('test');
    expect(rdg.merged.nodes.find((n) => n.id === H)?.role).toBe('core');
    expect(rdg.merged.nodes.some((n) => n.id === '<root>' || n.id.endsWith('<module>'))).toBe(false);
    const ids = rdg.merged.nodes.map((n) => n.id);
    expect(ids).toEqual([...ids].sort());
  });

  it('sums merged counts for a caller with hundreds of callees, sorted by callee', () => {
    const hub = fn('src/hub.ts', 'dispatch');
    const handler = (i: number) => fn('src/handlers.ts', `h${String(i).padStart(3, '0')}`, i + 1, 1);
    const tests = [0, 1, 2].map((k) => ({
      file: T,
      name: `t${k}`,
      // 300 callees in a scrambled order; every test repeats them with count k + 1.
      edges: [[t1, hub] as [string, string], ...Array.from({ length: 300 }, (_, i) => [hub, handler((i * 7 + k * 13) % 300), k + 1] as [string, string, number])],
    }));
    const rdg = buildRdg(makeTrace({ tests }));
    const fromHub = rdg.merged.edges.filter((e) => e[0] === hub);
    expect(fromHub).toHaveLength(300);
    expect(fromHub.map((e) => e[1])).toEqual(Array.from({ length: 300 }, (_, i) => handler(i)).sort());
    expect(fromHub.every((e) => e[2] === 1 + 2 + 3)).toBe(true);
  });

  it('lets the runner decide test files before any path rule', () => {
    // `src/spec-runner.ts` is not test-like by path, but the runner ran tests from it.
    const file = 'src/spec-runner.ts';
    const trace = makeTrace({
      tests: [{ file, name: 't', edges: [[fn(file, 't'), C]] }],
      testFiles: [file],
    });
    expect(classifyFiles(trace).get(file)).toEqual({ role: 'test', rule: 'runner-test-file' });
    expect(buildRdg(trace).tests[0]!.targetCore).toEqual([C]);
  });

  it('uses isTestHelperFile when it answers and falls back to the path rule otherwise', () => {
    const kit = fn('src/testkit.ts', 'fixture');
    const trace = makeTrace({ tests: [{ file: T, name: 't', edges: [[t1, kit], [kit, A], [t1, helper], [helper, B]] }] });
    // By default test/helpers.ts is a helper (path rule) and src/testkit.ts is source.
    expect(buildRdg(trace).tests[0]!.targetCore).toEqual([B, kit].sort());
    const rdg = buildRdg(trace, { isTestHelperFile: (f) => (f === 'src/testkit.ts' ? true : undefined) });
    expect(rdg.tests[0]!.targetCore).toEqual([A, B].sort());
    expect(rdg.tests[0]!.testNodes).toContain(kit);
    // Answering false overrides the path rule: test/helpers.ts becomes core.
    const none = buildRdg(trace, { isTestHelperFile: () => false });
    expect(none.tests[0]!.targetCore).toEqual([helper, kit].sort());
  });

  it('with sourceRoots, treats files outside the source tree that only test code calls as helpers', () => {
    const support = fn('scripts/support.ts', 'setupWorld');
    const deeper = fn('scripts/world.ts', 'build');
    const libUtil = fn('lib/util.ts', 'util');
    const trace = makeTrace({
      tests: [
        { file: T, name: 't', edges: [[t1, support], [support, deeper], [deeper, A], [A, libUtil]] },
      ],
    });
    const files = classifyFiles(trace, { sourceRoots: ['src'] });
    expect(files.get('scripts/support.ts')).toEqual({ role: 'helper', rule: 'helper-test-callers-only' });
    // Called only from a helper: a helper by the fixpoint.
    expect(files.get('scripts/world.ts')?.role).toBe('helper');
    // Called from source code: stays core even though it is outside `src`.
    expect(files.get('lib/util.ts')).toEqual({ role: 'core', rule: 'source' });
    expect(buildRdg(trace, { sourceRoots: ['src'] }).tests[0]!.targetCore).toEqual([A]);
    expect(buildRdg(trace).tests[0]!.targetCore).toEqual([support]);
  });

  it('recognises common test helper paths', () => {
    for (const f of ['test/utils.ts', 'src/__tests__/x.ts', 'packages/a/__mocks__/fs.js', 'src/foo.spec.ts', 'vitest.setup.ts', 'src/test-utils.ts']) {
      expect(defaultIsTestHelperFile(f), f).toBe(true);
    }
    for (const f of ['src/index.ts', 'src/testimony.ts', 'lib/contest.js', 'src/attestation/x.ts']) {
      expect(defaultIsTestHelperFile(f), f).toBe(false);
    }
  });

  it('rejects a trace of another schema version and duplicate test ids', () => {
    const old = { ...shapesTrace(), schemaVersion: 0 } as unknown as TraceJson;
    expect(() => buildRdg(old)).toThrowError(expect.objectContaining({ code: ErrorCodes.SCHEMA_INVALID }) as SweFlowError);
    const dup = shapesTrace();
    dup.tests.push({ ...dup.tests[0]! });
    expect(() => buildRdg(dup)).toThrowError(expect.objectContaining({ code: ErrorCodes.INPUT_INVALID }) as SweFlowError);
  });
});
