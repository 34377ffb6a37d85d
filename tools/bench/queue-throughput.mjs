#!/usr/bin/env node
// Evaluation throughput on queue workers against the local pool, in one run: the same dataset and
// predictions graded locally with --workers K and on the queue with K worker processes, K in 1 2 4.
// Needs a redis-server binary (started here on a free loopback port). Usage:
//   node tools/bench/queue-throughput.mjs <synth-out-dir> [gold|empty|predictions.jsonl]
import { spawn, execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { evaluate } from '@swe-flow/eval';
import { checkRedis, evaluateOnQueue } from '@swe-flow/queue';

const dataset = path.resolve(process.argv[2]);
const predictions = process.argv[3] ?? 'gold';
const cli = fileURLToPath(new URL('../../packages/cli/bin/swe-flow.js', import.meta.url));
const tmp = await mkdtemp(path.join(os.tmpdir(), 'swe-flow-queue-bench-'));
const port = await new Promise((r) => { const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => r(p)); }); });
const url = `redis://127.0.0.1:${port}`;
const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'], { stdio: 'ignore' });
for (let i = 0; i < 100 && !(await checkRedis(url, 500).then(() => true, () => false)); i++) await new Promise((r) => setTimeout(r, 100));
const rows = [];
try {
  for (const k of [1, 2, 4]) {
    let t0 = Date.now();
    const local = await evaluate({ dataset, predictions, runtime: 'local', workers: k, runId: `local-${k}`, out: path.join(tmp, 'out') });
    const localMs = Date.now() - t0;
    const prefix = `bench${k}`;
    const workers = Array.from({ length: k }, () => spawn(process.execPath, [cli, 'worker', '--queue', url, '--queue-prefix', prefix], { stdio: 'ignore' }));
    t0 = Date.now();
    const remote = await evaluateOnQueue({ url, store: path.join(tmp, `store-${k}`), prefix, dataset, predictions, runtime: 'local', runId: `queue-${k}`, out: path.join(tmp, 'out') });
    const queueMs = Date.now() - t0;
    for (const w of workers) w.kill('SIGTERM');
    await Promise.all(workers.map((w) => new Promise((r) => w.once('exit', r))));
    rows.push({ k, instances: local.total, localMs, queueMs, localPerMin: +(local.total / (localMs / 60000)).toFixed(1), queuePerMin: +(remote.total / (queueMs / 60000)).toFixed(1), queueOverLocal: +(queueMs / localMs).toFixed(2), sameGrades: JSON.stringify(local.counts) === JSON.stringify(remote.counts) });
  }
} finally {
  redis.kill('SIGTERM');
  await rm(tmp, { recursive: true, force: true });
}
console.log(JSON.stringify({ load: os.loadavg().map((x) => +x.toFixed(1)), rows }, null, 2));
