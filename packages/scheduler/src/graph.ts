/** Directed graph over 0..n-1 in compressed sparse row form; duplicate edges are allowed. */
export interface Csr {
  n: number;
  offsets: Int32Array;
  targets: Int32Array;
}

export function buildCsr(n: number, from: Int32Array, to: Int32Array, count: number): Csr {
  const offsets = new Int32Array(n + 1);
  for (let i = 0; i < count; i++) offsets[from[i]! + 1]!++;
  for (let i = 0; i < n; i++) offsets[i + 1]! += offsets[i]!;
  const fill = offsets.slice(0, n);
  const targets = new Int32Array(count);
  for (let i = 0; i < count; i++) targets[fill[from[i]!]!++] = to[i]!;
  return { n, offsets, targets };
}

/** Strongly connected components (iterative Tarjan). Returns the component of every node. */
export function stronglyConnectedComponents(g: Csr): { comp: Int32Array; count: number } {
  const { n, offsets, targets } = g;
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack = new Int32Array(n);
  const callNode = new Int32Array(n);
  const callEdge = new Int32Array(n);
  const comp = new Int32Array(n).fill(-1);
  let sp = 0;
  let next = 0;
  let count = 0;
  for (let s = 0; s < n; s++) {
    if (index[s] !== -1) continue;
    let csp = 0;
    index[s] = low[s] = next++;
    stack[sp++] = s;
    onStack[s] = 1;
    callNode[csp] = s;
    callEdge[csp++] = offsets[s]!;
    while (csp > 0) {
      const v = callNode[csp - 1]!;
      const e = callEdge[csp - 1]!;
      if (e < offsets[v + 1]!) {
        callEdge[csp - 1] = e + 1;
        const w = targets[e]!;
        if (index[w] === -1) {
          index[w] = low[w] = next++;
          stack[sp++] = w;
          onStack[w] = 1;
          callNode[csp] = w;
          callEdge[csp++] = offsets[w]!;
        } else if (onStack[w] && index[w]! < low[v]!) {
          low[v] = index[w]!;
        }
        continue;
      }
      csp--;
      if (low[v] === index[v]) {
        let w: number;
        do {
          w = stack[--sp]!;
          onStack[w] = 0;
          comp[w] = count;
        } while (w !== v);
        count++;
      }
      if (csp > 0) {
        const u = callNode[csp - 1]!;
        if (low[v]! < low[u]!) low[u] = low[v]!;
      }
    }
  }
  return { comp, count };
}

/** A binary min-heap of integers ordered by a numeric key per item. */
export class MinHeap {
  private readonly items: number[] = [];
  constructor(private readonly key: (item: number) => number) {}

  get size(): number {
    return this.items.length;
  }

  push(item: number): void {
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    const k = this.key(item);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.key(a[p]!) <= k) break;
      a[i] = a[p]!;
      i = p;
    }
    a[i] = item;
  }

  pop(): number | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      const k = this.key(last);
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= a.length) break;
        const r = l + 1;
        const c = r < a.length && this.key(a[r]!) < this.key(a[l]!) ? r : l;
        if (this.key(a[c]!) >= k) break;
        a[i] = a[c]!;
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
}

/**
 * Orders nodes so that every edge u → v puts u before v, except inside a strongly connected
 * component. Among the components that are ready, the one whose smallest node is smallest goes first;
 * inside a component nodes go in ascending order. With nodes numbered by a tie order, this is the
 * topological order closest to that tie order.
 */
export function condensationOrder(g: Csr): { order: Int32Array; comp: Int32Array; components: number } {
  const { comp, count } = stronglyConnectedComponents(g);
  const minNode = new Int32Array(count).fill(0x7fffffff);
  const size = new Int32Array(count);
  for (let v = 0; v < g.n; v++) {
    const c = comp[v]!;
    size[c]!++;
    if (v < minNode[c]!) minNode[c] = v;
  }
  // Members of each component, ascending (v iterates ascending).
  const memberOffsets = new Int32Array(count + 1);
  for (let c = 0; c < count; c++) memberOffsets[c + 1] = memberOffsets[c]! + size[c]!;
  const fill = memberOffsets.slice(0, count);
  const members = new Int32Array(g.n);
  for (let v = 0; v < g.n; v++) members[fill[comp[v]!]!++] = v;

  const indegree = new Int32Array(count);
  for (let v = 0; v < g.n; v++) {
    for (let e = g.offsets[v]!; e < g.offsets[v + 1]!; e++) {
      const w = g.targets[e]!;
      if (comp[w] !== comp[v]) indegree[comp[w]!]!++;
    }
  }
  // The heap holds each ready component's smallest node (unique), which is also its priority.
  const heap = new MinHeap((v) => v);
  for (let c = 0; c < count; c++) if (indegree[c] === 0) heap.push(minNode[c]!);
  const order = new Int32Array(g.n);
  let k = 0;
  for (let top = heap.pop(); top !== undefined; top = heap.pop()) {
    const c = comp[top]!;
    for (let m = memberOffsets[c]!; m < memberOffsets[c + 1]!; m++) {
      const v = members[m]!;
      order[k++] = v;
      for (let e = g.offsets[v]!; e < g.offsets[v + 1]!; e++) {
        const w = g.targets[e]!;
        const cw = comp[w]!;
        if (cw !== c && --indegree[cw]! === 0) heap.push(minNode[cw]!);
      }
    }
  }
  return { order, comp, components: count };
}
