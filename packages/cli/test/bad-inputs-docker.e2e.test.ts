/**
 * Interruption with the Docker runtime, through the real CLI: SIGINT while the environment image is
 * being built, then (resumed) SIGINT while tasks verify in containers. Each time: exit 130, no
 * container of the run left (workspace containers, and the build's intermediate containers, which
 * carry the repository's label), no temp folder, the repository byte-identical; then `--resume`
 * completes, and the finished run leaves no untagged (dangling) image of its builds.
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { fingerprint, privateTemp, readRows, runCli, slowTinyRepo, startCli, tempLeftovers, tmp, waitForOutput, waitNoProcesses } from './safety-helpers.js';

async function dockerAvailable(): Promise<boolean> {
  return (await execa('docker', ['info'], { reject: false })).exitCode === 0;
}

/** ids of containers (any state) matching a `docker ps` filter. */
async function containers(filter: string): Promise<string[]> {
  return (await execa('docker', ['ps', '-aq', '--filter', filter])).stdout.split('\n').filter(Boolean);
}

describe('interruption with the Docker runtime', () => {
  // A name of its own: the run's images (and the build's intermediate containers) carry it as their repository label.
  const name = `safety/sig-${randomBytes(4).toString('hex')}`;
  const repoLabel = `label=swe-flow.repo=${name}`;

  afterAll(async () => {
    // Only what this test's runs built (the label names this test's repository).
    const ids = (await execa('docker', ['images', '-q', '--filter', repoLabel], { reject: false })).stdout.split('\n').filter(Boolean);
    if (ids.length > 0) await execa('docker', ['rmi', '-f', ...new Set(ids)], { reject: false });
  });

  it('SIGINT mid-image-build and mid-verify: exit 130, no container or temp folder left; --resume completes without a dangling image', async (ctx) => {
    if (!(await dockerAvailable())) {
      if (process.env.SWEFLOW_REQUIRE_DOCKER === '1') throw new Error('SWEFLOW_REQUIRE_DOCKER=1 but no Docker engine answers');
      ctx.skip();
    }
    const repo = await slowTinyRepo();
    // A package.json of its own: its environment image is built, not found in the engine's cache.
    const pkgFile = path.join(repo, 'package.json');
    const pkg = JSON.parse(await readFile(pkgFile, 'utf8')) as Record<string, unknown>;
    await writeFile(pkgFile, JSON.stringify({ ...pkg, description: name }));
    const before = await fingerprint(repo);
    const out = path.join(await tmp('docker-sig'), 'out');
    const args = ['synth', repo, '--out', out, '--mode', 'isolated', '--runtime', 'docker', '--no-audit', '--name', name];
    const nothingLeft = async (t: string) => {
      expect(await waitNoProcesses(t)).toEqual([]);
      expect(await tempLeftovers(t)).toEqual([]);
      expect(await containers(repoLabel)).toEqual([]);
      expect(await fingerprint(repo)).toBe(before);
    };

    // 1. While the environment image builds.
    const t1 = await privateTemp();
    const building = startCli(args, t1);
    await waitForOutput(building, /building environment image/);
    await new Promise((r) => setTimeout(r, 1_500)); // into the build's steps
    building.kill('SIGINT');
    const r1 = await building;
    expect(r1.exitCode, String(r1.all)).toBe(130);
    expect(String(r1.all)).toContain('interrupted by SIGINT');
    expect(String(r1.all)).toContain(`to continue, rerun: swe-flow ${args.join(' ')} --resume`);
    await nothingLeft(t1);

    // 2. Resumed, while tasks verify in containers.
    const t2 = await privateTemp();
    const verifying = startCli([...args, '--resume'], t2);
    await waitForOutput(verifying, /verify: \d+ candidates/);
    // Verification containers run the environment image built in step 2.
    const envImage = (await execa('docker', ['images', '--filter', repoLabel, '--filter', 'label=swe-flow.kind=env', '--format', '{{.Repository}}:{{.Tag}}'])).stdout.split('\n')[0]!;
    expect(envImage).toMatch(/^swe-flow\/env-/);
    const end = Date.now() + 240_000;
    while ((await containers(`ancestor=${envImage}`)).length === 0) {
      if (Date.now() > end || verifying.exitCode !== null) throw new Error(`no verification container appeared:\n${String((await verifying).all)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    verifying.kill('SIGINT');
    const r2 = await verifying;
    expect(r2.exitCode, String(r2.all)).toBe(130);
    expect(String(r2.all)).toContain('interrupted by SIGINT');
    await nothingLeft(t2);
    expect(await containers(`ancestor=${envImage}`)).toEqual([]);

    // 3. --resume completes, and its builds left no untagged image behind.
    const t3 = await privateTemp();
    const done = await runCli([...args, '--resume'], t3);
    expect(done.code, done.stderr).toBe(0);
    const rows = await readRows(out);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((row) => String(row.image_name).startsWith('swe-flow/instance-'))).toBe(true);
    expect((await execa('docker', ['images', '-q', '--filter', 'dangling=true', '--filter', repoLabel])).stdout).toBe('');
    await nothingLeft(t3);
    expect(await containers(`ancestor=${envImage}`)).toEqual([]);
  }, 900_000);
});
