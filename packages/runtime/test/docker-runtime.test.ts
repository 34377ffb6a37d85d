import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEnvironmentImage, createDockerRuntime, getDocker, type EnvironmentImage } from '../src/index.js';
import type { Workspace } from '@swe-flow/core';
import { hasDocker } from './docker-available.js';
import { commitAll, makeTinyRepo, sh, type TinyRepo } from './helpers.js';

const RUN = randomUUID();
const runLabels = { 'swe-flow.test-run': RUN };

async function countRunContainers(): Promise<number> {
  const list = await getDocker().listContainers({ all: true, filters: { label: [`swe-flow.test-run=${RUN}`] } });
  return list.length;
}

/** Every commit object in the workspace's /testbed repository, reachable or not. */
async function commitsIn(ws: Workspace): Promise<string[]> {
  const r = await ws.exec({ command: 'git', args: ['cat-file', '--batch-all-objects', '--batch-check=%(objecttype) %(objectname)'] }, { timeoutMs: 30_000 });
  return r.stdout.split('\n').filter((l) => l.startsWith('commit ')).map((l) => l.slice(7)).sort();
}

describe.skipIf(!hasDocker)('docker runtime (real engine)', () => {
  let repo: TinyRepo;
  let env: EnvironmentImage;
  let outDir: string;

  beforeAll(async () => {
    repo = await makeTinyRepo();
    outDir = await mkdtemp(path.join(os.tmpdir(), 'swe-flow-drt-'));
    env = await buildEnvironmentImage({ repoDir: repo.source, taskRepo: repo.taskRepo, base: 'offline', outDir });
  }, 900_000);

  afterAll(async () => {
    expect(await countRunContainers()).toBe(0);
    await rm(outDir, { recursive: true, force: true });
  });

  it('applies memory, pids and CPU limits, no network, non-root user and labels', async () => {
    const runtime = createDockerRuntime({ limits: { memoryBytes: 256 * 1024 ** 2, pids: 64, cpus: 0.5 }, labels: runLabels });
    const ws = await runtime.open({ taskRepo: repo.taskRepo, commit: repo.first, image: env.tag, label: 'limits' });
    try {
      const [c] = await getDocker().listContainers({ all: true, filters: { label: [`swe-flow.test-run=${RUN}`] } });
      const info = await getDocker().getContainer(c!.Id).inspect();
      expect(info.HostConfig.Memory).toBe(256 * 1024 ** 2);
      expect(info.HostConfig.MemorySwap).toBe(256 * 1024 ** 2);
      expect(info.HostConfig.PidsLimit).toBe(64);
      expect(info.HostConfig.NanoCpus).toBe(5e8);
      expect(info.HostConfig.NetworkMode).toBe('none');
      expect(info.Config.User).toBe('swe');
      expect(info.Config.Labels).toMatchObject({ 'swe-flow': '1', 'swe-flow.kind': 'workspace', 'swe-flow.commit': repo.first });
      const id = await ws.exec({ command: 'id', args: ['-u'] }, { timeoutMs: 30_000 });
      expect(id.stdout.trim()).toBe('10001');
      // the pids limit is enforced, not just recorded
      const fork = await ws.exec(
        { command: 'sh', args: ['-c', 'for i in $(seq 1 100); do sleep 5 & done 2>/dev/null; echo spawned; jobs | wc -l'] },
        { timeoutMs: 30_000 },
      );
      expect(Number(fork.stdout.trim().split('\n').pop())).toBeLessThan(64);
      // and so is the memory limit: filling 1 GB of buffers in a 256 MiB container gets the process killed
      const hog = await ws.exec(
        { command: 'node', args: ['-e', 'const a = []; for (let i = 0; i < 100; i++) a.push(Buffer.alloc(1e7, 1)); console.log("survived")'] },
        { timeoutMs: 60_000 },
      );
      expect(hog.stdout).not.toContain('survived');
      // SIGKILL from the OOM killer (137), or node aborting when an allocation is refused (134)
      expect([134, 137], hog.stderr.slice(0, 300)).toContain(hog.exitCode);
    } finally {
      await ws.dispose();
    }
  });

  it('has no network: a socket to a listening host server fails, while a bridged container reaches it', async () => {
    const server = http.createServer((_req, res) => res.end('reached'));
    await new Promise<void>((r) => server.listen(0, '0.0.0.0', r));
    const port = (server.address() as AddressInfo).port;
    const bridge = await getDocker().getNetwork('bridge').inspect();
    const gateway = (bridge as { IPAM: { Config: Array<{ Gateway?: string }> } }).IPAM.Config[0]?.Gateway ?? '172.17.0.1';
    const probe = `require('http').get('http://${gateway}:${port}/', (r) => { r.on('data', (d) => console.log(String(d))); }).on('error', (e) => { console.log('ERR', e.code); process.exitCode = 7; }).setTimeout(4000, function () { console.log('ERR timeout'); process.exitCode = 7; this.destroy(); });`;
    const runtime = createDockerRuntime({ labels: runLabels });
    const ws = await runtime.open({ taskRepo: repo.taskRepo, commit: repo.first, image: env.tag, label: 'net' });
    try {
      const r = await ws.exec({ command: 'node', args: ['-e', probe] }, { timeoutMs: 30_000 });
      expect(r.exitCode, r.stdout + r.stderr).toBe(7);
      expect(r.stdout).toMatch(/ERR (ENETUNREACH|EHOSTUNREACH|timeout)/);
      // Loopback still works, by name: test runners (vite) resolve and listen on localhost.
      const loop = await ws.exec(
        {
          command: 'node',
          args: ['-e', "const s = require('http').createServer((q, r) => r.end('loop')).listen(0, 'localhost', () => require('http').get('http://localhost:' + s.address().port, (r) => r.on('data', (d) => { console.log(String(d)); s.close(); })))"],
        },
        { timeoutMs: 30_000 },
      );
      expect(loop.stdout.trim(), loop.stderr).toBe('loop');
      const ifaces = await ws.exec({ command: 'ls', args: ['/sys/class/net'] }, { timeoutMs: 30_000 });
      expect(ifaces.stdout.trim().split(/\s+/)).toEqual(['lo']);
      // Control: the same probe from a bridged container does reach the server, so the check above
      // would fail if the workspace had a network.
      const control = await getDocker().createContainer({
        Image: env.tag,
        Cmd: ['node', '-e', probe],
        Tty: true,
        Labels: { 'swe-flow': '1', ...runLabels },
        HostConfig: { NetworkMode: 'bridge' },
      });
      try {
        await control.start();
        await control.wait();
        const out = (await control.logs({ stdout: true, stderr: true })).toString('utf8');
        expect(out).toContain('reached');
      } finally {
        await control.remove({ force: true });
      }
    } finally {
      await ws.dispose();
      server.close();
    }
  });

  it('checks out the requested commit, and brings in only the commits it is asked for (no other history)', async () => {
    const runtime = createDockerRuntime({ labels: runLabels });
    const a = await runtime.open({ taskRepo: repo.taskRepo, commit: repo.first, image: env.tag });
    try {
      expect(await a.readFile('second.txt')).toBeUndefined();
      expect((await a.exec({ command: 'git', args: ['rev-parse', 'HEAD'] }, { timeoutMs: 30_000 })).stdout.trim()).toBe(repo.first);
      // Moved in place, as verification's lanes do: the same git steps as the local runtime, in the container.
      expect(await a.checkout(repo.second, { changedSince: repo.first })).toEqual(['second.txt']);
      expect(await a.readFile('second.txt')).toBe('from the second commit\n');
      // Each commit came in alone: the container holds the two asked for and nothing else of the task repo.
      expect(await commitsIn(a)).toEqual([repo.first, repo.second].sort());
    } finally {
      await a.dispose();
    }
    // A commit made after the image was built (e.g. a new task step): brought in alone, without its history.
    const later = await mkdtemp(path.join(os.tmpdir(), 'swe-flow-later-'));
    await sh('git', ['clone', '--quiet', repo.taskRepo, later], os.tmpdir());
    await writeFile(path.join(later, 'third.txt'), 'third\n');
    const third = await commitAll(later, 'third');
    const c = await runtime.open({ taskRepo: later, commit: third, image: env.tag });
    try {
      expect(await c.readFile('third.txt')).toBe('third\n');
      expect(await c.readFile('second.txt')).toBe('from the second commit\n');
      expect(await commitsIn(c)).toEqual([third]);
      expect((await c.exec({ command: 'git', args: ['log', '--all', '--format=%H'] }, { timeoutMs: 30_000 })).stdout.trim()).toBe(third);
    } finally {
      await c.dispose();
      await rm(later, { recursive: true, force: true });
    }
  });

  it('runs commands: exit codes, separate stdout/stderr, stdin, files, and refuses paths outside /testbed', async () => {
    const runtime = createDockerRuntime({ labels: runLabels });
    const ws = await runtime.open({ taskRepo: repo.taskRepo, commit: repo.second, image: env.tag });
    try {
      expect(ws.root).toBe('/testbed');
      const r = await ws.exec({ command: 'sh', args: ['-c', 'echo out; echo err >&2; exit 3'] }, { timeoutMs: 30_000 });
      expect(r).toMatchObject({ exitCode: 3, stdout: 'out\n', stderr: 'err\n', timedOut: false });
      const echo = await ws.exec({ command: 'sh', args: ['-c', 'wc -c'] }, { timeoutMs: 30_000, input: 'x'.repeat(100_000) });
      expect(echo.stdout.trim()).toBe('100000');
      const node = await ws.exec({ command: 'node', args: ['-e', "console.log(require('./duration').toMillis('1m'))"], env: { FOO: 'bar' } }, { timeoutMs: 30_000 });
      expect(node.stdout.trim()).toBe('60000');
      await ws.writeFile('out/report.json', '{"ok":true}\n');
      expect(await ws.readFile('out/report.json')).toBe('{"ok":true}\n');
      const big = 'y'.repeat(3_000_000);
      await ws.writeFile('big.txt', big);
      expect((await ws.readFile('big.txt'))?.length).toBe(big.length);
      const cwd = await ws.exec({ command: 'pwd', args: [], cwd: 'out' }, { timeoutMs: 30_000 });
      expect(cwd.stdout.trim()).toBe('/testbed/out');
      await expect(ws.readFile('../etc/passwd')).rejects.toMatchObject({ code: 'SWEFLOW_INPUT_INVALID' });
    } finally {
      await ws.dispose();
      await ws.dispose(); // safe twice
    }
  });

  it('kills and removes the container when a command runs out of time', async () => {
    const runtime = createDockerRuntime({ labels: runLabels });
    const ws = await runtime.open({ taskRepo: repo.taskRepo, commit: repo.first, image: env.tag });
    const [c] = await getDocker().listContainers({ all: true, filters: { label: [`swe-flow.test-run=${RUN}`] } });
    const r = await ws.exec({ command: 'sh', args: ['-c', 'echo started; sleep 600'] }, { timeoutMs: 1500 });
    expect(r.timedOut).toBe(true);
    expect(r.exitCode).toBeNull();
    expect(r.stdout).toBe('started\n');
    expect(r.durationMs).toBeLessThan(20_000);
    await expect(getDocker().getContainer(c!.Id).inspect()).rejects.toMatchObject({ statusCode: 404 });
    await expect(ws.exec({ command: 'true', args: [] }, { timeoutMs: 5000 })).rejects.toMatchObject({ code: 'SWEFLOW_RUN_TIMEOUT' });
    await ws.dispose();
  });

  it('leaves no container behind after success, failure, a bad commit, and a timeout', async () => {
    const runtime = createDockerRuntime({ labels: runLabels });
    const before = await countRunContainers();
    const ok = await runtime.open({ taskRepo: repo.taskRepo, commit: repo.first, image: env.tag });
    expect(await countRunContainers()).toBe(before + 1);
    await ok.exec({ command: 'true', args: [] }, { timeoutMs: 10_000 });
    await ok.dispose();
    const failing = await runtime.open({ taskRepo: repo.taskRepo, commit: repo.first, image: env.tag });
    expect((await failing.exec({ command: 'false', args: [] }, { timeoutMs: 10_000 })).exitCode).toBe(1);
    await failing.dispose();
    await expect(runtime.open({ taskRepo: repo.taskRepo, commit: 'f'.repeat(40), image: env.tag })).rejects.toMatchObject({ code: 'SWEFLOW_GIT_FAILED' });
    const slow = await runtime.open({ taskRepo: repo.taskRepo, commit: repo.first, image: env.tag });
    expect((await slow.exec({ command: 'sleep', args: ['100'] }, { timeoutMs: 1000 })).timedOut).toBe(true);
    await slow.dispose();
    await expect(runtime.open({ taskRepo: repo.taskRepo, commit: repo.first, image: 'swe-flow/does-not-exist:0' })).rejects.toMatchObject({ code: 'SWEFLOW_DOCKER_UNAVAILABLE' });
    // an image without the user: the start fails, and the created container is still removed
    await expect(createDockerRuntime({ labels: runLabels, user: 'nobody-here' }).open({ taskRepo: repo.taskRepo, commit: repo.first, image: env.tag })).rejects.toMatchObject({ code: 'SWEFLOW_DOCKER_UNAVAILABLE' });
    expect(await countRunContainers()).toBe(before);
  });
});
