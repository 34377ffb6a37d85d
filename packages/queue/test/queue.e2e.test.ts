/**
 * The queue with the real thing: a redis-server this test starts on loopback (append-only file on, so
 * it can be restarted), `swe-flow worker` processes, and real synth and eval jobs on the node:test
 * fixture. Outputs are compared with the local pool's.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate } from '@swe-flow/eval';
import { buildRelease } from '@swe-flow/release';
import { checkRedis, evaluateOnQueue, queueExecutor, redisOptions } from '../src/index.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../', import.meta.url));
const cli = path.join(root, 'packages/cli/bin/swe-flow.js');

let tmp: string;
let port: number;
let url: string;
let redis: ChildProcess | undefined;
let dataset: string;
const workers = new Set<ChildProcess>();

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

async function startRedis(): Promise<void> {
  redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', tmp, '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--maxmemory-policy', 'noeviction'], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    if (await checkRedis(url, 500).then(() => true, () => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('redis-server did not start');
}

async function stopRedis(): Promise<void> {
  const r = redis!;
  r.kill('SIGTERM');
  await new Promise((resolve) => r.once('exit', resolve));
}

function startWorker(prefix: string): ChildProcess {
  const child = spawn(process.execPath, [cli, 'worker', '--queue', url, '--queue-prefix', prefix, '--lock-duration', '2000'], { stdio: 'ignore', detached: true });
  workers.add(child);
  child.once('exit', () => workers.delete(child));
  return child;
}

async function stopWorker(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  process.kill(-child.pid!, signal);
  await exited;
}

async function activeJobs(prefix: string): Promise<number> {
  const q = new Queue('eval', { connection: redisOptions(url), prefix });
  const n = await q.getActiveCount();
  await q.close();
  return n;
}

async function completedJobs(prefix: string): Promise<number> {
  const q = new Queue('eval', { connection: redisOptions(url), prefix });
  const n = await q.getCompletedCount();
  await q.close();
  return n;
}

async function gitRepo(dir: string): Promise<void> {
  await cp(path.join(root, 'fixtures/node-test-esm'), dir, { recursive: true, filter: (src) => !src.includes('node_modules') });
  await run('git', ['init', '-q'], { cwd: dir });
  await run('git', ['add', '-A'], { cwd: dir });
  await run('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-qm', 'fixture'], { cwd: dir });
}

const grades = async (runDir: string) => {
  const report = JSON.parse(await readFile(path.join(runDir, 'report.json'), 'utf8')) as { instances: { instance_id: string; grade: string }[] };
  return Object.fromEntries(report.instances.map((i) => [i.instance_id, i.grade]));
};

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'swe-flow-queue-test-'));
  port = await freePort();
  url = `redis://127.0.0.1:${port}`;
  await startRedis();
  await gitRepo(path.join(tmp, 'queue-lib'));
  dataset = path.join(tmp, 'synth');
  await run(process.execPath, [cli, 'synth', path.join(tmp, 'queue-lib'), '--out', dataset, '--max-steps', '4', '--quiet'], { maxBuffer: 64 << 20 });
}, 600_000);

afterAll(async () => {
  for (const w of [...workers]) await stopWorker(w, 'SIGKILL').catch(() => undefined);
  if (redis && redis.exitCode === null) await stopRedis();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('queue workers on Redis', () => {
  it('refuses a Redis that may evict keys, and an unreachable one, with the reason', async () => {
    const { Redis } = await import('ioredis');
    const admin = new Redis(redisOptions(url));
    await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
    try {
      await expect(checkRedis(url)).rejects.toMatchObject({ code: 'SWEFLOW_QUEUE_MISCONFIGURED', message: expect.stringContaining('noeviction') });
      const r = await run(process.execPath, [cli, 'worker', '--queue', url]).catch((e: { code: number; stderr: string }) => e);
      expect(r).toMatchObject({ code: 2, stderr: expect.stringContaining('SWEFLOW_QUEUE_MISCONFIGURED') });
    } finally {
      await admin.config('SET', 'maxmemory-policy', 'noeviction');
      admin.disconnect();
    }
    const away = `redis://127.0.0.1:${await freePort()}`;
    await expect(checkRedis(away, 500)).rejects.toMatchObject({ code: 'SWEFLOW_QUEUE_UNAVAILABLE' });
    // `queue status` against nothing: the code and the fix at once, not a silent minute of reconnects.
    const started = Date.now();
    const status = await run(process.execPath, [cli, 'queue', 'status', '--queue', away]).catch((e: { code: number; stderr: string }) => e);
    expect(status).toMatchObject({ code: 2, stderr: expect.stringContaining('SWEFLOW_QUEUE_UNAVAILABLE') });
    expect((status as { stderr: string }).stderr).toContain('redis-server');
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('grades on two workers as the local pool does; enqueued again, nothing runs twice', async () => {
    const local = await evaluate({ dataset, predictions: 'gold', runtime: 'local', runId: 'local-gold', out: path.join(tmp, 'eval-local') });
    startWorker('t1');
    startWorker('t1');
    const store = path.join(tmp, 'store');
    const remote = await evaluateOnQueue({ url, store, prefix: 't1', dataset, predictions: 'gold', runtime: 'local', runId: 'gold', out: path.join(tmp, 'eval-queue') });
    expect(await grades(path.join(tmp, 'eval-queue', 'gold'))).toEqual(await grades(path.join(tmp, 'eval-local', 'local-gold')));
    expect(remote.counts).toEqual(local.counts);
    expect(remote.counts.resolved).toBe(remote.total);
    for (const i of remote.instances) {
      const dir = path.join(tmp, 'eval-queue', 'gold', i.instance_id);
      expect((await readdir(dir)).sort()).toEqual((await readdir(path.join(tmp, 'eval-local', 'local-gold', i.instance_id))).sort());
    }
    // The same evaluation again: every job's result is reused, no job runs again.
    await evaluateOnQueue({ url, store, prefix: 't1', dataset, predictions: 'gold', runtime: 'local', runId: 'gold-again', out: path.join(tmp, 'eval-queue') });
    expect(await completedJobs('t1')).toBe(remote.total);
    const attempts = [];
    for (const shard of await readdir(path.join(store, 'grade'))) for (const key of await readdir(path.join(store, 'grade', shard))) attempts.push(...(await readdir(path.join(store, 'grade', shard, key))).filter((d) => d.startsWith('attempt-')));
    expect(attempts.length).toBe(remote.total);
    expect(await grades(path.join(tmp, 'eval-queue', 'gold-again'))).toEqual(await grades(path.join(tmp, 'eval-queue', 'gold')));
  }, 600_000);

  it('a worker SIGKILLed mid-job: its job is taken over by another worker and nothing is lost or doubled', async () => {
    for (const w of [...workers]) await stopWorker(w, 'SIGTERM');
    const first = startWorker('t2');
    const evaluation = evaluateOnQueue({ url, store: path.join(tmp, 'store'), prefix: 't2', dataset, predictions: 'empty', runtime: 'local', runId: 'empty', out: path.join(tmp, 'eval-queue') });
    const deadline = Date.now() + 120_000;
    while ((await activeJobs('t2')) === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(await activeJobs('t2')).toBeGreaterThan(0);
    await stopWorker(first, 'SIGKILL');
    startWorker('t2');
    const report = await evaluation;
    expect(report.counts.unresolved).toBe(report.total);
    expect(report.instances.length).toBe(report.total);
    expect(new Set(report.instances.map((i) => i.instance_id)).size).toBe(report.total);
    expect(await completedJobs('t2')).toBe(report.total);
  }, 600_000);

  it('Redis restarted mid-run: the run completes', async () => {
    startWorker('t3');
    const evaluation = evaluateOnQueue({ url, store: path.join(tmp, 'store'), prefix: 't3', dataset, predictions: 'gold', runtime: 'local', runId: 'restart', timeoutMs: 60_001, out: path.join(tmp, 'eval-queue') });
    const deadline = Date.now() + 120_000;
    while ((await activeJobs('t3')) === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await stopRedis();
    await new Promise((r) => setTimeout(r, 1500));
    await startRedis();
    const report = await evaluation;
    expect(report.counts.resolved).toBe(report.total);
  }, 600_000);

  it('a release built on the workers has the local pool\'s tasks, tests and statements', async () => {
    const manifest = path.join(tmp, 'release.json');
    await writeFile(manifest, JSON.stringify({ name: 'q', options: { synth: { maxSteps: 3 }, empty: false }, repositories: [{ url: path.join(tmp, 'queue-lib'), name: 'acme/queue-lib' }] }));
    const local = await buildRelease({ manifest, out: path.join(tmp, 'rel-local'), version: '1.0.0' });
    const executor = await queueExecutor({ url, store: path.join(tmp, 'store'), prefix: 't3' });
    const remote = await buildRelease({ manifest, out: path.join(tmp, 'rel-queue'), version: '1.0.0', executor });
    expect(remote.failed).toBe(0);
    expect(Object.keys(remote.record.splits)).toEqual(Object.keys(local.record.splits));
    // Two separate synths of one repository: the same tasks, tests and statements (created_at is each run's own).
    const rowsOf = async (dir: string) => (await Promise.all(Object.values(local.record.splits).map((s) => readFile(path.join(dir, s.jsonl), 'utf8'))))
      .join('').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
      .map((r) => [r.instance_id, r.patch, r.FAIL_TO_PASS, r.PASS_TO_PASS, r.problem_statement, r.nodes_to_develop, r.license]);
    const localRows = await rowsOf(path.join(tmp, 'rel-local'));
    expect(localRows.length).toBeGreaterThan(0);
    expect(await rowsOf(path.join(tmp, 'rel-queue'))).toEqual(localRows);
  }, 900_000);
});
