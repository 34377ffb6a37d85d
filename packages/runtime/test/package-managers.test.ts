import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildEnvironmentImage, createDockerRuntime, detectPackageManager, overridePackageManager } from '../src/index.js';
import { hasDocker } from './docker-available.js';
import { makeTinyRepo } from './helpers.js';

const cases = [
  { fixture: 'tiny-pnpm', pm: 'pnpm', version: '9.15.9', store: 'node_modules/.pnpm' },
  { fixture: 'tiny-yarn', pm: 'yarn', version: '1.22.22', store: 'node_modules/.yarn-integrity' },
] as const;

describe.skipIf(!hasDocker)('environment images for pnpm and yarn lockfiles (real engine)', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  for (const c of cases) {
    it(`installs a ${c.pm} lockfile with ${c.pm}@${c.version} from the registry, inside the image`, async () => {
      const repo = await makeTinyRepo(c.fixture);
      const outDir = await mkdtemp(path.join(os.tmpdir(), `swe-flow-${c.pm}-`));
      dirs.push(outDir, path.dirname(repo.source));
      const image = await buildEnvironmentImage({ repoDir: repo.source, taskRepo: repo.taskRepo, base: 'offline', outDir });
      expect(image.packageManager).toMatchObject({ name: c.pm, version: c.version });
      const ws = await createDockerRuntime().open({ taskRepo: repo.taskRepo, commit: repo.first, image: image.tag });
      try {
        const version = await ws.exec({ command: c.pm, args: ['--version'] }, { timeoutMs: 60_000 });
        expect(version.stdout.trim()).toBe(c.version);
        const run = await ws.exec({ command: 'node', args: ['-e', "console.log(require('./duration').toMillis('3s'))"] }, { timeoutMs: 60_000 });
        expect(run.stdout.trim(), run.stderr).toBe('3000');
        const layout = await ws.exec({ command: 'test', args: ['-e', c.store] }, { timeoutMs: 10_000 });
        expect(layout.exitCode).toBe(0); // installed by that manager, not by npm
      } finally {
        await ws.dispose();
      }
    }, 600_000);
  }
});

describe('--package-manager overrides choose the package that carries that version', () => {
  it('yarn 2+ comes from @yarnpkg/cli-dist and yarn 1 from yarn, whatever the lockfile was', async () => {
    const empty = await mkdtemp(path.join(os.tmpdir(), 'swe-flow-pm-'));
    const classicDir = await mkdtemp(path.join(os.tmpdir(), 'swe-flow-pm-'));
    await writeFile(path.join(classicDir, 'package.json'), '{}');
    await writeFile(path.join(classicDir, 'yarn.lock'), '# yarn lockfile v1\n');
    const fresh = await detectPackageManager(empty, '10.9.2');
    const classic = await detectPackageManager(classicDir, '10.9.2');
    expect(classic).toMatchObject({ name: 'yarn', version: '1.22.22', npmPackage: 'yarn' });
    // From an npm repository (no yarn lockfile) and from a yarn 1 lockfile, to yarn 4.
    for (const detected of [fresh, classic]) {
      const berry = overridePackageManager(detected, fresh, 'yarn@4.9.2');
      expect(berry).toMatchObject({ name: 'yarn', version: '4.9.2', npmPackage: '@yarnpkg/cli-dist', bin: 'bin/yarn.js' });
      expect(berry.installCommand).toEqual(['yarn', 'install']); // berry refuses --non-interactive
    }
    expect(overridePackageManager(fresh, fresh, 'yarn@1.22.19')).toMatchObject({ npmPackage: 'yarn', version: '1.22.19', installCommand: ['yarn', 'install', '--non-interactive'] });
    expect(overridePackageManager(classic, fresh, 'yarn@1.22.19')).toMatchObject({ npmPackage: 'yarn', version: '1.22.19', lockfile: 'yarn.lock' });
    expect(overridePackageManager(classic, fresh, 'yarn')).toEqual(classic);
    expect(overridePackageManager(classic, fresh, 'pnpm')).toMatchObject({ name: 'pnpm', npmPackage: 'pnpm', installCommand: ['pnpm', 'install'] });
    expect(overridePackageManager(classic, fresh, 'npm@10.8.0')).toMatchObject({ name: 'npm', version: '10.8.0', installCommand: ['npm', 'install', '--no-audit', '--no-fund'] });
    for (const d of [empty, classicDir]) await rm(d, { recursive: true, force: true });
  });
});
