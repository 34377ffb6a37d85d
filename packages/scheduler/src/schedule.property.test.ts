import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Edge, RdgJson, ScheduleJson, ScheduleOptions, TraceJson } from '@swe-flow/core';
import { buildRdg, buildSchedule, compareOrders } from './index.js';
import { fn, makeTrace, mod } from './__fixtures__/make-trace.js';

/** A random trace: core functions spread over source files, tests over test files, random calls. */
const traceArb = fc
  .record({
    coreCount: fc.integer({ min: 1, max: 14 }),
    testFileCount: fc.integer({ min: 1, max: 3 }),
    tests: fc.array(
      fc.record({
        file: fc.nat(2),
        calls: fc.uniqueArray(fc.nat(13), { maxLength: 4 }),
        deps: fc.array(fc.tuple(fc.nat(13), fc.nat(13)), { maxLength: 8 }),
        loads: fc.array(fc.tuple(fc.nat(13), fc.nat(2)), { maxLength: 2 }),
        status: fc.constantFrom('passed', 'passed', 'passed', 'failed'),
      }),
      { minLength: 1, maxLength: 14 },
    ),
    setup: fc.array(fc.tuple(fc.nat(2), fc.nat(13)), { maxLength: 3 }),
    moduleLoad: fc.array(fc.tuple(fc.nat(13), fc.nat(13)), { maxLength: 2 }),
  })
  .map(({ coreCount, testFileCount, tests, setup, moduleLoad }): TraceJson => {
    const core = (i: number) => fn(`src/m${i % 3}.ts`, `f${i % coreCount}`, (i % coreCount) + 1, 1);
    const testFile = (i: number) => `test/t${i % testFileCount}.test.ts`;
    const setupByFile: Record<string, Edge[]> = {};
    for (const [f, c] of setup) (setupByFile[testFile(f)] ??= []).push([mod(testFile(f)), core(c), 1]);
    for (const [a, b] of moduleLoad) {
      const file = `src/m${a % 3}.ts`;
      (setupByFile[testFile(a)] ??= []).push([mod(file), core(b), 1]);
    }
    return makeTrace({
      tests: tests.map((t, i) => {
        const file = testFile(t.file);
        const body = fn(file, `test ${i}`, i + 1, 1);
        return {
          file,
          name: `test ${i}`,
          status: t.status,
          edges: [
            ['<root>', body, 1] as Edge,
            ...t.calls.map((c) => [body, core(c), 1] as Edge),
            ...t.deps.map(([a, b]) => [core(a), core(b), 2] as Edge),
            // A core function that loads a module: seen only as the caller of a pseudo node.
            ...t.loads.map(([a, m]) => [core(a), mod(`src/m${m}.ts`), 1] as Edge),
          ],
        };
      }),
      setup: setupByFile,
    });
  });

const optionsArb = (rdgCore: string[]) =>
  fc.record(
    {
      order: fc.constantFrom<'dependency' | 'paper'>('dependency', 'paper'),
      maxFunctionsPerStep: fc.integer({ min: 2, max: 6 }),
      minFunctionsPerStep: fc.integer({ min: 1, max: 2 }),
      frozen: fc.subarray(rdgCore),
    },
    { requiredKeys: ['order'] },
  );

function coreIds(rdg: RdgJson): string[] {
  return rdg.merged.nodes.filter((n) => n.role === 'core').map((n) => n.id);
}

function shuffled<T>(items: readonly T[], rnd: () => number): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

function shuffleTrace(trace: TraceJson, seed: number): TraceJson {
  let s = seed >>> 0 || 1;
  const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0) % 1_000_000) / 1_000_000;
  return {
    ...trace,
    testFiles: shuffled(trace.testFiles, rnd),
    files: shuffled(trace.files, rnd).map((f) => ({ ...f, setupEdges: shuffled(f.setupEdges, rnd) })),
    tests: shuffled(trace.tests, rnd).map((t) => ({ ...t, edges: shuffled(t.edges, rnd) })),
  };
}

function check(rdg: RdgJson, schedule: ScheduleJson, options: ScheduleOptions): void {
  const frozen = new Set(options.frozen ?? []);
  const developedAt = new Map<string, number>();
  for (const step of schedule.steps) {
    for (const n of step.nodesToDevelop) {
      // Developed at most once, and never a frozen function.
      expect(developedAt.has(n), `${n} developed twice`).toBe(false);
      expect(frozen.has(n)).toBe(false);
      developedAt.set(n, step.step);
    }
    if (options.maxFunctionsPerStep) expect(step.nodesToDevelop.length).toBeLessThanOrEqual(options.maxFunctionsPerStep);
    if (options.minFunctionsPerStep) expect(step.nodesToDevelop.length).toBeGreaterThanOrEqual(options.minFunctionsPerStep);
  }
  const skippedCore = new Set(schedule.skipped.flatMap((g) => g.coreNodes));
  for (const id of coreIds(rdg)) {
    // Every core node is developed once, frozen, or belongs to a group that was skipped.
    expect(developedAt.has(id) || frozen.has(id) || skippedCore.has(id), `${id} unaccounted for`).toBe(true);
  }
  // Every test is in exactly one step or one skipped group.
  const placed = [...schedule.steps.flatMap((s) => s.testIds), ...schedule.skipped.flatMap((g) => g.testIds)].sort();
  expect(placed).toEqual(rdg.tests.map((t) => t.testId).sort());
  // A step's tests reach only functions developed in that step or earlier (or frozen ones).
  const byId = new Map(rdg.tests.map((t) => [t.testId, t]));
  for (const step of schedule.steps) {
    for (const testId of step.testIds) {
      for (const n of byId.get(testId)!.coreNodes) {
        if (frozen.has(n)) continue;
        const at = developedAt.get(n);
        expect(at !== undefined && at <= step.step, `${testId} reaches ${n} before it is developed`).toBe(true);
      }
    }
    const stepCore = new Set([...step.targetCore, ...step.dependentCore]);
    for (const n of [...step.nodesToDevelop, ...step.reusedNodes]) expect(stepCore.has(n)).toBe(true);
    for (const n of step.reusedNodes) expect(developedAt.get(n)!).toBeLessThan(step.step);
  }
  expect(schedule.stats.developedNodes).toBe(developedAt.size);
}

describe('schedule properties on random traces', () => {
  it('develops every core node once (or freezes/skips it) and never runs a step ahead of its functions', () => {
    fc.assert(
      fc.property(
        traceArb.chain((trace) => {
          const rdg = buildRdg(trace);
          return fc.tuple(fc.constant(rdg), optionsArb(coreIds(rdg)));
        }),
        ([rdg, options]) => {
          check(rdg, buildSchedule(rdg, options), options);
          check(rdg, buildSchedule(rdg, { order: options.order }), { order: options.order });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('gives byte-identical RDG and schedule JSON for any input order', () => {
    fc.assert(
      fc.property(traceArb, fc.integer(), fc.boolean(), (trace, seed, paper) => {
        const a = buildRdg(trace);
        const b = buildRdg(shuffleTrace(trace, seed));
        expect(JSON.stringify(b)).toBe(JSON.stringify(a));
        const opts: ScheduleOptions = { order: paper ? 'paper' : 'dependency', frozen: coreIds(a).slice(0, 1) };
        const shuffledRdg: RdgJson = {
          ...a,
          tests: shuffled(a.tests, () => ((seed >>> 3) % 97) / 97),
          merged: { nodes: [...a.merged.nodes].reverse(), edges: [...a.merged.edges].reverse() },
        };
        const fromBuild = JSON.stringify(buildSchedule(a, opts));
        // `a` carries buildRdg's integer form; the shuffled copy and the parsed JSON are read from strings.
        expect(JSON.stringify(buildSchedule(shuffledRdg, opts))).toBe(fromBuild);
        expect(JSON.stringify(buildSchedule(JSON.parse(JSON.stringify(a)) as RdgJson, opts))).toBe(fromBuild);
      }),
      { numRuns: 300 },
    );
  });

  it('never reaches ahead, and the dependency order leaves no more calls into later steps than the paper order', () => {
    fc.assert(
      fc.property(traceArb, (trace) => {
        const rdg = buildRdg(trace);
        const cmp = compareOrders(rdg);
        // Calls between groups in different SCCs point from later to earlier steps; inside an SCC the
        // order is the paper's, so the dependency order can only remove calls into later steps.
        expect(cmp.dependency.callEdgesIntoLaterSteps).toBeLessThanOrEqual(cmp.paper.callEdgesIntoLaterSteps);
        expect(cmp.dependency.steps).toBe(cmp.paper.steps);
        expect(cmp.dependency.stepsReachingLaterNodes).toBe(0);
        expect(cmp.paper.stepsReachingLaterNodes).toBe(0);
        // Both orders develop the same set of functions (each step develops all that is new).
        const developed = (order: 'dependency' | 'paper') =>
          buildSchedule(rdg, { order }).steps.flatMap((s) => s.nodesToDevelop).sort();
        expect(developed('dependency')).toEqual(developed('paper'));
      }),
      { numRuns: 200 },
    );
  });
});
