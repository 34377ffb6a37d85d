import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { randomUUID } from 'node:crypto';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEnvironmentImage, getDocker, type EnvironmentImage } from '../src/index.js';
import { hasDocker } from './docker-available.js';
import { makeTinyRepo, type TinyRepo } from './helpers.js';

const PKG = fileURLToPath(new URL('..', import.meta.url));

describe.skipIf(!hasDocker)('cleanup when the process is interrupted', () => {
  let repo: TinyRepo;
  let env: EnvironmentImage;
  let outDir: string;

  beforeAll(async () => {
    // The child process runs the built package, as a user's script would.
    await execa('npx', ['tsc', '-b', 'tsconfig.lib.json'], { cwd: PKG });
    repo = await makeTinyRepo();
    outDir = await mkdtemp(path.join(os.tmpdir(), 'swe-flow-sig-'));
    env = await buildEnvironmentImage({ repoDir: repo.source, taskRepo: repo.taskRepo, base: 'offline', outDir });
  }, 900_000);

  afterAll(async () => {
    await rm(outDir, { recursive: true, force: true });
  });

  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    it(`removes live containers and checkouts on ${signal}, then dies of the signal`, async () => {
      const run = randomUUID();
      const entry = pathToFileURL(path.join(PKG, 'dist', 'index.js')).href;
      const script = `
        import { createDockerRuntime, createLocalRuntime } from ${JSON.stringify(entry)};
        const docker = createDockerRuntime({ labels: { 'swe-flow.test-run': ${JSON.stringify(run)} } });
        const ws = await docker.open({ taskRepo: ${JSON.stringify(repo.taskRepo)}, commit: ${JSON.stringify(repo.first)}, image: ${JSON.stringify(env.tag)} });
        const local = await createLocalRuntime().open({ taskRepo: ${JSON.stringify(repo.taskRepo)}, commit: ${JSON.stringify(repo.first)} });
        console.log('READY ' + local.root);
        setInterval(() => {}, 1000);
      `;
      const child = execa('node', ['--input-type=module', '-e', script], { reject: false, cwd: PKG });
      const root = await new Promise<string>((resolve, reject) => {
        let seen = '';
        child.stdout?.on('data', (d: Buffer) => {
          seen += String(d);
          const m = /READY (\S+)/.exec(seen);
          if (m?.[1] !== undefined) resolve(m[1]);
        });
        void child.then((r) => reject(new Error(`child exited early: ${String(r.stderr)}`)));
      });
      const filter = { label: [`swe-flow.test-run=${run}`] };
      expect(await getDocker().listContainers({ all: true, filters: filter })).toHaveLength(1);
      expect(existsSync(root)).toBe(true);
      child.kill(signal);
      const result = await child;
      expect(result.signal).toBe(signal);
      expect(await getDocker().listContainers({ all: true, filters: filter })).toHaveLength(0);
      expect(existsSync(root)).toBe(false);
    });
  }
});
