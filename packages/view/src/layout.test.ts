import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assignLayers, layoutGraph } from './layout.js';

describe('assignLayers', () => {
  it('puts every callee below each of its callers in an acyclic graph', () => {
    const edges: [string, string][] = [['api', 'core'], ['core', 'helper'], ['api', 'helper'], ['other', 'helper']];
    const layers = assignLayers(['helper', 'core', 'api', 'other'], edges);
    for (const [a, b] of edges) expect(layers.get(a)!).toBeLessThan(layers.get(b)!);
    expect(layers.get('api')).toBe(0);
    expect(layers.get('helper')).toBe(2);
  });

  it('places every node of a graph with cycles and self-calls', () => {
    const layers = assignLayers(['a', 'b', 'c', 'd'], [['a', 'b'], ['b', 'c'], ['c', 'a'], ['c', 'd'], ['d', 'd']]);
    expect([...layers.keys()].sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(layers.get('d')!).toBeGreaterThan(layers.get('c')!);
  });

  it('holds for random DAGs: callers above callees, all nodes placed', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 60 }), fc.array(fc.tuple(fc.nat(59), fc.nat(59)), { maxLength: 200 }), (n, pairs) => {
      const ids = Array.from({ length: n }, (_, i) => `f${i}`);
      // Edges only from lower to higher index: acyclic.
      const edges = pairs.filter(([a, b]) => a < b && b < n).map(([a, b]) => [`f${a}`, `f${b}`] as [string, string]);
      const layers = assignLayers(ids, edges);
      expect(layers.size).toBe(n);
      for (const [a, b] of edges) expect(layers.get(a)!).toBeLessThan(layers.get(b)!);
    }));
  });
});

describe('layoutGraph', () => {
  it('gives distinct positions, callers on higher rows, and wraps wide layers', () => {
    const nodes = Array.from({ length: 50 }, (_, i) => ({ id: `n${i}`, group: `file${i % 3}` }));
    const edges = nodes.slice(1).map((n) => ['n0', n.id] as [string, string]);
    const pos = layoutGraph(nodes, edges, { maxRowWidth: 10 });
    const keys = new Set([...pos.values()].map((p) => `${p.x},${p.y}`));
    expect(keys.size).toBe(50);
    for (const [, b] of edges) expect(pos.get('n0')!.y).toBeLessThan(pos.get(b)!.y);
    expect(new Set(nodes.slice(1).map((n) => pos.get(n.id)!.y)).size).toBe(5);
  });

  it('is deterministic and scales to thousands of nodes', () => {
    const nodes = Array.from({ length: 3000 }, (_, i) => ({ id: `n${i}`, group: `g${i % 40}` }));
    const edges = nodes.slice(1).map((n, i) => [`n${Math.floor(i / 3)}`, n.id] as [string, string]);
    const a = layoutGraph(nodes, edges);
    const b = layoutGraph(nodes, edges);
    expect([...a.entries()]).toEqual([...b.entries()]);
    expect(a.size).toBe(3000);
  });
});
