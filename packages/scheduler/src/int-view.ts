import type { RdgJson, TestRdg } from '@swe-flow/core';
import { Float64Pool, Int32Pool, SortedInterner, compareStrings } from './order.js';

/**
 * The integer form of an RDG that `buildRdg` already computed, kept beside the JSON object so that
 * scheduling in the same process does not look every id up again. It is used only while the JSON
 * it describes is unchanged (same arrays, same test objects); otherwise the scheduler reads strings.
 */
export interface IntRdg {
  ids: SortedInterner;
  /** Per id: 1 when it is a core node of the merged graph. */
  isCore: Uint8Array;
  testsRef: TestRdg[];
  testObjects: TestRdg[];
  mergedNodesRef: unknown;
  mergedEdgesRef: unknown;
  /** Per test, in `testObjects` order: sorted core ranks, sorted target ranks, sorted unique edge keys (a * ids.size + b). */
  core: Int32Array[];
  targets: Int32Array[];
  edgeKeys: Float64Array[];
  /** Merged graph edges as (from, to) rank pairs. */
  mergedPairs: Int32Array;
}

const cache = new WeakMap<RdgJson, IntRdg>();

export function rememberIntRdg(rdg: RdgJson, int: IntRdg): void {
  cache.set(rdg, int);
}

function recall(rdg: RdgJson): IntRdg | undefined {
  const int = cache.get(rdg);
  if (!int) return undefined;
  if (int.testsRef !== rdg.tests || int.mergedNodesRef !== rdg.merged.nodes || int.mergedEdgesRef !== rdg.merged.edges) return undefined;
  if (rdg.tests.length !== int.testObjects.length) return undefined;
  for (let i = 0; i < rdg.tests.length; i++) if (rdg.tests[i] !== int.testObjects[i]) return undefined;
  return int;
}

/** One test in core-rank space. */
export interface ViewTest {
  testId: string;
  core: Int32Array;
  targets: Int32Array;
  /**
   * Sorted unique core → core edge keys (a * interner.size + b), self-calls included. Computed on
   * demand: only tests that end up in a step need them.
   */
  edges: () => Float64Array;
}

/** What the scheduler needs: core ids interned in sorted order, tests sorted by id. */
export interface ScheduleView {
  interner: SortedInterner;
  tests: ViewTest[];
  /** Merged core → core edges as rank pairs (self-calls dropped). */
  coreEdges: Int32Array;
}

function uniqueSorted(a: Int32Array): Int32Array {
  a.sort();
  let w = 0;
  for (let i = 0; i < a.length; i++) if (i === 0 || a[i] !== a[i - 1]) a[w++] = a[i]!;
  return a.subarray(0, w);
}

function uniqueSortedKeys(a: Float64Array, count: number): Float64Array {
  const keys = a.slice(0, count).sort();
  let w = 0;
  for (let i = 0; i < keys.length; i++) if (i === 0 || keys[i] !== keys[i - 1]) keys[w++] = keys[i]!;
  return keys.slice(0, w);
}

export function scheduleView(rdg: RdgJson): ScheduleView {
  const int = recall(rdg);
  return (int && viewFromInts(int)) || viewFromStrings(rdg);
}

/** Undefined when the integer form does not cover every test's core nodes (then strings are read). */
function viewFromInts(int: IntRdg): ScheduleView | undefined {
  const n = int.ids.size;
  const coreRank = new Int32Array(n).fill(-1);
  const values: string[] = [];
  for (let i = 0; i < n; i++) {
    if (int.isCore[i]) {
      coreRank[i] = values.length;
      values.push(int.ids.value(i));
    }
  }
  const interner = new SortedInterner(values, { sorted: true, indexed: false });
  const N = interner.size;
  let buffer = new Float64Array(1024);
  let complete = true;
  const intPool = new Int32Pool();
  const keyPool = new Float64Pool();
  const mapped = (ranks: Int32Array): Int32Array => {
    const out = intPool.copy(ranks);
    for (let i = 0; i < out.length; i++) {
      const r = coreRank[out[i]!]!;
      if (r < 0) complete = false;
      out[i] = r;
    }
    return out;
  };
  const edgesOf = (ti: number): Float64Array => {
    const keys = int.edgeKeys[ti]!;
    if (buffer.length < keys.length) buffer = new Float64Array(keys.length * 2);
    let k = 0;
    for (const key of keys) {
      const a = Math.floor(key / n);
      const ca = coreRank[a]!;
      if (ca < 0) continue;
      const cb = coreRank[key - a * n]!;
      if (cb < 0) continue;
      buffer[k++] = ca * N + cb;
    }
    // Core ranks keep the order of all ranks, so keys stay sorted and unique.
    return keyPool.copy(buffer, k);
  };
  const tests: ViewTest[] = int.testObjects.map((t, ti) => ({
    testId: t.testId,
    core: mapped(int.core[ti]!),
    targets: mapped(int.targets[ti]!),
    edges: () => edgesOf(ti),
  }));
  if (!complete) return undefined;
  const pairs = int.mergedPairs;
  const coreEdges = new Int32Array(pairs.length);
  let k = 0;
  for (let i = 0; i < pairs.length; i += 2) {
    const a = coreRank[pairs[i]!]!;
    const b = coreRank[pairs[i + 1]!]!;
    if (a < 0 || b < 0 || a === b) continue;
    coreEdges[k++] = a;
    coreEdges[k++] = b;
  }
  return { interner, tests, coreEdges: coreEdges.slice(0, k) };
}

function viewFromStrings(rdg: RdgJson): ScheduleView {
  const coreIds = new Set<string>();
  for (const t of rdg.tests) for (const id of t.coreNodes) coreIds.add(id);
  for (const node of rdg.merged.nodes) if (node.role === 'core') coreIds.add(node.id);
  const interner = new SortedInterner(coreIds);
  const N = interner.size;
  const ranks = (ids: readonly string[]): Int32Array => {
    const out = new Int32Array(ids.length);
    for (let i = 0; i < ids.length; i++) out[i] = interner.rank(ids[i]!);
    return uniqueSorted(out);
  };
  let buffer = new Float64Array(1024);
  const tests: ViewTest[] = [...rdg.tests]
    .sort((a, b) => compareStrings(a.testId, b.testId))
    .map((t) => ({
      testId: t.testId,
      core: ranks(t.coreNodes),
      targets: ranks(t.targetCore).filter((r) => r >= 0),
      edges: () => {
        if (buffer.length < t.edges.length) buffer = new Float64Array(t.edges.length * 2);
        let k = 0;
        for (const [a, b] of t.edges) {
          const ra = interner.rank(a);
          if (ra < 0) continue;
          const rb = interner.rank(b);
          if (rb < 0) continue;
          buffer[k++] = ra * N + rb;
        }
        return uniqueSortedKeys(buffer, k);
      },
    }));
  const pairs: number[] = [];
  for (const [a, b] of rdg.merged.edges) {
    const ra = interner.rank(a);
    const rb = interner.rank(b);
    if (ra >= 0 && rb >= 0 && ra !== rb) pairs.push(ra, rb);
  }
  return { interner, tests, coreEdges: Int32Array.from(pairs) };
}
