#!/usr/bin/env node
/**
 * Instances graded per minute with gold predictions: local vs docker, 1 vs 2 workers, in one run.
 * usage: node packages/eval/bench/eval-bench.mjs <synth output dir> [runtimes=local,docker] [workers=1,2]
 * Needs the built packages (npx tsc -b packages/cli/tsconfig.lib.json). Every configuration gets a
 * fresh run id, so nothing is served from stored reports; the docker image is built (or found) first,
 * outside the timings.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { evaluate, loadDataset } from '../dist/index.js';

const [dataset, runtimesArg = 'local,docker', workersArg = '1,2'] = process.argv.slice(2);
if (!dataset) {
  console.error('usage: eval-bench.mjs <synth output dir> [local,docker] [1,2]');
  process.exit(2);
}
const firstId = (await loadDataset(dataset)).rows[0].instance_id;
const out = await mkdtemp(path.join(os.tmpdir(), 'swe-flow-eval-bench-'));
const results = [];
try {
  for (const runtime of runtimesArg.split(',')) {
    if (runtime === 'docker') {
      // Warm-up outside the timings: finds or builds the environment image.
      await evaluate({ dataset, predictions: 'gold', runtime, runId: 'warmup-docker', out, instances: [firstId] });
    }
    for (const workers of workersArg.split(',').map(Number)) {
      const started = performance.now();
      const run = await evaluate({ dataset, predictions: 'gold', runtime, workers, runId: `${runtime}-w${workers}-${Date.now()}`, out });
      const s = (performance.now() - started) / 1000;
      results.push({ runtime, workers, instances: run.total, resolved: run.counts.resolved, errors: run.counts.error, seconds: +s.toFixed(1), perMinute: +((run.total / s) * 60).toFixed(1) });
      console.error(JSON.stringify(results.at(-1)));
    }
  }
} finally {
  await rm(out, { recursive: true, force: true });
}
const base = results[0];
console.log('| runtime | workers | instances | resolved | wall (s) | instances/min | ratio to first |');
console.log('|---|---|---|---|---|---|---|');
for (const r of results) console.log(`| ${r.runtime} | ${r.workers} | ${r.instances} | ${r.resolved} | ${r.seconds} | ${r.perMinute} | ${(r.perMinute / base.perMinute).toFixed(2)}× |`);
