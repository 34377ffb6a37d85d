import { describe, expect, it } from 'vitest';
import { ErrorCodes, type ScheduleJson, type SweFlowError } from '@swe-flow/core';
import { buildRdg, buildSchedule, compareOrders } from './index.js';
import { core, scenario } from './__fixtures__/make-trace.js';

const id = (name: string, file = 'a') => `test/${file}.test.ts > ${name}`;
const dev = (s: ScheduleJson) => s.steps.map((st) => st.nodesToDevelop.map((n) => n.split(':').pop()));
const stepTests = (s: ScheduleJson) => s.steps.map((st) => st.testIds);

describe('buildSchedule', () => {
  it('groups tests with identical core sets and develops each function once', () => {
    const rdg = buildRdg(
      scenario([
        { name: 't1', calls: ['A'] },
        { name: 't2', calls: ['B'], deps: [['B', 'A']] },
        { name: 't3', calls: ['B', 'A'], deps: [['B', 'A']] },
      ]),
    );
    const s = buildSchedule(rdg);
    expect(stepTests(s)).toEqual([[id('t1')], [id('t2'), id('t3')]]);
    expect(dev(s)).toEqual([['A'], ['B']]);
    const step2 = s.steps[1]!;
    expect(step2.reusedNodes).toEqual([core('A')]);
    // A is a target of t3 (called directly) though only a dependency of t2.
    expect(step2.targetCore).toEqual([core('A'), core('B')]);
    expect(step2.dependentCore).toEqual([]);
    expect(step2.subgraph).toEqual([[core('B'), core('A')]]);
    expect(s.stats).toMatchObject({ tests: 3, groups: 2, steps: 2, coreNodes: 2, developedNodes: 2, dependencyDepth: 2 });
    expect(s.stats.functionsPerStep).toEqual({ min: 1, median: 1, max: 1, mean: 1 });
  });

  it('skips groups that bring nothing new and tests with no core nodes', () => {
    const rdg = buildRdg(
      scenario([
        { name: 'pure', calls: [] },
        { name: 'both', calls: ['A', 'B'] },
        { name: 'a', calls: ['A'] },
        { name: 'b', calls: ['B'] },
      ]),
    );
    const s = buildSchedule(rdg);
    expect(stepTests(s)).toEqual([[id('a')], [id('b')]]);
    expect(s.skipped).toEqual([
      { testIds: [id('pure')], reason: 'no-core-nodes', coreNodes: [] },
      { testIds: [id('both')], reason: 'no-new-functions', coreNodes: [core('A'), core('B')] },
    ]);
  });

  it('breaks ties by fewer core nodes, then by the smallest test id', () => {
    const rdg = buildRdg(
      scenario([
        { name: 'zeta', calls: ['Z'] },
        { name: 'alpha', calls: ['Y'] },
        { name: 'pair', calls: ['P', 'Q'] },
        { name: 'mid', calls: ['M'], file: 'b' },
      ]),
    );
    for (const order of ['dependency', 'paper'] as const) {
      expect(stepTests(buildSchedule(rdg, { order }))).toEqual([[id('alpha')], [id('zeta')], [id('mid', 'b')], [id('pair')]]);
    }
  });

  it('puts callees before callers where the paper order does not', () => {
    // u alone (t1), v and w (t2), and t3 sees u calling v. Ascending size develops u first, though
    // u's code calls v; the dependency order develops v and w first.
    const rdg = buildRdg(
      scenario([
        { name: 't1', calls: ['u'] },
        { name: 't2', calls: ['v'], deps: [['v', 'w']] },
        { name: 't3', calls: ['u'], deps: [['u', 'v'], ['v', 'w']] },
      ]),
    );
    const paper = buildSchedule(rdg, { order: 'paper' });
    const depend = buildSchedule(rdg, { order: 'dependency' });
    expect(dev(paper)).toEqual([['u'], ['v', 'w']]);
    expect(dev(depend)).toEqual([['v', 'w'], ['u']]);
    expect(depend.skipped.map((g) => g.testIds)).toEqual([[id('t3')]]);
    const cmp = compareOrders(rdg);
    expect(cmp.paper).toMatchObject({ steps: 2, stepsCallingLaterNodes: 1, callEdgesIntoLaterSteps: 1, stepsReachingLaterNodes: 0 });
    expect(cmp.dependency).toMatchObject({ steps: 2, stepsCallingLaterNodes: 0, callEdgesIntoLaterSteps: 0, stepsReachingLaterNodes: 0 });
  });

  it('orders groups that depend on each other in a cycle by the tie rule', () => {
    // g1 = {u} introduces u; g2 = {u, v} needs u, yet u calls v (introduced by g2): a cycle, so the
    // tie rule decides. A third group {x} that x → u depends on g1 only.
    const rdg = buildRdg(
      scenario([
        { name: 'b-uv', calls: ['u'], deps: [['u', 'v']] },
        { name: 'c-u', calls: ['u'] },
        { name: 'a-xu', calls: ['x'], deps: [['x', 'u'], ['u', 'v']] },
      ]),
    );
    const s = buildSchedule(rdg);
    expect(stepTests(s)).toEqual([[id('c-u')], [id('b-uv')], [id('a-xu')]]);
    expect(dev(s)).toEqual([['u'], ['v'], ['x']]);
    expect(s.stats.dependencyDepth).toBe(3);
    const cmp = compareOrders(rdg);
    expect(cmp.dependency.stepsCallingLaterNodes).toBe(1);
    expect(cmp.paper.stepsCallingLaterNodes).toBe(1);
  });

  it('rejects groups with more new functions than maxFunctionsPerStep', () => {
    const rdg = buildRdg(
      scenario([
        { name: 'small', calls: ['A'] },
        { name: 'big', calls: ['A', 'B', 'C', 'D', 'E'] },
        { name: 'ok', calls: ['A', 'B'], file: 'b' },
      ]),
    );
    const s = buildSchedule(rdg, { maxFunctionsPerStep: 2 });
    expect(dev(s)).toEqual([['A'], ['B']]);
    expect(s.skipped).toEqual([{ testIds: [id('big')], reason: 'too-many-functions', coreNodes: ['A', 'B', 'C', 'D', 'E'].map(core) }]);
    // Without the limit the same group is a step of three functions.
    expect(dev(buildSchedule(rdg))).toEqual([['A'], ['B'], ['C', 'D', 'E']]);
    expect(s.stats.developedNodes).toBe(2);
  });

  it('merges steps smaller than minFunctionsPerStep forward and drops the remainder', () => {
    const rdg = buildRdg(
      scenario([
        { name: 't1', calls: ['A'] },
        { name: 't2', calls: ['A', 'B'] },
        { name: 't3', calls: ['A', 'B', 'C'] },
      ]),
    );
    const s = buildSchedule(rdg, { minFunctionsPerStep: 2 });
    expect(stepTests(s)).toEqual([[id('t1'), id('t2')]]);
    expect(dev(s)).toEqual([['A', 'B']]);
    expect(s.skipped).toEqual([{ testIds: [id('t3')], reason: 'too-few-functions', coreNodes: ['A', 'B', 'C'].map(core) }]);
    // With a maximum of 2, merging {A} into {A,B,C} would overflow: {A} is dropped, then {A,B,C} is too big.
    const tight = buildRdg(scenario([{ name: 't1', calls: ['A'] }, { name: 't3', calls: ['A', 'B', 'C'] }]));
    const t = buildSchedule(tight, { minFunctionsPerStep: 2, maxFunctionsPerStep: 2 });
    expect(t.steps).toEqual([]);
    expect(t.skipped.map((g) => g.reason)).toEqual(['too-few-functions', 'too-many-functions']);
  });

  it('never develops frozen functions and skips groups that only add frozen ones', () => {
    const rdg = buildRdg(
      scenario([
        { name: 't1', calls: ['init'] },
        { name: 't2', calls: ['A'], deps: [['A', 'init']] },
      ]),
    );
    const s = buildSchedule(rdg, { frozen: [core('init')] });
    expect(s.skipped).toEqual([{ testIds: [id('t1')], reason: 'only-frozen-functions', coreNodes: [core('init')] }]);
    expect(dev(s)).toEqual([['A']]);
    expect(s.steps[0]!.reusedNodes).toEqual([]);
    expect(s.steps[0]!.dependentCore).toEqual([core('init')]);
    expect(s.options.frozen).toEqual([core('init')]);
  });

  it('keeps a kept node whole and never merges it: the step that needed it develops the rest', () => {
    // B's solution is readable in the dependencies: t2's step develops A only, B stays in every base.
    const rdg = buildRdg(
      scenario([
        { name: 't1', calls: ['B'] },
        { name: 't2', calls: ['A'], deps: [['A', 'B']] },
      ]),
    );
    const s = buildSchedule(rdg, { kept: [core('B'), core('B')] });
    expect(dev(s)).toEqual([['A']]);
    expect(s.skipped).toEqual([{ testIds: [id('t1')], reason: 'only-frozen-functions', coreNodes: [core('B')] }]);
    expect(s.steps[0]!.dependentCore).toEqual([core('B')]);
    expect(s.options.kept).toEqual([core('B')]);
    expect(buildSchedule(rdg).options.kept).toBeUndefined();
    expect(dev(buildSchedule(rdg))).toEqual([['B'], ['A']]);
  });

  it('rejects invalid options with a usage error', () => {
    const rdg = buildRdg(scenario([{ name: 't1', calls: ['A'] }]));
    for (const bad of [{ maxFunctionsPerStep: 0 }, { minFunctionsPerStep: 3, maxFunctionsPerStep: 2 }, { order: 'random' as 'paper' }]) {
      expect(() => buildSchedule(rdg, bad)).toThrowError(expect.objectContaining({ code: ErrorCodes.INPUT_INVALID }) as SweFlowError);
    }
  });
});

describe('formatSchedule', () => {
  it('renders steps, developed and reused functions, and skipped groups', async () => {
    const { formatSchedule } = await import('./index.js');
    const rdg = buildRdg(
      scenario([
        { name: 't1', calls: ['A'] },
        { name: 't2', calls: ['B'], deps: [['B', 'A']] },
        { name: 't3', calls: ['A', 'B'], deps: [['B', 'A']], file: 'b' },
        { name: 'none', calls: [] },
      ]),
    );
    expect(formatSchedule(buildSchedule(rdg))).toBe(
      [
        'schedule: 2 steps from 3 groups of 4 tests; 2/2 core functions developed; depth 2; order dependency',
        'step 1: 1 test(s)',
        '  test     test/a.test.ts > t1',
        '  develop  A (src/core.ts:1) [target]',
        'step 2: 2 test(s)',
        '  test     test/a.test.ts > t2',
        '  test     test/b.test.ts > t3',
        '  develop  B (src/core.ts:1) [target]',
        '  reuse    A (src/core.ts:1)',
        'skipped (no-core-nodes): test/a.test.ts > none',
        '',
      ].join('\n'),
    );
  });
});
