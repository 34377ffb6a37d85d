#!/usr/bin/env node
// Tracing overhead on a prepared checkout (dependencies installed), for BENCHMARKS.md:
//   npx tsc -b packages/tracer/tsconfig.lib.json
//   node packages/tracer/src/adapters/runner-kit.overhead.mjs <checkout> [runs=3]
// Each run is one trace(): the whole suite untraced, then traced, in the same call; prints one JSON
// line per run (runner wall times of both, their ratio) and the median ratio. Uses the built tracer.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'index.js');
const { traceWithInfo } = await import(dist);
const [root, runs = '3'] = process.argv.slice(2);
if (!root) {
  console.error('usage: runner-kit.overhead.mjs <checkout> [runs]');
  process.exit(2);
}
const ratios = [];
for (let i = 0; i < Number(runs); i++) {
  const { trace } = await traceWithInfo({ root, timeoutMs: 1_200_000 });
  const s = trace.stats;
  const ratio = s.tracedWallMs / s.untracedWallMs;
  ratios.push(ratio);
  console.log(JSON.stringify({ runner: trace.runner, i, tests: s.testsTotal, passed: s.testsPassed, excluded: trace.excluded.length, untracedMs: Math.round(s.untracedWallMs), tracedMs: Math.round(s.tracedWallMs), ratio: +ratio.toFixed(2) }));
}
ratios.sort((a, b) => a - b);
console.log(JSON.stringify({ medianRatio: +ratios[Math.floor(ratios.length / 2)].toFixed(2) }));
