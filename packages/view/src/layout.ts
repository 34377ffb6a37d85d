/**
 * A layered layout for the Runtime Dependency Graph, computed once when the site is built so the
 * browser only draws (cytoscape's `preset` layout): force layouts stall at a few thousand nodes.
 * Callers sit above their callees; a layer wider than `maxRowWidth` wraps into several rows.
 */

export interface LayoutNode {
  id: string;
  /** Nodes of one group (a file) are kept side by side within a layer. */
  group: string;
}

export interface Position {
  x: number;
  y: number;
  layer: number;
}

export interface LayoutOptions {
  /** Horizontal distance between nodes of one row. */
  spacingX?: number;
  /** Vertical distance between rows. */
  spacingY?: number;
  /** Nodes per row before a layer wraps; default about twice the square root of the node count. */
  maxRowWidth?: number;
}

/**
 * Layer of each node: the longest caller chain above it, with cycles broken at the edge that closes
 * them (Kahn's order, then the remaining node with the fewest unplaced callers).
 */
export function assignLayers(ids: readonly string[], edges: readonly (readonly [string, string])[]): Map<string, number> {
  const known = new Set(ids);
  const callees = new Map<string, string[]>(ids.map((id) => [id, []]));
  const waiting = new Map<string, number>(ids.map((id) => [id, 0]));
  for (const [from, to] of edges) {
    if (!known.has(from) || !known.has(to) || from === to) continue;
    callees.get(from)!.push(to);
    waiting.set(to, waiting.get(to)! + 1);
  }
  const layer = new Map<string, number>(ids.map((id) => [id, 0]));
  const placed = new Set<string>();
  const ready = ids.filter((id) => waiting.get(id) === 0);
  const place = (id: string) => {
    placed.add(id);
    for (const to of callees.get(id)!) {
      if (placed.has(to)) continue;
      layer.set(to, Math.max(layer.get(to)!, layer.get(id)! + 1));
      const left = waiting.get(to)! - 1;
      waiting.set(to, left);
      if (left === 0) ready.push(to);
    }
  };
  while (placed.size < ids.length) {
    const next = ready.pop();
    if (next !== undefined) {
      if (!placed.has(next)) place(next);
      continue;
    }
    // Only cycles are left: open one at the node with the fewest callers still unplaced.
    let best: string | undefined;
    for (const id of ids) if (!placed.has(id) && (best === undefined || waiting.get(id)! < waiting.get(best)!)) best = id;
    waiting.set(best!, 0);
    ready.push(best!);
  }
  return layer;
}

export function layoutGraph(nodes: readonly LayoutNode[], edges: readonly (readonly [string, string])[], options: LayoutOptions = {}): Map<string, Position> {
  const spacingX = options.spacingX ?? 90;
  const spacingY = options.spacingY ?? 70;
  const maxRowWidth = Math.max(1, options.maxRowWidth ?? Math.ceil(2 * Math.sqrt(nodes.length)));
  const layers = assignLayers(nodes.map((n) => n.id), edges);
  const byLayer = new Map<number, LayoutNode[]>();
  for (const n of nodes) {
    const l = layers.get(n.id)!;
    const list = byLayer.get(l);
    if (list) list.push(n);
    else byLayer.set(l, [n]);
  }
  const callers = new Map<string, string[]>();
  for (const [from, to] of edges) {
    const list = callers.get(to);
    if (list) list.push(from);
    else callers.set(to, [from]);
  }

  const positions = new Map<string, Position>();
  let row = 0;
  for (const l of [...byLayer.keys()].sort((a, b) => a - b)) {
    // Order within a layer: by the mean x of callers already placed (fewer crossings), then group, then id.
    const pull = (n: LayoutNode) => {
      const xs = (callers.get(n.id) ?? []).map((c) => positions.get(c)?.x).filter((x): x is number => x !== undefined);
      return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.POSITIVE_INFINITY;
    };
    const members = byLayer.get(l)!.map((n) => ({ n, pull: pull(n) }));
    members.sort((a, b) => (a.pull === b.pull ? 0 : a.pull < b.pull ? -1 : 1) || a.n.group.localeCompare(b.n.group) || a.n.id.localeCompare(b.n.id));
    for (let i = 0; i < members.length; i += maxRowWidth) {
      const slice = members.slice(i, i + maxRowWidth);
      const offset = ((maxRowWidth - slice.length) * spacingX) / 2;
      slice.forEach(({ n }, j) => positions.set(n.id, { x: offset + j * spacingX, y: row * spacingY, layer: l }));
      row++;
    }
    row++; // a blank row between layers
  }
  return positions;
}
