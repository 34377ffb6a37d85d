// Micro-benchmark of the skeletonizer on a generated 1,000-line TypeScript file with 200 functions.
// usage: npx tsc -b packages/skeleton/tsconfig.lib.json && node packages/skeleton/bench/stub-bench.mjs
import { performance } from 'node:perf_hooks';
import os from 'node:os';
import {
  computeReturnTypePins,
  locateFunctions,
  parseSource,
  planDocComments,
  stubFunctions,
} from '../dist/index.js';

/** 40 blocks of 25 lines, each with 5 functions: a declaration, a derived class's constructor and method, two arrows. */
function generate() {
  const lines = [];
  for (let i = 0; i < 40; i++) {
    lines.push(
      `export function compute${i}(a: number, b: number) {`,
      `  const sum = a + b * ${i};`,
      `  if (sum > ${i * 10}) return sum - ${i};`,
      `  return helper${i}(sum) + ${i};`,
      `}`,
      `export class Worker${i} extends Map<string, number> {`,
      `  private items: number[] = [];`,
      `  constructor(public label: string) {`,
      `    super();`,
      `    this.items.push(${i});`,
      `  }`,
      `  total() {`,
      `    let t = 0;`,
      `    for (const x of this.items) t += x;`,
      `    return t * ${i};`,
      `  }`,
      `}`,
      `const helper${i} = (x: number) => x * ${i} + 1;`,
      `export const format${i} = (w: { label: string }, n: number) => {`,
      `  const label = w.label.trim();`,
      `  const parts = [label, String(n), '${i}'];`,
      `  return parts.join(':');`,
      `};`,
      `// ----- block ${i} -----`,
      ``,
    );
  }
  return lines.join('\n');
}

const FILE = 'src/generated.ts';
const code = generate();
const fns = locateFunctions(code, FILE);
const ids = fns.map((f) => f.id);

/** Round-robin over the operations so that load from other processes hits them alike. */
function measureAll(ops, rounds) {
  for (const op of ops) for (let i = 0; i < 3; i++) op.fn(); // warm-up
  const samples = ops.map(() => []);
  for (let r = 0; r < rounds; r++) {
    ops.forEach((op, i) => {
      if (r >= op.rounds) return;
      const t0 = performance.now();
      op.fn();
      samples[i].push(performance.now() - t0);
    });
  }
  return ops.map((op, i) => {
    const s = samples[i].sort((a, b) => a - b);
    return { name: op.name, median: s[Math.floor(s.length / 2)], p90: s[Math.floor(s.length * 0.9)], n: s.length };
  });
}

const docs = Object.fromEntries(ids.map((id) => [id, 'Doc.']));
const results = measureAll(
  [
    { name: 'parseSource (baseline)', fn: () => parseSource(code, FILE), rounds: 100 },
    { name: 'locateFunctions', fn: () => locateFunctions(code, FILE), rounds: 100 },
    { name: 'stubFunctions, 200 of 200 ids', fn: () => stubFunctions(code, FILE, ids), rounds: 100 },
    { name: 'stubFunctions, 20 of 200 ids', fn: () => stubFunctions(code, FILE, ids.slice(0, 20)), rounds: 100 },
    { name: 'planDocComments, 200 ids', fn: () => planDocComments(code, FILE, docs), rounds: 100 },
    { name: 'computeReturnTypePins, 200 ids, new in-memory project', fn: () => computeReturnTypePins([{ path: FILE, code }], ids), rounds: 8 },
    {
      name: 'computeReturnTypePins, 200 ids, verify off',
      fn: () => computeReturnTypePins([{ path: FILE, code }], ids, { verify: false }),
      rounds: 8,
    },
  ],
  100,
);
const baseline = results[0].median;
console.log(`file: ${code.split('\n').length} lines, ${fns.length} functions, ${code.length} bytes`);
console.log(`node ${process.version}, ${os.cpus().length} x ${os.cpus()[0]?.model}, ${new Date().toISOString()}`);
console.log('| operation | runs | median ms | p90 ms | × parse |');
console.log('|---|---:|---:|---:|---:|');
for (const r of results) {
  console.log(`| ${r.name} | ${r.n} | ${r.median.toFixed(2)} | ${r.p90.toFixed(2)} | ${(r.median / baseline).toFixed(2)} |`);
}
