// Benchmark: traced ÷ untraced suite wall time and trace size, on a prepared checkout.
// usage: npx tsc -b packages/tracer/tsconfig.lib.json && node packages/tracer/bench/trace-overhead.mjs <root> [rounds=5]
// Each round runs the suite untraced, then traced (trace() does both); medians are reported.
import { stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { traceWithInfo } from '../dist/index.js';

const root = path.resolve(process.argv[2] ?? '.');
const rounds = Number(process.argv[3] ?? 5);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const traced = [];
const untraced = [];
let last;
for (let i = 0; i < rounds; i++) {
  const outFile = path.join(os.tmpdir(), `sweflow-bench-${process.pid}.json`);
  const info = await traceWithInfo({ root, outFile, timeoutMs: 600_000 });
  traced.push(info.trace.stats.tracedWallMs);
  untraced.push(info.trace.stats.untracedWallMs);
  last = { info, bytes: (await stat(outFile)).size };
}
const tests = last.info.tracedResults.length;
const edges = last.info.trace.tests.reduce((n, t) => n + t.edges.length, 0);
console.log(
  JSON.stringify(
    {
      root,
      rounds,
      tests,
      untracedMs: untraced,
      tracedMs: traced,
      medianUntracedMs: median(untraced),
      medianTracedMs: median(traced),
      ratio: +(median(traced) / median(untraced)).toFixed(2),
      traceJsonBytes: last.bytes,
      traceJsonBytesPer1000Tests: Math.round((last.bytes / tests) * 1000),
      fragmentBytes: last.info.fragmentBytes,
      edgesTotal: edges,
      loadavg: os.loadavg().map((x) => +x.toFixed(2)),
      cpus: os.cpus().length,
      node: process.version,
    },
    null,
    1,
  ),
);
