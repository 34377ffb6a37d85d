import { describe, expect, it } from 'vitest';
import type { ScheduleJson } from '@swe-flow/core';
import { buildRdg, buildSchedule, partsByStep, partsToRetry } from './index.js';
import { core, scenario } from './__fixtures__/make-trace.js';

// A ← B (B calls A), C unrelated, D ← E (E calls D). Tie order (fewer core nodes first): A, C, D, B, E.
const rdg = buildRdg(
  scenario([
    { name: 'a', calls: ['A'] },
    { name: 'b', calls: ['B'], deps: [['B', 'A']] },
    { name: 'c', calls: ['C'] },
    { name: 'd', calls: ['D'] },
    { name: 'e', calls: ['E'], deps: [['E', 'D']] },
  ]),
);

const names = (s: ScheduleJson) => s.steps.map((st) => st.nodesToDevelop.map((n) => n.split(':').pop()).join('+'));

describe('size floor: a step adding fewer lines than the floor joins its related neighbour', () => {
  const lines = (sizes: Record<string, number>) => Object.fromEntries(Object.entries(sizes).map(([n, l]) => [core(n), l]));

  it.each([
    { what: 'no floor: one step per group', floor: 0, sizes: { A: 1, B: 1, C: 1, D: 1, E: 1 }, steps: ['A', 'C', 'D', 'B', 'E'], merged: undefined },
    { what: 'every step large enough: nothing merged', floor: 5, sizes: { A: 9, B: 9, C: 9, D: 9, E: 9 }, steps: ['A', 'C', 'D', 'B', 'E'], merged: 0 },
    { what: 'a small callee joins its caller, the nearest related step (three steps later)', floor: 5, sizes: { A: 2, B: 9, C: 9, D: 9, E: 9 }, steps: ['C', 'D', 'A+B', 'E'], merged: 1 },
    { what: 'a small caller joins its callee', floor: 5, sizes: { A: 9, B: 2, C: 9, D: 9, E: 9 }, steps: ['A+B', 'C', 'D', 'E'], merged: 1 },
    { what: 'an unrelated small step stays on its own', floor: 5, sizes: { A: 9, B: 9, C: 1, D: 9, E: 9 }, steps: ['A', 'C', 'D', 'B', 'E'], merged: 0 },
    { what: 'merged steps still below the floor merge again only with related neighbours', floor: 5, sizes: { A: 1, B: 1, C: 1, D: 1, E: 1 }, steps: ['C', 'A+B', 'D+E'], merged: 2 },
  ])('$what', ({ floor, sizes, steps, merged }) => {
    const s = buildSchedule(rdg, { minStepLines: floor, nodeLines: lines(sizes) });
    expect(names(s)).toEqual(steps);
    expect(s.stats.mergedBelowFloor).toBe(merged);
    // Every step's tests still reach only functions developed by then.
    const developed = new Set<string>();
    for (const step of s.steps) {
      step.nodesToDevelop.forEach((n) => developed.add(n));
      for (const t of step.testIds) for (const n of rdg.tests.find((x) => x.testId === t)!.coreNodes) expect(developed.has(n)).toBe(true);
    }
    if (floor > 0) {
      const total = (st: ScheduleJson['steps'][number]) => st.nodesToDevelop.reduce((a, n) => a + (lines(sizes)[n] ?? 0), 0);
      for (const step of s.steps) expect(step.lines).toBe(total(step));
    }
  });

  it('never merges past maxFunctionsPerStep', () => {
    const s = buildSchedule(rdg, { minStepLines: 5, nodeLines: lines({ A: 1, B: 1, C: 1, D: 1, E: 1 }), maxFunctionsPerStep: 1 });
    expect(names(s)).toEqual(['A', 'C', 'D', 'B', 'E']);
  });

  it('does not move a step past one whose tests reach its functions', () => {
    // F is called by the tests of G and H; F is small, G (between F and H) reaches F.
    const chain = buildRdg(
      scenario([
        { name: 'f', calls: ['F'] },
        { name: 'g', calls: ['G', 'F'] },
        { name: 'h', calls: ['H', 'F', 'X'] },
      ]),
    );
    const s = buildSchedule(chain, { minStepLines: 5, nodeLines: lines({ F: 1, G: 9, H: 9, X: 9 }) });
    // F joins G (adjacent, its tests reach F), never H past G.
    expect(names(s)).toEqual(['F+G', 'H+X']);
  });

  it('records the evidence of every step: call depth and distinct callers', () => {
    const s = buildSchedule(rdg);
    const b = s.steps.find((st) => st.nodesToDevelop.includes(core('B')))!;
    const a = s.steps.find((st) => st.nodesToDevelop.includes(core('A')))!;
    // B calls A: a chain of two functions; A is called by test a and by B.
    expect(b).toMatchObject({ callDepth: 2, callers: 1 });
    expect(a).toMatchObject({ callDepth: 1, callers: 2 });
  });

  it('refuses a negative floor', () => {
    expect(() => buildSchedule(rdg, { minStepLines: -1 })).toThrow(/minStepLines/);
  });
});

describe('the parts of merged steps: what a rejected merged step is tried again as', () => {
  const nodeLines = (sizes: Record<string, number>) => Object.fromEntries(Object.entries(sizes).map(([n, l]) => [core(n), l]));
  const unmerged = buildSchedule(rdg);

  it('a merged step lists its unmerged steps in schedule order, numbered after the last step', () => {
    const s = buildSchedule(rdg, { minStepLines: 5, nodeLines: nodeLines({ A: 1, B: 1, C: 1, D: 1, E: 1 }) });
    expect(names(s)).toEqual(['C', 'A+B', 'D+E']);
    expect(s.steps[0]!.parts).toBeUndefined();
    const parts = s.steps.map((st) => st.parts?.map((p) => [p.step, p.nodesToDevelop.map((n) => n.split(':').pop()).join('+')]));
    expect(parts).toEqual([undefined, [[4, 'A'], [5, 'B']], [[6, 'D'], [7, 'E']]]);
    for (const step of s.steps.filter((st) => st.parts)) {
      // The parts hold exactly the merged step's tests and functions, each as the unmerged schedule had it.
      expect(step.parts!.flatMap((p) => p.testIds).sort()).toEqual(step.testIds);
      expect(step.parts!.flatMap((p) => p.nodesToDevelop).sort()).toEqual(step.nodesToDevelop);
      for (const part of step.parts!) {
        const same = unmerged.steps.find((u) => u.nodesToDevelop.join() === part.nodesToDevelop.join())!;
        expect({ ...part, step: same.step, lines: undefined }).toEqual({ ...same, lines: undefined });
        expect(part.lines).toBe(1);
      }
    }
    expect([...partsByStep(s.steps).keys()]).toEqual([4, 5, 6, 7]);
  });

  it('parts in their order keep the schedule invariant: each part reaches only functions developed before it or in it', () => {
    const s = buildSchedule(rdg, { minStepLines: 5, nodeLines: nodeLines({ A: 2, B: 9, C: 9, D: 9, E: 9 }) });
    // A moved forward three steps to join its caller B.
    expect(names(s)).toEqual(['C', 'D', 'A+B', 'E']);
    const developed = new Set<string>();
    for (const step of s.steps) {
      // Tried in place of the merged step: the steps before it, then the parts one by one.
      const order = step.parts ?? [step];
      for (const part of order) {
        part.nodesToDevelop.forEach((n) => developed.add(n));
        for (const t of part.testIds) for (const n of rdg.tests.find((x) => x.testId === t)!.coreNodes) expect(developed.has(n)).toBe(true);
      }
    }
  });

  it('no floor, or nothing merged: no parts', () => {
    expect(unmerged.steps.some((st) => st.parts)).toBe(false);
    const large = buildSchedule(rdg, { minStepLines: 5, nodeLines: nodeLines({ A: 9, B: 9, C: 9, D: 9, E: 9 }) });
    expect(large.steps.some((st) => st.parts)).toBe(false);
  });

  it('partsToRetry: the parts of the rejected merged steps, not of steps rejected for the machine or never merged', () => {
    const s = buildSchedule(rdg, { minStepLines: 5, nodeLines: nodeLines({ A: 1, B: 1, C: 1, D: 1, E: 1 }) });
    const steps = (parts: ReturnType<typeof partsToRetry>) => parts.map((p) => p.step);
    expect(steps(partsToRetry(s.steps, [{ step: 2, reason: 'p2p-broken-on-base' }]))).toEqual([4, 5]);
    expect(steps(partsToRetry(s.steps, [{ step: 3, reason: 'patch-too-small' }, { step: 2, reason: 'f2p-failing-on-reference' }]))).toEqual([4, 5, 6, 7]);
    // A machine failure says nothing about the task; step 1 was never merged.
    expect(partsToRetry(s.steps, [{ step: 2, reason: 'infrastructure-error' }, { step: 1, reason: 'f2p-passing-on-base' }])).toEqual([]);
  });
});
