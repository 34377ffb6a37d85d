import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildEnvironmentImage,
  buildInstanceImage,
  environmentDockerfile,
  getDocker,
  detectPackageManager,
  packageManagerFromInstallRecord,
  resolveNodeVersion,
  DEFAULT_NODE_VERSION,
  type EnvironmentImage,
} from '../src/index.js';
import { hasDocker } from './docker-available.js';
import { makeTinyRepo, type TinyRepo } from './helpers.js';
import { mkdtemp, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';

async function runInImage(image: string, script: string): Promise<{ code: number; out: string }> {
  const docker = getDocker();
  const c = await docker.createContainer({
    Image: image,
    Cmd: ['sh', '-c', script],
    Tty: true, // raw (not multiplexed) logs
    HostConfig: { NetworkMode: 'none' },
    Labels: { 'swe-flow': '1', 'swe-flow.kind': 'workspace' },
  });
  try {
    await c.start();
    const { StatusCode } = (await c.wait()) as { StatusCode: number };
    const out = (await c.logs({ stdout: true, stderr: true })).toString('utf8').replace(/\r/g, '');
    return { code: StatusCode, out };
  } finally {
    await c.remove({ force: true });
  }
}

describe('node version and package manager detection', () => {
  it('prefers .nvmrc, resolves majors and ranges, and keeps the pinned default when it fits', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'swe-flow-nv-'));
    const list = async () => ['18.20.8', '20.19.0', '20.20.1', '22.3.0', DEFAULT_NODE_VERSION];
    await writeFile(path.join(dir, 'package.json'), JSON.stringify({ engines: { node: '>=18' } }));
    expect(await resolveNodeVersion(dir, list)).toEqual({ version: DEFAULT_NODE_VERSION, source: 'engines', requested: '>=18' });
    await writeFile(path.join(dir, 'package.json'), JSON.stringify({ engines: { node: '^20.10' } }));
    expect((await resolveNodeVersion(dir, list)).version).toBe('20.20.1');
    await writeFile(path.join(dir, '.node-version'), 'v18\n');
    expect(await resolveNodeVersion(dir, list)).toMatchObject({ version: '18.20.8', source: '.node-version' });
    await writeFile(path.join(dir, '.nvmrc'), '22.3.0\n');
    expect(await resolveNodeVersion(dir, list)).toMatchObject({ version: '22.3.0', source: '.nvmrc' });
    await writeFile(path.join(dir, '.nvmrc'), 'lts/*\n');
    expect((await resolveNodeVersion(dir, list)).version).toBe(DEFAULT_NODE_VERSION);
  });

  it('chooses the manager by lockfile and honours packageManager pins', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'swe-flow-pm-'));
    await writeFile(path.join(dir, 'package.json'), JSON.stringify({ packageManager: 'pnpm@9.12.0+sha512.abc' }));
    expect((await detectPackageManager(dir, '11.0.0')).name).toBe('npm');
    await writeFile(path.join(dir, 'pnpm-lock.yaml'), "lockfileVersion: '9.0'\n");
    expect(await detectPackageManager(dir, '11.0.0')).toMatchObject({ name: 'pnpm', version: '9.12.0', lockfile: 'pnpm-lock.yaml' });
    const y = await mkdtemp(path.join(os.tmpdir(), 'swe-flow-pm-'));
    await writeFile(path.join(y, 'package.json'), '{}');
    await writeFile(path.join(y, 'yarn.lock'), '');
    expect((await detectPackageManager(y, '11.0.0')).installCommand).toContain('--frozen-lockfile');
  });

  it('writes an online Dockerfile from node:<v>-bookworm-slim that installs git', async () => {
    const pm = await detectPackageManager(await mkdtemp(path.join(os.tmpdir(), 'x-')), '11.19.1');
    const text = environmentDockerfile({ baseImage: 'node:24.21.0-bookworm-slim', base: 'online', pm, nodeVersion: '24.21.0', repoName: 'a/b', hash: 'h' });
    expect(text).toMatch(/^FROM node:24\.21\.0-bookworm-slim AS env$/m);
    expect(text).toContain('apt-get install -y --no-install-recommends git');
    // the CA only ever exists in the install stage
    const finalStage = text.slice(text.lastIndexOf('\nFROM '));
    expect(finalStage).not.toContain('swe-flow-ca');
  });
});

describe("an environment image follows repo.json's install record", () => {
  const npmRecord = { packageManager: 'npm', packageManagerVersion: '11.19.1', command: ['npm', 'install', '--no-audit', '--no-fund', '--legacy-peer-deps'], fallbacks: ['legacy-peer-deps'] };

  it('takes the recorded manager, version and fallback flags, in the frozen form when the context holds a lockfile', () => {
    expect(packageManagerFromInstallRecord(npmRecord, 'package-lock.json')).toEqual({
      name: 'npm', version: '11.19.1', npmPackage: 'npm', bin: 'bin/npm-cli.js', lockfile: 'package-lock.json',
      installCommand: ['npm', 'ci', '--no-audit', '--no-fund', '--legacy-peer-deps'], fallbacks: ['legacy-peer-deps'],
    });
    // No lockfile to freeze: the recorded command as it ran.
    expect(packageManagerFromInstallRecord(npmRecord, undefined).installCommand).toEqual(npmRecord.command);
    // pnpm after its lockfile check was trusted, and after the lockfile was resolved again (the context holds the resolved one).
    const trusted = { packageManager: 'pnpm', packageManagerVersion: '11.13.1', command: ['pnpm', 'install', '--frozen-lockfile', '--config.confirmModulesPurge=false', '--config.trust-lockfile=true'], fallbacks: ['pnpm trustLockfile (...)'] };
    expect(packageManagerFromInstallRecord(trusted, 'pnpm-lock.yaml')).toMatchObject({ name: 'pnpm', version: '11.13.1', npmPackage: 'pnpm', installCommand: trusted.command });
    const relocked = { ...trusted, command: ['pnpm', 'install', '--no-frozen-lockfile', '--config.confirmModulesPurge=false'] };
    expect(packageManagerFromInstallRecord(relocked, 'pnpm-lock.yaml').installCommand).toEqual(['pnpm', 'install', '--frozen-lockfile', '--config.confirmModulesPurge=false']);
    // yarn berry at the release the install substituted for an unpublished pin; yarn classic with scripts off.
    const berry = { packageManager: 'yarn', packageManagerVersion: '4.10.1', command: ['yarn', 'install', '--no-immutable'], fallbacks: ['yarn 4.10.1 (...)'] };
    expect(packageManagerFromInstallRecord(berry, 'yarn.lock')).toMatchObject({ npmPackage: '@yarnpkg/cli-dist', version: '4.10.1', installCommand: ['yarn', 'install', '--immutable'] });
    // berry turns scripts off through its environment, which the record keeps.
    expect(packageManagerFromInstallRecord({ ...berry, env: { YARN_ENABLE_SCRIPTS: 'false' } }, 'yarn.lock').installCommand).toEqual(['env', 'YARN_ENABLE_SCRIPTS=false', 'yarn', 'install', '--immutable']);
    const classic = { packageManager: 'yarn', packageManagerVersion: '1.22.22', command: ['yarn', 'install', '--non-interactive', '--ignore-scripts'], fallbacks: ['install scripts off (a lifecycle script failed)'] };
    expect(packageManagerFromInstallRecord(classic, 'yarn.lock')).toMatchObject({ npmPackage: 'yarn', installCommand: ['yarn', 'install', '--frozen-lockfile', '--non-interactive', '--ignore-scripts'] });
  });

  it('refuses a record naming a package manager it cannot bring into an image, saying what to do', () => {
    expect(() => packageManagerFromInstallRecord({ ...npmRecord, packageManager: 'bun' }, undefined)).toThrow(
      expect.objectContaining({ code: 'SWEFLOW_INPUT_INVALID', message: expect.stringMatching(/unknown package manager \(bun\); run swe-flow synth again/) }),
    );
  });

  it('writes the recorded command and each fallback into the Dockerfile', () => {
    const pm = packageManagerFromInstallRecord(npmRecord, 'package-lock.json');
    const text = environmentDockerfile({ baseImage: 'swe-flow/base:node22.23.5-bookworm', base: 'offline', pm, nodeVersion: '22.23.5', repoName: 'a/b', hash: 'h' });
    expect(text).toContain('npm ci --no-audit --no-fund --legacy-peer-deps && node /opt/swe-flow/scripts/collect-deps.cjs');
    expect(text).toContain("# The install follows repo.json's record (how the repository was set up and verified): after these fallbacks, in order:\n#   - legacy-peer-deps\n");
    const plain = environmentDockerfile({ baseImage: 'b', base: 'offline', pm: packageManagerFromInstallRecord({ ...npmRecord, command: ['npm', 'ci', '--no-audit', '--no-fund'], fallbacks: [] }, 'package-lock.json'), nodeVersion: '22.23.5', repoName: 'a/b', hash: 'h' });
    expect(plain).toContain('the plain install worked');
    expect(plain).not.toContain('--legacy-peer-deps');
  });

  it.skipIf(!hasDocker)("a context written from the record brings the recorded pnpm, not the lockfile's default", async () => {
    const repo = await makeTinyRepo('tiny-pnpm');
    const outDir = await mkdtemp(path.join(os.tmpdir(), 'swe-flow-env-record-'));
    try {
      const install = { packageManager: 'pnpm', packageManagerVersion: '10.33.4', command: ['pnpm', 'install', '--no-frozen-lockfile', '--config.confirmModulesPurge=false', '--ignore-scripts'], fallbacks: ['install scripts off (a lifecycle script failed)'] };
      const own = await buildEnvironmentImage({ repoDir: repo.source, taskRepo: repo.taskRepo, base: 'offline', outDir, build: false, nodeVersion: '22.23.5' });
      expect(own.packageManager).toMatchObject({ name: 'pnpm', version: '9.15.9' });
      const image = await buildEnvironmentImage({ repoDir: repo.source, taskRepo: repo.taskRepo, base: 'offline', outDir, build: false, nodeVersion: '22.23.5', install });
      expect(image.packageManager).toMatchObject({ name: 'pnpm', version: '10.33.4', lockfile: 'pnpm-lock.yaml', fallbacks: install.fallbacks });
      expect(image.tag).not.toBe(own.tag);
      const dockerfile = await readFile(path.join(outDir, 'docker', 'Dockerfile'), 'utf8');
      expect(dockerfile).toContain('pnpm install --frozen-lockfile --config.confirmModulesPurge=false --ignore-scripts && node');
      expect(dockerfile).toContain('#   - install scripts off (a lifecycle script failed)');
      // The package manager in the context is the recorded release, from the registry.
      expect(JSON.parse(await readFile(path.join(outDir, 'docker', 'pm', 'package.json'), 'utf8'))).toMatchObject({ name: 'pnpm', version: '10.33.4' });
    } finally {
      await rm(outDir, { recursive: true, force: true });
      await rm(path.dirname(repo.source), { recursive: true, force: true });
    }
  }, 180_000);
});

describe.skipIf(!hasDocker)('buildEnvironmentImage (real engine, offline base)', () => {
  let repo: TinyRepo;
  let outDir: string;
  let first: EnvironmentImage;

  beforeAll(async () => {
    repo = await makeTinyRepo();
    outDir = await mkdtemp(path.join(os.tmpdir(), 'swe-flow-env-out-'));
    // A previous run may have left the same (deterministic) image: remove it so this build is cold.
    const probe = await buildEnvironmentImage({ repoDir: repo.source, taskRepo: repo.taskRepo, base: 'offline', outDir, build: false });
    await getDocker().getImage(probe.tag).remove().catch(() => {});
    first = await buildEnvironmentImage({ repoDir: repo.source, taskRepo: repo.taskRepo, base: 'offline', outDir });
  }, 900_000);

  afterAll(async () => {
    if (outDir) await rm(outDir, { recursive: true, force: true });
  });

  it('writes a buildable context under <outDir>/docker and labels the image', async () => {
    expect(first.built).toBe(true);
    expect(first.cached).toBe(false);
    expect(first.contextDir).toBe(path.join(outDir, 'docker'));
    const dockerfile = await readFile(path.join(outDir, 'docker', 'Dockerfile'), 'utf8');
    expect(dockerfile).toContain(`FROM swe-flow/base:node${DEFAULT_NODE_VERSION}-bookworm AS env`);
    expect(dockerfile).toContain('npm ci');
    expect(dockerfile).toContain('collect-deps.cjs');
    expect(first.packageManager).toMatchObject({ name: 'npm', lockfile: 'package-lock.json' });
    const info = await getDocker().getImage(first.tag).inspect();
    expect(info.Config.Labels).toMatchObject({ 'swe-flow': '1', 'swe-flow.kind': 'env', 'swe-flow.repo': 'tiny-npm-fixture', 'swe-flow.hash': first.inputsHash });
    expect(first.tag).toBe(`swe-flow/env-tiny-npm-fixture:${first.inputsHash.slice(0, 16)}`);
    // The CA is for the install step only: not in the final image's environment or filesystem.
    expect(first.extraCaCerts).toBe(process.env['NODE_EXTRA_CA_CERTS'] || process.env['SSL_CERT_FILE']);
    expect((info.Config.Env ?? []).join('\n')).not.toMatch(/NODE_EXTRA_CA_CERTS|SSL_CERT_FILE/);
    // ...and not left in the written context either (it is an artifact that may be published)
    expect(await readFile(path.join(outDir, 'docker', 'ca', 'extra.pem'), 'utf8')).toBe('');
    expect(info.Config.User).toBe('swe');
  });

  it('leaves no untagged image of its build stages behind', async () => {
    const dangling = await getDocker().listImages({ filters: { dangling: ['true'], label: [`swe-flow.hash=${first.inputsHash}`] } });
    expect(dangling.map((i) => i.Id)).toEqual([]);
  });

  it('installed the dependency inside the image, at /testbed, owned by a non-root user, and holds no source or git', async () => {
    const r = await runInImage(
      first.tag,
      `set -e; id -u; stat -c %U /testbed /testbed/node_modules/ms; test ! -e /testbed/duration.js && test ! -e /testbed/package.json && test ! -e /testbed/.git && echo no-source; test ! -e /tmp/swe-flow-ca && echo no-ca`,
    );
    expect(r.code, r.out).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines[0]).toBe('10001');
    expect(lines.slice(1, 3)).toEqual(['swe', 'swe']);
    expect(lines[3]).toBe('no-source');
    expect(lines[4]).toBe('no-ca');
    // the written context holds the original tree without its history
    await expect(readFile(path.join(outDir, 'docker', 'repo', 'duration.js'), 'utf8')).resolves.toContain('toMillis');
    await expect(readFile(path.join(outDir, 'docker', 'repo', '.git', 'HEAD'), 'utf8')).rejects.toThrow();
  });

  it('builds an instance image on it: /testbed is only the given commit, on main, with the dependencies', async () => {
    const contextRoot = path.join(outDir, 'docker', 'instances');
    const inst = await buildInstanceImage({ envImage: first.tag, taskRepo: repo.taskRepo, baseCommit: repo.first, instanceId: 'tiny__npm-isolated-1', repoName: 'tiny-npm-fixture', contextRoot });
    try {
      expect(inst.built || inst.cached).toBe(true);
      const info = await getDocker().getImage(inst.tag).inspect();
      expect(info.Config.Labels).toMatchObject({ 'swe-flow': '1', 'swe-flow.kind': 'instance', 'swe-flow.commit': repo.first, 'swe-flow.instance': 'tiny__npm-isolated-1' });
      const r = await runInImage(
        inst.tag,
        `set -e; cd /testbed; git rev-list --all; git for-each-ref --format='%(refname)'; git reflog | wc -l; test ! -e second.txt && echo no-second; node -e "process.stdout.write(require('./duration').toMillis('2h') + '\\n')"; git status --porcelain | wc -l`,
      );
      expect(r.code, r.out).toBe(0);
      expect(r.out.trim().split('\n')).toEqual([repo.first, 'refs/heads/main', '0', 'no-second', '7200000', '0']);
      // the instance adds its tree, not another copy of the dependencies
      if (inst.built) expect(inst.addedBytes ?? Infinity).toBeLessThan(1024 * 1024);
      const again = await buildInstanceImage({ envImage: first.tag, taskRepo: repo.taskRepo, baseCommit: repo.first, instanceId: 'tiny__npm-isolated-1', repoName: 'tiny-npm-fixture', contextRoot });
      expect(again).toMatchObject({ tag: inst.tag, cached: true, built: false });
    } finally {
      await getDocker().getImage(inst.tag).remove().catch(() => {});
    }
  });

  it('is a cache hit the second time: same tag, same image, nothing built', async () => {
    const before = await getDocker().getImage(first.tag).inspect();
    const again = await buildEnvironmentImage({ repoDir: repo.source, taskRepo: repo.taskRepo, base: 'offline', outDir });
    expect(again.tag).toBe(first.tag);
    expect(again.cached).toBe(true);
    expect(again.built).toBe(false);
    expect((await getDocker().getImage(again.tag).inspect()).Id).toBe(before.Id);
  });

  it('changes the tag when an input changes (lockfile)', async () => {
    const lock = path.join(repo.source, 'package-lock.json');
    const original = await readFile(lock, 'utf8');
    await writeFile(lock, original.replace('"version": "1.0.0"', '"version": "1.0.1"'));
    const changed = await buildEnvironmentImage({ repoDir: repo.source, taskRepo: repo.taskRepo, base: 'offline', outDir: await mkdtemp(path.join(os.tmpdir(), 'o-')), build: false });
    await writeFile(lock, original);
    expect(changed.tag).not.toBe(first.tag);
  });

  it('rejects a directory without package.json', async () => {
    const empty = await mkdtemp(path.join(os.tmpdir(), 'swe-flow-empty-'));
    await mkdir(path.join(empty, 'x'));
    await expect(buildEnvironmentImage({ repoDir: empty, base: 'offline', outDir: empty })).rejects.toMatchObject({ code: 'SWEFLOW_NO_PACKAGE_JSON' });
  });
});
