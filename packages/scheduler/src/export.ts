import type { RdgJson } from '@swe-flow/core';
import { compareStrings } from './order.js';

export interface GraphExportOptions {
  /** Leave out test nodes and every edge touching them. */
  coreOnly?: boolean;
  /** Graph title (DOT graph name / Mermaid title). Default `rdg`. */
  title?: string;
}

function selected(rdg: RdgJson, opts: GraphExportOptions) {
  const nodes = rdg.merged.nodes
    .filter((n) => !opts.coreOnly || n.role === 'core')
    .sort((a, b) => compareStrings(a.id, b.id));
  const keep = new Set(nodes.map((n) => n.id));
  const edges = rdg.merged.edges
    .filter(([a, b]) => keep.has(a) && keep.has(b))
    .sort((x, y) => compareStrings(x[0], y[0]) || compareStrings(x[1], y[1]));
  return { nodes, edges };
}

/** A DOT double-quoted string: backslashes and quotes escaped, line breaks as `\n`. */
export function dotString(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r\n|\r|\n/g, '\\n')}"`;
}

/** The whole RDG as a Graphviz digraph: core nodes as boxes, test nodes as grey ellipses, edge labels = call counts. */
export function toDot(rdg: RdgJson, opts: GraphExportOptions = {}): string {
  const { nodes, edges } = selected(rdg, opts);
  const lines = [`digraph ${dotString(opts.title ?? 'rdg')} {`, '  rankdir=LR;', '  node [fontname="monospace"];'];
  for (const n of nodes) {
    const style = n.role === 'core' ? 'shape=box' : 'shape=ellipse, style=filled, fillcolor="#e8e8e8"';
    lines.push(`  ${dotString(n.id)} [${style}, class=${n.role}];`);
  }
  for (const [a, b, count] of edges) lines.push(`  ${dotString(a)} -> ${dotString(b)} [label="${count}"];`);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/**
 * Escapes text for a Mermaid quoted label: characters Mermaid or its HTML rendering would interpret
 * become numeric entity codes (`#34;`), which Mermaid decodes back for display.
 */
export function mermaidLabel(value: string): string {
  return `"${value.replace(/[#"<>&`|\\[\]{}()\r\n]/g, (c) => `#${c.charCodeAt(0)};`)}"`;
}

/** The whole RDG as a Mermaid flowchart; nodes get stable ids `n0, n1, ...` in sorted id order. */
export function toMermaid(rdg: RdgJson, opts: GraphExportOptions = {}): string {
  const { nodes, edges } = selected(rdg, opts);
  const key = new Map<string, string>();
  nodes.forEach((n, i) => key.set(n.id, `n${i}`));
  // The title sits in YAML front matter, where a JSON string is a valid double-quoted scalar.
  const lines = ['---', `title: ${JSON.stringify(opts.title ?? 'rdg')}`, '---', 'flowchart LR'];
  for (const n of nodes) {
    const label = mermaidLabel(n.id);
    lines.push(n.role === 'core' ? `  ${key.get(n.id)}[${label}]` : `  ${key.get(n.id)}([${label}])`);
  }
  for (const [a, b, count] of edges) lines.push(`  ${key.get(a)} -->|${count}| ${key.get(b)}`);
  lines.push('  classDef test fill:#e8e8e8,stroke:#888');
  lines.push('  classDef core fill:#fff,stroke:#333');
  for (const role of ['test', 'core'] as const) {
    const ids = nodes.filter((n) => n.role === role).map((n) => key.get(n.id)!);
    if (ids.length > 0) lines.push(`  class ${ids.join(',')} ${role}`);
  }
  return `${lines.join('\n')}\n`;
}
