import type { RdgJson } from '@swe-flow/core';
import { buildCsr, condensationOrder } from './graph.js';
import type { SortedInterner } from './order.js';

/**
 * The longest call chain below every core node: the number of functions on the longest chain of
 * core → core calls that starts at it (1 = it calls no other core function). Calls inside a cycle
 * (strongly connected component) count once, so the figure is finite and deterministic.
 */
export function callDepths(n: number, coreEdges: Int32Array): Int32Array {
  const m = coreEdges.length / 2;
  const from = new Int32Array(m);
  const to = new Int32Array(m);
  for (let i = 0; i < m; i++) {
    from[i] = coreEdges[2 * i]!;
    to[i] = coreEdges[2 * i + 1]!;
  }
  const g = buildCsr(n, from, to, m);
  const { order, comp, components } = condensationOrder(g);
  // `order` puts callers before callees: walk it backwards so every callee's depth is known.
  const depth = new Int32Array(components).fill(1);
  for (let k = order.length - 1; k >= 0; k--) {
    const v = order[k]!;
    const c = comp[v]!;
    for (let e = g.offsets[v]!; e < g.offsets[v + 1]!; e++) {
      const w = comp[g.targets[e]!]!;
      if (w !== c && depth[w]! + 1 > depth[c]!) depth[c] = depth[w]! + 1;
    }
  }
  const out = new Int32Array(n);
  for (let v = 0; v < n; v++) out[v] = depth[comp[v]!]!;
  return out;
}

/** Per core id, every function (test or core) that calls it in the merged graph, self-calls excluded. */
export function callersById(rdg: RdgJson): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [caller, callee] of rdg.merged.edges) {
    if (caller === callee) continue;
    const list = out.get(callee);
    if (list) list.push(caller);
    else out.set(callee, [caller]);
  }
  return out;
}

/** A step's evidence: the deepest call chain its functions start, and how many distinct functions outside the step call them. */
export function stepEvidence(dev: readonly number[], interner: SortedInterner, depths: Int32Array, callers: Map<string, string[]>): { callDepth: number; callers: number } {
  let callDepth = 0;
  const devIds = new Set(dev.map((r) => interner.value(r)));
  const outside = new Set<string>();
  for (const r of dev) {
    if (depths[r]! > callDepth) callDepth = depths[r]!;
    for (const c of callers.get(interner.value(r)) ?? []) if (!devIds.has(c)) outside.add(c);
  }
  return { callDepth, callers: outside.size };
}
