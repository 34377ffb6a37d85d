import {
  ErrorCodes,
  SCHEDULE_SCHEMA_VERSION,
  SweFlowError,
  type RdgJson,
  type ScheduleJson,
  type ScheduleOptions,
  type ScheduleStep,
  type SkippedGroup,
} from '@swe-flow/core';
import { buildCsr, condensationOrder } from './graph.js';
import { scheduleView } from './int-view.js';
import { compareStrings, type SortedInterner } from './order.js';
import { callDepths, callersById, stepEvidence } from './evidence.js';
import { mergeSmallSteps, type MergeResult } from './merge.js';

/** A set of tests with identical core-node sets. */
interface Group {
  /** Indices into the sorted test list, ascending. */
  tests: number[];
  /** Core node ranks, ascending. */
  nodes: Int32Array;
}

/** Everything the walk decided, for callers that need more than the JSON (compareOrders). */
export interface SchedulePlan {
  json: ScheduleJson;
  interner: SortedInterner;
  /** Step index (0-based) that developed each core node, or -1. */
  developedAt: Int32Array;
  frozen: Uint8Array;
  /** Core → core edges of the merged graph as rank pairs. */
  coreEdges: Int32Array;
  /** Core node ranks reached by the tests of each step. */
  stepCore: Int32Array[];
}

function normalizeOptions(options: ScheduleOptions): Required<Pick<ScheduleOptions, 'order' | 'frozen'>> & ScheduleOptions {
  const order = options.order ?? 'dependency';
  if (order !== 'dependency' && order !== 'paper') {
    throw new SweFlowError(ErrorCodes.INPUT_INVALID, `unknown schedule order "${String(order)}"; use "dependency" or "paper"`);
  }
  const out: ScheduleOptions & { order: 'dependency' | 'paper'; frozen: string[] } = {
    order,
    frozen: [...new Set(options.frozen ?? [])].sort(compareStrings),
  };
  if (options.kept?.length) out.kept = [...new Set(options.kept)].sort(compareStrings);
  if (options.minStepLines !== undefined && options.minStepLines !== 0) {
    const v = options.minStepLines;
    if (!Number.isInteger(v) || v < 0) throw new SweFlowError(ErrorCodes.INPUT_INVALID, `minStepLines must be a non-negative integer, got ${String(v)}`);
    out.minStepLines = v;
  }
  for (const key of ['maxFunctionsPerStep', 'minFunctionsPerStep'] as const) {
    const v = options[key];
    if (v === undefined) continue;
    if (!Number.isInteger(v) || v < 1) {
      throw new SweFlowError(ErrorCodes.INPUT_INVALID, `${key} must be a positive integer, got ${String(v)}`);
    }
    out[key] = v;
  }
  if (out.maxFunctionsPerStep !== undefined && out.minFunctionsPerStep !== undefined && out.minFunctionsPerStep > out.maxFunctionsPerStep) {
    throw new SweFlowError(
      ErrorCodes.INPUT_INVALID,
      `minFunctionsPerStep (${out.minFunctionsPerStep}) exceeds maxFunctionsPerStep (${out.maxFunctionsPerStep}); lower the minimum or raise the maximum`,
    );
  }
  return out;
}

function checkRdg(rdg: RdgJson): void {
  if (!rdg || typeof rdg !== 'object' || !Array.isArray(rdg.tests) || !rdg.merged || !Array.isArray(rdg.merged.edges)) {
    throw new SweFlowError(ErrorCodes.INPUT_INVALID, 'rdg is not an RdgJson object; build it with buildRdg(trace)');
  }
  if (rdg.schemaVersion !== SCHEDULE_SCHEMA_VERSION) {
    throw new SweFlowError(
      ErrorCodes.SCHEMA_INVALID,
      `rdg.json has schemaVersion ${String(rdg.schemaVersion)}, expected ${SCHEDULE_SCHEMA_VERSION}; rebuild it from trace.json`,
    );
  }
}

/**
 * Orders the test groups and turns them into development steps. See README.md for the exact rules.
 */
export function buildSchedule(rdg: RdgJson, options: ScheduleOptions = {}): ScheduleJson {
  return planSchedule(rdg, options).json;
}

export function planSchedule(rdg: RdgJson, options: ScheduleOptions = {}): SchedulePlan {
  checkRdg(rdg);
  const opts = normalizeOptions(options);
  const view = scheduleView(rdg);
  const { interner, tests, coreEdges } = view;
  const N = interner.size;
  const frozen = new Uint8Array(N);
  // Kept units are frozen whole (frozenUnits keeps only module-load units of the frozen ids).
  for (const id of [...frozenUnits(rdg, opts.frozen), ...(opts.kept ?? [])]) {
    const r = interner.rank(id);
    if (r >= 0) frozen[r] = 1;
  }
  const anonymous = new Uint8Array(N);
  for (const id of rdg.units?.anonymous ?? []) {
    const r = interner.rank(id);
    if (r >= 0) anonymous[r] = 1;
  }
  for (let i = 1; i < tests.length; i++) {
    if (tests[i]!.testId === tests[i - 1]!.testId) {
      throw new SweFlowError(ErrorCodes.INPUT_INVALID, `test id "${tests[i]!.testId}" appears twice in rdg.json; rebuild it with buildRdg`);
    }
  }
  const { groups, empty } = groupTests(tests);
  const skipped: SkippedGroup[] = [];
  const testIdsOf = (idx: number[]): string[] => idx.map((i) => tests[i]!.testId);
  if (empty) skipped.push({ testIds: testIdsOf(empty.tests), reason: 'no-core-nodes', coreNodes: [] });
  const order = opts.order === 'paper' ? Int32Array.from({ length: groups.length }, (_, i) => i) : dependencyOrder(groups, coreEdges, frozen, N);
  const walk = new StepWalk(groups, { frozen, anonymous }, opts, (gi, reason) => {
    const g = groups[gi]!;
    skipped.push({ testIds: testIdsOf(g.tests), reason, coreNodes: interner.valuesOf(g.nodes) });
  });
  for (const gi of order) walk.evaluate(gi);
  walk.dropPending();
  const lines = nodeLinesOf(interner, options.nodeLines);
  const unmerged: StepList = { stepGroups: walk.stepGroups, stepDev: walk.stepDev, developedAt: Int32Array.from(walk.developedAt) };
  const floor = opts.minStepLines && lines ? applySizeFloor(walk, groups, coreEdges, lines, opts) : undefined;
  const mergedFrom = floor?.mergedFrom;
  const built = buildSteps(view, groups, walk);
  annotateSteps(built.steps, rdg, { interner, coreEdges, lines, mergedFrom, stepDev: walk.stepDev });
  if (floor) attachParts(built.steps, floor.partsOf, () => {
    const parts = buildSteps(view, groups, unmerged).steps;
    annotateSteps(parts, rdg, { interner, coreEdges, lines, mergedFrom: undefined, stepDev: unmerged.stepDev });
    return parts;
  });
  const { developedNodes, functionsPerStep } = stepSizeStats(walk.stepDev);
  const json: ScheduleJson = {
    schemaVersion: SCHEDULE_SCHEMA_VERSION,
    options: opts,
    steps: built.steps,
    skipped,
    stats: {
      tests: tests.length,
      groups: groups.length + (empty ? 1 : 0),
      steps: built.steps.length,
      coreNodes: N,
      developedNodes,
      edges: rdg.merged.edges.length,
      functionsPerStep,
      dependencyDepth: built.dependencyDepth,
      ...(mergedFrom ? { mergedBelowFloor: mergedFrom.reduce((a, m) => a + m - 1, 0) } : {}),
    },
  };
  return { json, interner, developedAt: walk.developedAt, frozen, coreEdges, stepCore: built.stepCore };
}

type ScheduleView = ReturnType<typeof scheduleView>;
type ViewTest = ScheduleView['tests'][number];

/**
 * Groups tests by identical core-node sets (hash buckets, equal hashes confirmed element by element),
 * in tie order: fewer core nodes first, then the smallest test id (tests are sorted, so tests[0]).
 * Tests with no core node form the `empty` group.
 */
function groupTests(tests: readonly ViewTest[]): { groups: Group[]; empty?: Group } {
  const buckets = new Map<number, Group[]>();
  const allGroups: Group[] = [];
  let empty: Group | undefined;
  for (let ti = 0; ti < tests.length; ti++) {
    const nodes = tests[ti]!.core;
    if (nodes.length === 0) {
      if (empty) empty.tests.push(ti);
      else empty = { tests: [ti], nodes };
      continue;
    }
    const key = hashRanks(nodes);
    let bucket = buckets.get(key);
    if (!bucket) buckets.set(key, (bucket = []));
    const g = bucket.find((b) => sameRanks(b.nodes, nodes));
    if (g) g.tests.push(ti);
    else {
      const created = { tests: [ti], nodes };
      bucket.push(created);
      allGroups.push(created);
    }
  }
  const groups = allGroups.sort((a, b) => a.nodes.length - b.nodes.length || a.tests[0]! - b.tests[0]!);
  return empty ? { groups, empty } : { groups };
}

/** Added lines per core rank from the `nodeLines` option (ids it does not name count 0), or undefined. */
function nodeLinesOf(interner: SortedInterner, nodeLines: Record<string, number> | undefined): Float64Array | undefined {
  if (!nodeLines) return undefined;
  const lines = new Float64Array(interner.size);
  for (const [id, n] of Object.entries(nodeLines)) {
    const r = interner.rank(id);
    if (r >= 0 && Number.isFinite(n)) lines[r] = n;
  }
  return lines;
}

/** The size floor over the walked steps (see merge.ts); the walk's steps and developedAt are replaced. */
function applySizeFloor(walk: StepWalk, groups: readonly Group[], coreEdges: Int32Array, lines: Float64Array, opts: ScheduleOptions): MergeResult {
  const merged = mergeSmallSteps({
    stepGroups: walk.stepGroups,
    stepDev: walk.stepDev,
    groupNodes: (gi) => groups[gi]!.nodes,
    lines,
    coreEdges,
    floor: opts.minStepLines!,
    ...(opts.maxFunctionsPerStep !== undefined ? { maxFunctions: opts.maxFunctionsPerStep } : {}),
  });
  walk.replaceSteps(merged.stepGroups, merged.stepDev);
  return merged;
}

/**
 * Every merged step gets its unmerged parts (`step.parts`), in schedule order, numbered after the last
 * step: what the pipeline verifies one by one when the merged step is rejected. The walk never makes a
 * step of anonymous functions alone, so no part is one either.
 */
function attachParts(steps: ScheduleStep[], partsOf: readonly number[][], unmergedSteps: () => ScheduleStep[]): void {
  if (!partsOf.some((p) => p.length > 1)) return;
  const unmerged = unmergedSteps();
  let next = steps.length + 1;
  steps.forEach((step, s) => {
    const parts = partsOf[s]!;
    if (parts.length > 1) step.parts = parts.map((k) => ({ ...unmerged[k]!, step: next++ }));
  });
}

/** Evidence of every step: lines added, call depth, distinct callers, merged steps. */
function annotateSteps(
  steps: ScheduleStep[],
  rdg: RdgJson,
  ctx: { interner: SortedInterner; coreEdges: Int32Array; lines: Float64Array | undefined; mergedFrom: number[] | undefined; stepDev: readonly number[][] },
): void {
  const depths = callDepths(ctx.interner.size, ctx.coreEdges);
  const callers = callersById(rdg);
  steps.forEach((step, s) => {
    const dev = ctx.stepDev[s]!;
    if (ctx.lines) step.lines = dev.reduce((sum, r) => sum + ctx.lines![r]!, 0);
    Object.assign(step, stepEvidence(dev, ctx.interner, depths, callers));
    const merged = ctx.mergedFrom?.[s];
    if (merged !== undefined && merged > 1) step.mergedSteps = merged;
  });
}

/** Steps as group and node ranks, and the step that develops each node. */
interface StepList {
  readonly stepGroups: readonly number[][];
  readonly stepDev: readonly number[][];
  readonly developedAt: Int32Array;
}

/** Walks the groups in order; each step develops the core nodes no earlier step introduced. */
class StepWalk implements StepList {
  private readonly seen: Uint8Array;
  developedAt: Int32Array;
  private readonly pendingMark: Uint8Array;
  stepGroups: number[][] = [];
  stepDev: number[][] = [];
  private pending: { groups: number[]; dev: number[] } | null = null;

  private readonly frozen: Uint8Array;
  private readonly anonymous: Uint8Array;

  constructor(
    private readonly groups: readonly Group[],
    marks: { frozen: Uint8Array; anonymous: Uint8Array },
    private readonly opts: { maxFunctionsPerStep?: number; minFunctionsPerStep?: number },
    private readonly skip: (gi: number, reason: SkippedGroup['reason']) => void,
  ) {
    this.frozen = marks.frozen;
    this.anonymous = marks.anonymous;
    const N = this.frozen.length;
    this.seen = new Uint8Array(N);
    this.developedAt = new Int32Array(N).fill(-1);
    this.pendingMark = new Uint8Array(N);
  }

  private emit(gis: number[], dev: number[]): void {
    const s = this.stepGroups.length;
    for (const d of dev) this.developedAt[d] = s;
    for (const gi of gis) for (const n of this.groups[gi]!.nodes) this.seen[n] = 1;
    this.stepGroups.push(gis);
    this.stepDev.push(dev);
  }

  /** The steps after the size floor merged some: developedAt follows. */
  replaceSteps(stepGroups: number[][], stepDev: number[][]): void {
    this.stepGroups = stepGroups;
    this.stepDev = stepDev;
    this.developedAt.fill(-1);
    stepDev.forEach((dev, s) => {
      for (const d of dev) this.developedAt[d] = s;
    });
  }

  dropPending(): void {
    if (!this.pending) return;
    for (const d of this.pending.dev) this.pendingMark[d] = 0;
    for (const gi of this.pending.groups) this.skip(gi, 'too-few-functions');
    this.pending = null;
  }

  evaluate(gi: number): void {
    const { seen, pendingMark, frozen } = this;
    const { maxFunctionsPerStep: max, minFunctionsPerStep: min } = this.opts;
    const fresh: number[] = [];
    let touchesPending = false;
    for (const n of this.groups[gi]!.nodes) {
      if (pendingMark[n]) touchesPending = true;
      else if (!seen[n]) fresh.push(n);
    }
    const dev = fresh.filter((n) => !frozen[n]);
    if (!touchesPending) {
      if (fresh.length === 0) return this.skip(gi, 'no-new-functions');
      if (dev.length === 0) {
        for (const n of fresh) seen[n] = 1;
        return this.skip(gi, 'only-frozen-functions');
      }
      if (dev.every((n) => this.anonymous[n])) {
        // Nothing a developer would be asked to write on its own: the anonymous code stays.
        for (const n of fresh) seen[n] = 1;
        return this.skip(gi, 'only-anonymous-functions');
      }
    }
    if (!this.pending) {
      if (max !== undefined && dev.length > max) return this.skip(gi, 'too-many-functions');
      if (min !== undefined && dev.length < min) {
        this.pending = { groups: [gi], dev };
        for (const d of dev) pendingMark[d] = 1;
        return;
      }
      return this.emit([gi], dev);
    }
    const p: { groups: number[]; dev: number[] } = this.pending;
    if (max !== undefined && p.dev.length + dev.length > max) {
      // Merging forward would overflow the maximum: the pending groups are dropped.
      this.dropPending();
      return this.evaluate(gi);
    }
    p.groups.push(gi);
    for (const d of dev) {
      p.dev.push(d);
      pendingMark[d] = 1;
    }
    if (min === undefined || p.dev.length >= min) {
      for (const d of p.dev) pendingMark[d] = 0;
      this.pending = null;
      this.emit(p.groups, p.dev);
    }
  }
}

/** The steps' JSON: tests, target/dependent core, nodes to develop, reused nodes and dependency subgraph. */
function buildSteps(view: ScheduleView, groups: readonly Group[], walk: StepList): { steps: ScheduleStep[]; stepCore: Int32Array[]; dependencyDepth: number } {
  const { interner, tests } = view;
  const N = interner.size;
  const { stepGroups, stepDev, developedAt } = walk;
  const mark = new Int32Array(N).fill(-1);
  const isTarget = new Int32Array(N).fill(-1);
  const steps: ScheduleStep[] = [];
  const stepCore: Int32Array[] = [];
  const depth = new Int32Array(stepGroups.length);
  let dependencyDepth = 0;
  let keyBuffer = new Float64Array(1024);
  for (let s = 0; s < stepGroups.length; s++) {
    const gis = stepGroups[s]!;
    const testIdx = gis.flatMap((gi) => groups[gi]!.tests).sort((a, b) => a - b);
    const core: number[] = [];
    for (const gi of gis) {
      for (const n of groups[gi]!.nodes) {
        if (mark[n] !== s) {
          mark[n] = s;
          core.push(n);
        }
      }
    }
    const coreSorted = Int32Array.from(core).sort();
    stepCore.push(coreSorted);
    let edgeCount = 0;
    const testEdges: Float64Array[] = [];
    for (const ti of testIdx) {
      const t = tests[ti]!;
      for (const r of t.targets) isTarget[r] = s;
      const e = t.edges();
      testEdges.push(e);
      edgeCount += e.length;
    }
    const target: number[] = [];
    const dependent: number[] = [];
    const reused: number[] = [];
    let d = 1;
    for (const n of coreSorted) {
      (isTarget[n] === s ? target : dependent).push(n);
      const at = developedAt[n]!;
      if (at >= 0 && at < s) {
        reused.push(n);
        if (depth[at]! + 1 > d) d = depth[at]! + 1;
      }
    }
    depth[s] = d;
    if (d > dependencyDepth) dependencyDepth = d;
    // The step's dependency subgraph: edges its tests observed among its core nodes.
    if (keyBuffer.length < edgeCount) keyBuffer = new Float64Array(edgeCount * 2);
    let k = 0;
    for (const e of testEdges) {
      keyBuffer.set(e, k);
      k += e.length;
    }
    const keys = keyBuffer.subarray(0, k).sort();
    const subgraph: [string, string][] = [];
    for (let i = 0; i < k; i++) {
      if (i > 0 && keys[i] === keys[i - 1]) continue;
      const a = Math.floor(keys[i]! / N);
      subgraph.push([interner.value(a), interner.value(keys[i]! - a * N)]);
    }
    steps.push({
      step: s + 1,
      testIds: testIdx.map((ti) => tests[ti]!.testId),
      targetCore: target.map((r) => interner.value(r)),
      dependentCore: dependent.map((r) => interner.value(r)),
      nodesToDevelop: interner.sortedValues(stepDev[s]!),
      reusedNodes: reused.map((r) => interner.value(r)),
      subgraph,
    });
  }
  return { steps, stepCore, dependencyDepth };
}

/** How many functions the steps develop, in all and per step. */
function stepSizeStats(stepDev: readonly number[][]): { developedNodes: number; functionsPerStep: ScheduleJson['stats']['functionsPerStep'] } {
  const sizes = stepDev.map((d) => d.length).sort((a, b) => a - b);
  const developed = sizes.reduce((a, b) => a + b, 0);
  const mid = sizes.length >> 1;
  return {
    developedNodes: developed,
    functionsPerStep:
      sizes.length === 0
        ? { min: 0, median: 0, max: 0, mean: 0 }
        : {
            min: sizes[0]!,
            median: sizes.length % 2 === 1 ? sizes[mid]! : (sizes[mid - 1]! + sizes[mid]!) / 2,
            max: sizes[sizes.length - 1]!,
            mean: Math.round((developed / sizes.length) * 1000) / 1000,
          },
  };
}

/**
 * The dependency order over groups numbered by tie order (0 = fewest core nodes, smallest test id).
 * intro(n) = the first group in tie order that contains the non-frozen core node n. Relation edges:
 *  (a) intro(n) → g for every n of g: g needs a node first introduced by intro(n);
 *  (b) intro(v) → intro(u) for every merged core edge u → v: the callee's group before the caller's.
 * The result is the topological order of the SCC condensation closest to the tie order.
 */
function dependencyOrder(groups: Group[], coreEdges: Int32Array, frozen: Uint8Array, n: number): Int32Array {
  const G = groups.length;
  const intro = new Int32Array(n).fill(-1);
  let total = 0;
  for (let g = 0; g < G; g++) {
    for (const v of groups[g]!.nodes) {
      if (frozen[v]) continue;
      if (intro[v] === -1) intro[v] = g;
      else total++;
    }
  }
  total += coreEdges.length / 2;
  const from = new Int32Array(total);
  const to = new Int32Array(total);
  let k = 0;
  const stamp = new Int32Array(G).fill(-1);
  for (let g = 0; g < G; g++) {
    for (const v of groups[g]!.nodes) {
      if (frozen[v]) continue;
      const src = intro[v]!;
      if (src === g || stamp[src] === g) continue;
      stamp[src] = g;
      from[k] = src;
      to[k++] = g;
    }
  }
  for (let i = 0; i < coreEdges.length; i += 2) {
    const u = coreEdges[i]!;
    const v = coreEdges[i + 1]!;
    if (frozen[u] || frozen[v]) continue;
    const caller = intro[u]!;
    const callee = intro[v]!;
    if (caller < 0 || callee < 0 || caller === callee) continue;
    from[k] = callee;
    to[k++] = caller;
  }
  return condensationOrder(buildCsr(G, from, to, k)).order;
}

/**
 * The frozen ids as units: a unit that holds functions is frozen only when the RDG lists it as a
 * module-load unit (a factory that ran at module load but whose callbacks ran in tests is developed,
 * its outer body kept). Without units the ids are taken as given.
 */
function frozenUnits(rdg: RdgJson, frozen: readonly string[]): string[] {
  const units = rdg.units;
  if (!units) return [...frozen];
  const loadUnits = new Set(units.moduleLoad);
  return frozen.filter((id) => !units.members[id] || loadUnits.has(id));
}

/** A 53-bit hash of a rank list (two 32-bit multiplicative hashes combined). */
function hashRanks(a: Int32Array): number {
  let h1 = 0x811c9dc5 ^ a.length;
  let h2 = 0x9e3779b9;
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!;
    h1 = Math.imul(h1 ^ v, 0x01000193);
    h2 = Math.imul(h2 + v, 0x85ebca6b) ^ (h2 >>> 13);
  }
  return (h1 >>> 0) * 0x200000 + ((h2 >>> 0) & 0x1fffff);
}

function sameRanks(a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
