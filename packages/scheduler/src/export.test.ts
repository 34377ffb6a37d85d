import { describe, expect, it } from 'vitest';
import { SCHEDULE_SCHEMA_VERSION, type RdgJson } from '@swe-flow/core';
import { buildRdg, toDot, toMermaid } from './index.js';
import { core, scenario } from './__fixtures__/make-trace.js';

const nasty = 'src/we"ird\\path.ts:3:1:<anon>#[x]|y{z}&';
const graph: RdgJson = {
  schemaVersion: SCHEDULE_SCHEMA_VERSION,
  tests: [],
  merged: {
    nodes: [
      { id: 'test/a.test.ts:1:1:t', role: 'test' },
      { id: nasty, role: 'core' },
      { id: 'src/a.ts:1:1:a', role: 'core' },
    ],
    edges: [
      ['test/a.test.ts:1:1:t', 'src/a.ts:1:1:a', 2],
      ['src/a.ts:1:1:a', nasty, 5],
    ],
  },
};

describe('toDot', () => {
  it('writes a deterministic digraph with escaped ids and call counts', () => {
    const dot = toDot(graph);
    expect(dot).toBe(
      [
        'digraph "rdg" {',
        '  rankdir=LR;',
        '  node [fontname="monospace"];',
        '  "src/a.ts:1:1:a" [shape=box, class=core];',
        '  "src/we\\"ird\\\\path.ts:3:1:<anon>#[x]|y{z}&" [shape=box, class=core];',
        '  "test/a.test.ts:1:1:t" [shape=ellipse, style=filled, fillcolor="#e8e8e8", class=test];',
        '  "src/a.ts:1:1:a" -> "src/we\\"ird\\\\path.ts:3:1:<anon>#[x]|y{z}&" [label="5"];',
        '  "test/a.test.ts:1:1:t" -> "src/a.ts:1:1:a" [label="2"];',
        '}',
        '',
      ].join('\n'),
    );
    const reversed: RdgJson = { ...graph, merged: { nodes: [...graph.merged.nodes].reverse(), edges: [...graph.merged.edges].reverse() } };
    expect(toDot(reversed)).toBe(dot);
    // Every quote inside a string is escaped: the unescaped quotes pair up on every line.
    for (const line of dot.split('\n')) expect((line.replace(/\\\\/g, '').replace(/\\"/g, '').match(/"/g) ?? []).length % 2).toBe(0);
  });

  it('leaves test nodes out with coreOnly', () => {
    const dot = toDot(graph, { coreOnly: true });
    expect(dot).not.toContain('test/a.test.ts');
    expect(dot.match(/->/g)).toHaveLength(1);
  });
});

describe('toMermaid', () => {
  it('writes a flowchart with stable node keys and entity-escaped labels', () => {
    const mm = toMermaid(graph);
    expect(mm).toBe(
      [
        '---',
        'title: "rdg"',
        '---',
        'flowchart LR',
        '  n0["src/a.ts:1:1:a"]',
        '  n1["src/we#34;ird#92;path.ts:3:1:#60;anon#62;#35;#91;x#93;#124;y#123;z#125;#38;"]',
        '  n2(["test/a.test.ts:1:1:t"])',
        '  n0 -->|5| n1',
        '  n2 -->|2| n0',
        '  classDef test fill:#e8e8e8,stroke:#888',
        '  classDef core fill:#fff,stroke:#333',
        '  class n2 test',
        '  class n0,n1 core',
        '',
      ].join('\n'),
    );
  });

  it('exports an RDG built from a trace, covering every merged edge', () => {
    const rdg = buildRdg(scenario([{ name: 't', calls: ['a'], deps: [['a', 'b']] }]));
    const mm = toMermaid(rdg);
    expect(mm.match(/-->/g)).toHaveLength(rdg.merged.edges.length);
    expect(mm).toContain(`["${core('b')}"]`);
    expect(toDot(rdg).match(/->/g)).toHaveLength(rdg.merged.edges.length);
  });
});
