// Benchmark: cost per instrumented call (sync and async), instrumented vs original code, same process.
// usage: npx tsc -b packages/tracer/tsconfig.lib.json && node packages/tracer/bench/call-cost.mjs
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { instrumentSource, RECORDER_PATH } from '../dist/index.js';

const source = `
export function leaf(x) { return x + 1; }
export function syncLoop(n) { let s = 0; for (let i = 0; i < n; i++) s = leaf(s); return s; }
export async function aleaf(x) { return x + 1; }
export async function asyncLoop(n) { let s = 0; for (let i = 0; i < n; i++) s = await aleaf(s); return s; }
`;
const dir = await mkdtemp(path.join(os.tmpdir(), 'sweflow-callcost-'));
const out = instrumentSource(source, path.join(dir, 'src', 'hot.mjs'), { root: dir });
await writeFile(path.join(dir, 'plain.mjs'), source);
await writeFile(path.join(dir, 'instrumented.mjs'), out.code);
const rec = createRequire(import.meta.url)(RECORDER_PATH);
const plain = await import(pathToFileURL(path.join(dir, 'plain.mjs')).href);
const inst = await import(pathToFileURL(path.join(dir, 'instrumented.mjs')).href);
rec.beginFile('bench');
rec.beginTest('bench');

async function time(fn, n) {
  await fn(Math.min(n, 100_000)); // warm up
  const best = [];
  for (let r = 0; r < 5; r++) {
    const t0 = process.hrtime.bigint();
    await fn(n);
    best.push(Number(process.hrtime.bigint() - t0) / n);
  }
  return Math.min(...best);
}
const N = 5_000_000;
const A = 1_000_000;
const res = {
  syncPlainNsPerCall: await time(plain.syncLoop, N),
  syncInstrumentedNsPerCall: await time(inst.syncLoop, N),
  asyncPlainNsPerCall: await time(plain.asyncLoop, A),
  asyncInstrumentedNsPerCall: await time(inst.asyncLoop, A),
};
rec.endTest('bench');
const fmt = Object.fromEntries(Object.entries(res).map(([k, v]) => [k, +v.toFixed(1)]));
fmt.syncOverheadNs = +(res.syncInstrumentedNsPerCall - res.syncPlainNsPerCall).toFixed(1);
fmt.asyncOverheadNs = +(res.asyncInstrumentedNsPerCall - res.asyncPlainNsPerCall).toFixed(1);
fmt.node = process.version;
fmt.loadavg = os.loadavg().map((x) => +x.toFixed(2));
console.log(JSON.stringify(fmt, null, 1));
