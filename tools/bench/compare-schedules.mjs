#!/usr/bin/env node
// Rebuilds rdg.json, schedule.json and order-comparison.json from the trace.json of existing
// `swe-flow synth` output directories with the current (built) scheduler, and compares them byte for
// byte with the files the run wrote (default schedule options). A cheap check that a scheduler change
// keeps schedules identical, without tracing again.
//   npm run build && node tools/bench/compare-schedules.mjs <out-dir>...
// Exits 1 when any differs.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { scheduleFromTrace } = await import(path.join(root, 'packages/pipeline/dist/index.js'));
const dirs = process.argv.slice(2);
if (dirs.length === 0) {
  console.error('usage: compare-schedules.mjs <out-dir>...');
  process.exit(2);
}
let differ = 0;
for (const dir of dirs) {
  const trace = JSON.parse(readFileSync(path.join(dir, 'trace.json'), 'utf8'));
  const out = mkdtempSync(path.join(os.tmpdir(), 'swf-compare-schedules-'));
  await scheduleFromTrace(trace, out, { order: 'dependency', frozen: trace.moduleLoadFunctions });
  const files = ['rdg.json', 'schedule.json', 'order-comparison.json'];
  const changed = files.filter((f) => readFileSync(path.join(dir, f), 'utf8') !== readFileSync(path.join(out, f), 'utf8'));
  rmSync(out, { recursive: true, force: true });
  differ += changed.length > 0 ? 1 : 0;
  console.log(`${dir}: ${changed.length === 0 ? 'identical' : `differ in ${changed.join(', ')}`}`);
}
process.exit(differ > 0 ? 1 : 0);
