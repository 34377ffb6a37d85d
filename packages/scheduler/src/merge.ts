/**
 * The size floor. A step whose functions add fewer lines than the floor (a one-line getter, a
 * three-line helper) is not a task a developer would be given on its own: it is merged into its
 * neighbour in the schedule (the step before or after it) that shares tests or callers with it.
 * Merging adjacent steps keeps the schedule's invariant (every function a step's tests reach is
 * developed in that step or earlier): the merged step sits where the later of the two was, and
 * holds both steps' tests and functions.
 */
export interface MergeInput {
  /** Per step: its groups and the node ranks it develops. */
  stepGroups: number[][];
  stepDev: number[][];
  /** Core node ranks each group reaches. */
  groupNodes: (gi: number) => ArrayLike<number>;
  /** Added lines per node rank (the patch's size when the node is developed). */
  lines: Float64Array;
  /** Core → core edges as rank pairs (merged graph). */
  coreEdges: Int32Array;
  floor: number;
  /** No merge builds a step of more functions than this (default 8). */
  maxFunctions?: number;
}

/** Without maxFunctionsPerStep, the floor never builds a step of more functions than this: a repository of one-line functions keeps a schedule, not one task. */
const MAX_MERGED_FUNCTIONS = 8;

export interface MergeResult {
  stepGroups: number[][];
  stepDev: number[][];
  /** How many of the input steps each output step holds. */
  mergedFrom: number[];
  /** The input steps (indices) each output step holds, in schedule order: tried one by one when a merged step is rejected. */
  partsOf: number[][];
}

interface Step {
  groups: number[];
  dev: number[];
  merged: number;
  parts: number[];
}

/** How strongly two steps are related: tests of one reaching the other's functions, calls between them, callers they share. */
class Relations {
  private readonly callers: Map<number, number[]> = new Map();
  private readonly callees: Map<number, number[]> = new Map();

  constructor(coreEdges: Int32Array, private readonly groupNodes: (gi: number) => ArrayLike<number>) {
    for (let i = 0; i < coreEdges.length; i += 2) {
      const a = coreEdges[i]!;
      const b = coreEdges[i + 1]!;
      if (a === b) continue;
      push(this.callers, b, a);
      push(this.callees, a, b);
    }
  }

  score(a: Step, b: Step): number {
    const devA = new Set(a.dev);
    const devB = new Set(b.dev);
    let score = 0;
    // Shared tests: a test of one step reaches a function the other develops.
    for (const [x, devY] of [[a, devB], [b, devA]] as const) {
      for (const gi of x.groups) {
        const nodes = this.groupNodes(gi);
        for (let i = 0; i < nodes.length; i++) if (devY.has(nodes[i]!)) score++;
      }
    }
    // Calls between the two steps' functions, and callers they share.
    const callersOfA = new Set<number>();
    for (const n of a.dev) {
      for (const c of this.callees.get(n) ?? []) if (devB.has(c)) score++;
      for (const c of this.callers.get(n) ?? []) {
        if (devB.has(c)) score++;
        else callersOfA.add(c);
      }
    }
    for (const n of b.dev) for (const c of this.callers.get(n) ?? []) if (callersOfA.has(c)) score++;
    return score;
  }
}

/** The index of the step `i` joins, or -1: nearest first, then the higher score, then the earlier one. */
function nearestRelated(steps: readonly Step[], i: number, score: (a: Step, b: Step) => number, groupNodes: MergeInput['groupNodes']): number {
  for (let d = 1; d <= WINDOW; d++) {
    let best = -1;
    let bestScore = 0;
    for (const j of [i - d, i + d]) {
      if (j < 0 || j >= steps.length) continue;
      const sc = score(steps[i]!, steps[j]!);
      if (sc > bestScore && canJoin(steps, i, j, groupNodes)) {
        best = j;
        bestScore = sc;
      }
    }
    if (best >= 0) return best;
  }
  return -1;
}

function push(map: Map<number, number[]>, key: number, value: number): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** How far (in steps) the floor looks for a related step on either side. */
const WINDOW = 8;

/**
 * Whether step `i` can join step `j` without a step's tests running ahead of their functions: the
 * merged step sits at the later position when `j > i` (no step between may reach `i`'s functions), at
 * the earlier one when `j < i` (`i`'s tests may reach nothing the steps between develop).
 */
function canJoin(steps: readonly Step[], i: number, j: number, groupNodes: MergeInput['groupNodes']): boolean {
  const [lo, hi] = i < j ? [i, j] : [j, i];
  const moving = new Set(steps[i]!.dev);
  const reaches = (s: Step, dev: ReadonlySet<number>): boolean =>
    s.groups.some((gi) => {
      const nodes = groupNodes(gi);
      for (let k = 0; k < nodes.length; k++) if (dev.has(nodes[k]!)) return true;
      return false;
    });
  if (i < j) {
    for (let m = lo + 1; m < hi; m++) if (reaches(steps[m]!, moving)) return false;
    return true;
  }
  const between = new Set<number>();
  for (let m = lo + 1; m < hi; m++) for (const d of steps[m]!.dev) between.add(d);
  return between.size === 0 || !reaches(steps[i]!, between);
}

/**
 * Merges every step below the floor into the nearest related step (within 8 steps either side;
 * at equal distance the higher score, then the earlier one), again while the merged step is still below
 * the floor. A step with no related step it can join, or whose merge would exceed `maxFunctions`
 * (default 8), stays as it is.
 */
export function mergeSmallSteps(input: MergeInput): MergeResult {
  const { lines, floor, maxFunctions } = input;
  const steps: Step[] = input.stepGroups.map((groups, i) => ({ groups: [...groups], dev: [...input.stepDev[i]!], merged: 1, parts: [i] }));
  const relations = new Relations(input.coreEdges, input.groupNodes);
  const size = (s: Step): number => s.dev.reduce((sum, n) => sum + lines[n]!, 0);
  const cap = maxFunctions ?? MAX_MERGED_FUNCTIONS;
  const fits = (a: Step, b: Step): boolean => a.dev.length + b.dev.length <= cap;
  let i = 0;
  while (i < steps.length) {
    const s = steps[i]!;
    if (size(s) >= floor) {
      i++;
      continue;
    }
    const j = nearestRelated(steps, i, (a, b) => (fits(a, b) ? relations.score(a, b) : 0), input.groupNodes);
    if (j < 0) {
      i++;
      continue;
    }
    const [lo, hi] = i < j ? [i, j] : [j, i];
    const a = steps[lo]!;
    const b = steps[hi]!;
    // The parts stay in schedule order: each part's tests reach only functions of earlier parts or steps.
    const merged = { groups: [...a.groups, ...b.groups], dev: [...a.dev, ...b.dev], merged: a.merged + b.merged, parts: [...a.parts, ...b.parts] };
    // Later position when the small step moves forward, earlier when it moves back.
    steps.splice(j, 1, merged);
    steps.splice(i, 1);
    // Moving forward, the steps after i are yet to be looked at (the merged one among them); moving
    // back, look at the merged step again: it may still be below the floor.
    if (j < i) i = j;
  }
  return { stepGroups: steps.map((s) => s.groups), stepDev: steps.map((s) => s.dev), mergedFrom: steps.map((s) => s.merged), partsOf: steps.map((s) => s.parts) };
}
