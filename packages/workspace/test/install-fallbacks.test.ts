import { cp, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '@swe-flow/core';
import semver from 'semver';
import { detectProject, hostNode, installDependencies, setUpRepositoryNode, type InstallRecord } from '../src/index.js';

const FIXTURES = fileURLToPath(new URL('../../../fixtures/install', import.meta.url));
const exists = (p: string) => stat(p).then(() => true, () => false);

/** A fresh copy of `fixtures/install/<name>` (installs write node_modules and may edit package.json). */
async function copyOf(name: string): Promise<string> {
  const dir = path.join(await mkdtemp(path.join(os.tmpdir(), `swf-install-${name}-`)), name);
  await cp(path.join(FIXTURES, name), dir, { recursive: true });
  return dir;
}

async function install(dir: string): Promise<InstallRecord> {
  const facts = await detectProject(dir);
  const node = await setUpRepositoryNode(dir, facts);
  return installDependencies(dir, facts, { node: node.runtime, nodeFor: node.nodeFor });
}

describe('install fallbacks, each after the plain install failed, each recorded', { timeout: 240_000 }, () => {
  it('ERESOLVE (a peer conflict without lockfile) -> --legacy-peer-deps', async () => {
    const dir = await copyOf('peer-conflict');
    const record = await install(dir);
    expect(record.attempts.map((a) => [a.label, a.ok, a.failure])).toEqual([['plain', false, 'peer-conflict'], ['legacy-peer-deps', true, undefined]]);
    expect(record.attempts[0]!.errorLines!.join('\n')).toContain('ERESOLVE');
    expect(record.command).toContain('--legacy-peer-deps');
    expect(await exists(path.join(dir, 'node_modules/preact-render-to-string/package.json'))).toBe(true);
  });

  it('a lockfile out of sync -> a plain install; the error lines are npm\'s cause, not its usage text', async () => {
    const dir = await copyOf('lockfile-out-of-sync');
    const record = await install(dir);
    expect(record.attempts.map((a) => [a.command[1], a.ok, a.failure])).toEqual([['ci', false, 'lockfile-out-of-sync'], ['install', true, undefined]]);
    const lines = record.attempts[0]!.errorLines!.join('\n');
    expect(lines).toContain('in sync');
    expect(lines).not.toMatch(/Usage:|Clean install a project|--install-strategy/);
    expect(await exists(path.join(dir, 'node_modules/is-number'))).toBe(true);
  });

  it('a devDependency missing from the registry (404) that no file names -> installed without it, and said', async () => {
    const dir = await copyOf('missing-dev-dependency');
    const record = await install(dir);
    expect(record.fallbacks).toHaveLength(1);
    expect(record.fallbacks[0]).toContain('without swe-flow-fixture-no-such-package-7f3a9c2e');
    expect(record.droppedDependencies).toEqual(['swe-flow-fixture-no-such-package-7f3a9c2e']);
    expect(record.attempts[0]).toMatchObject({ ok: false, failure: 'unavailable-package' });
    // The copy keeps the repository's own package.json (the tasks show it); the installed one is kept aside for images.
    const own = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    expect(Object.keys(own.devDependencies)).toEqual(['is-number', 'swe-flow-fixture-no-such-package-7f3a9c2e']);
    const installed = JSON.parse(await readFile(path.join(dir, '.swe-flow/installed-manifests/package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    expect(Object.keys(installed.devDependencies)).toEqual(['is-number']);
    expect(record.restoredManifests).toEqual(['package.json']);
    // The test that needs what stayed still runs.
    expect((await execa('node', ['--test'], { cwd: dir, reject: false })).exitCode).toBe(0);
  });

  it('a 404 package named only by a benchmark (nanoid\'s nope-id in test/benchmark.js) is dropped too, and the file named', async () => {
    const dir = await copyOf('missing-dev-dependency');
    await writeFile(path.join(dir, 'test/benchmark.js'), "const { fast } = require('swe-flow-fixture-no-such-package-7f3a9c2e');\nconsole.log(fast());\n");
    const record = await install(dir);
    expect(record.droppedDependencies).toEqual(['swe-flow-fixture-no-such-package-7f3a9c2e']);
    expect(record.fallbacks[0]).toContain('named only by test/benchmark.js, which the tests do not load');
  });

  it('the same 404 package named by a test file is not dropped: the error shows npm\'s E404 lines and what was tried', async () => {
    const dir = await copyOf('missing-dev-dependency');
    await writeFile(path.join(dir, 'test/missing.test.js'), "require('swe-flow-fixture-no-such-package-7f3a9c2e');\n");
    const error = await install(dir).then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ code: ErrorCodes.INSTALL_FAILED, exitCode: 2 });
    const message = (error as Error).message;
    expect(message).toMatch(/npm error code E404/);
    expect(message).toContain('404 Not Found - GET https://registry.npmjs.org/swe-flow-fixture-no-such-package-7f3a9c2e');
    expect(message).toContain('plain: npm install');
    expect(message).not.toMatch(/Usage:|A complete log/);
  });

  it('a locked version the registry does not serve, of a package the tests need -> resolved again without the lockfile', async () => {
    const dir = await copyOf('locked-version-gone');
    const record = await install(dir);
    expect(record.attempts.map((a) => [a.command[1], a.ok, a.failure])).toEqual([['ci', false, 'unavailable-package'], ['install', true, undefined]]);
    expect(record.fallbacks[0]).toContain('without package-lock.json');
    expect(record.droppedDependencies).toEqual([]);
    expect((await execa('node', ['--test'], { cwd: dir, reject: false })).exitCode).toBe(0);
  });

  it('a registry that resets every connection (ECONNRESET) -> the same install again after each wait of networkBackoffMs, then the error', async () => {
    const dir = await copyOf('missing-dev-dependency');
    const server = createServer((req) => req.socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const saved = { ...process.env };
    Object.assign(process.env, {
      npm_config_registry: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
      npm_config_fetch_retries: '0',
      npm_config_cache: await mkdtemp(path.join(os.tmpdir(), 'swf-npm-cache-')),
    });
    try {
      const error = await installDependencies(dir, await detectProject(dir), { networkBackoffMs: [10, 20] }).then(() => undefined, (e: unknown) => e);
      expect(error).toMatchObject({ code: ErrorCodes.INSTALL_FAILED });
      const attempts = (error as { details: { attempts: { label: string; failure?: string }[] } }).details.attempts;
      expect(attempts.map((a) => a.failure)).toEqual(['network', 'network', 'network']);
      expect(attempts[1]!.label).toContain('retry 1');
      expect(attempts[2]!.label).toContain('retry 2');
    } finally {
      process.env = saved;
      server.close();
    }
  });

  it('a failing lifecycle script (a missing tool) -> scripts off', async () => {
    const dir = await copyOf('failing-prepare');
    const record = await install(dir);
    expect(record.attempts.map((a) => [a.ok, a.failure])).toEqual([[false, 'lifecycle-script'], [true, undefined]]);
    expect(record.attempts[0]!.errorLines!.join('\n')).toContain('swe-flow-fixture-missing-tool');
    expect(record.command).toContain('--ignore-scripts');
  });

  it("an engines-pinned dependency (undici 8: node >=22.19) -> yarn's engine error -> Node 22 from the registry, not an override", async () => {
    const dir = await copyOf('engines-node22');
    const facts = await detectProject(dir);
    const node = await setUpRepositoryNode(dir, facts);
    expect(node.choice.host).toBe(true);
    const record = await installDependencies(dir, facts, { node: node.runtime, nodeFor: node.nodeFor });
    expect(record.attempts[0]).toMatchObject({ ok: false, failure: 'engine', node: process.versions.node });
    expect(record.attempts[0]!.errorLines!.join('\n')).toContain('The engine "node" is incompatible with this module');
    expect(record.attempts).toHaveLength(2);
    expect(record.attempts[1]!.ok).toBe(true);
    expect(record.node).toMatch(/^22\./);
    expect(record.command).not.toContain('--ignore-engines');
    expect(node.choice).toMatchObject({ version: record.node, host: false, source: 'install-error' });
    expect(await exists(path.join(dir, 'node_modules/undici/package.json'))).toBe(true);
  });

  it('pnpm 10 settings in pnpm-workspace.yaml with no pinned pnpm -> pnpm 9 fails, pnpm 10 installs', async () => {
    const dir = await copyOf('pnpm10-workspace-settings');
    const record = await install(dir);
    expect(record.attempts.map((a) => [a.ok, a.failure])).toEqual([[false, 'package-manager-too-old'], [true, undefined]]);
    expect(record.attempts[0]!.errorLines!.join('\n')).toContain('packages field missing or empty');
    expect(record.packageManagerVersion).toMatch(/^10\./);
  });

  it("pnpm 11's lockfile check 404s on a locked package of another platform -> the lockfile trusted as it is, not resolved again", async () => {
    const dir = await copyOf('pnpm11-lockfile-verification');
    const lockfile = await readFile(path.join(dir, 'pnpm-lock.yaml'), 'utf8');
    const record = await install(dir);
    expect(record.attempts.map((a) => [a.ok, a.failure])).toEqual([[false, 'lockfile-verification'], [true, undefined]]);
    expect(record.attempts[0]!.errorLines!.join('\n')).toContain('ERR_PNPM_FETCH_404');
    expect(record.fallbacks).toEqual([expect.stringContaining('pnpm trustLockfile')]);
    expect(record.fallbacks[0]).toContain('swe-flow-fixture-no-such-package-7f3a9c2e-darwin-arm64');
    // Still the frozen lockfile, kept byte for byte: the versions installed are the repository's locked ones.
    expect(record.command).toEqual(expect.arrayContaining(['--frozen-lockfile', '--config.trust-lockfile=true']));
    expect(await readFile(path.join(dir, 'pnpm-lock.yaml'), 'utf8')).toBe(lockfile);
    expect(record.restoredManifests).toBeUndefined();
    expect(await exists(path.join(dir, 'node_modules/is-number/package.json'))).toBe(true);
  });

  it('a dist-tag the registry lacks (ETARGET) -> the package\'s latest, recorded', async () => {
    const dir = await copyOf('missing-dist-tag');
    const record = await install(dir);
    expect(record.attempts.map((a) => [a.ok, a.failure])).toEqual([[false, 'missing-dist-tag'], [true, undefined]]);
    expect(record.fallbacks[0]).toContain('is-number@latest');
    expect(record.attempts[0]!.errorLines!.join('\n')).toContain('No matching version found for is-number@swe-flow-no-such-tag');
    expect(await exists(path.join(dir, 'node_modules/is-number/package.json'))).toBe(true);
  });

  it('bun.lock without bun -> npm from package.json, the ignored lockfile recorded', async () => {
    const dir = await copyOf('bun-lockfile');
    const facts = await detectProject(dir);
    expect(facts).toMatchObject({ packageManager: 'npm', lockfile: null, ignoredLockfile: 'bun.lock' });
    const record = await installDependencies(dir, facts);
    expect(record).toMatchObject({ ignoredLockfile: 'bun.lock', fallbacks: [] });
    expect(await exists(path.join(dir, 'node_modules/is-number'))).toBe(true);
  });
});

describe('yarn berry', { timeout: 240_000 }, () => {
  it('with nodeLinker: node-modules installs into node_modules with yarn 4 from the registry', async () => {
    const dir = await copyOf('yarn-berry-node-modules');
    const facts = await detectProject(dir);
    expect(facts).toMatchObject({ packageManager: 'yarn', yarnBerry: true, yarnLinker: 'node-modules', packageManagerVersion: '4.9.2' });
    const record = await installDependencies(dir, facts);
    expect(record.packageManagerVersion).toBe('4.9.2');
    expect(record.command).toEqual(['yarn', 'install', '--no-immutable']);
    expect(await exists(path.join(dir, 'node_modules/is-number/package.json'))).toBe(true);
    expect(await exists(path.join(dir, '.pnp.cjs'))).toBe(false);
  });

  it("a failing lifecycle script of the repository's own package -> berry's builds skipped, recorded", async () => {
    const dir = await copyOf('yarn-berry-node-modules');
    const manifest = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
    await writeFile(path.join(dir, 'package.json'), JSON.stringify({ ...manifest, scripts: { postinstall: 'swe-flow-fixture-missing-tool install' } }, null, 2));
    const record = await installDependencies(dir, await detectProject(dir));
    expect(record.attempts.map((a) => [a.label, a.ok, a.failure])).toEqual([
      ['plain', false, 'lifecycle-script'], ['install scripts off (a lifecycle script failed)', true, undefined],
    ]);
    expect(record.command).toContain('--mode=skip-build');
    expect(await exists(path.join(dir, 'node_modules/is-number/package.json'))).toBe(true);
  });

  it('a pinned yarn the registry never carried (4.10.0) -> the nearest release of the same minor, recorded', async () => {
    const dir = await copyOf('yarn-berry-unpublished-version');
    const record = await install(dir);
    expect(record.packageManagerVersion).toBe('4.10.1');
    expect(record.fallbacks).toEqual(['yarn 4.10.1 (the pinned 4.10.0 is not in the registry; the nearest release)']);
    expect(record.attempts).toHaveLength(1);
    expect(await exists(path.join(dir, 'node_modules/is-number/package.json'))).toBe(true);
  });

  it("with Plug'n'Play is refused before installing, naming the setting that switches linkers", async () => {
    const dir = await copyOf('yarn-berry-pnp');
    const facts = await detectProject(dir);
    expect(facts).toMatchObject({ yarnBerry: true, yarnLinker: 'pnp' });
    const error = await installDependencies(dir, facts).then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ code: ErrorCodes.YARN_PNP, exitCode: 2 });
    expect((error as Error).message).toContain('nodeLinker: node-modules');
    expect(await exists(path.join(dir, '.pnp.cjs'))).toBe(false);
  });
});

describe('a package manager that needs a newer Node than the host', { timeout: 240_000 }, () => {
  it('pnpm 11 (engines >=22.13) on a Node 20 host: the repository is set on Node 22 before pnpm runs, and the record says why', async () => {
    const dir = await copyOf('pnpm11-package-manager');
    const facts = await detectProject(dir);
    const node = await setUpRepositoryNode(dir, facts);
    // Read from packageManager before anything runs.
    expect(node.choice).toMatchObject({ host: false, source: 'packageManager' });
    expect(semver.satisfies(node.choice.version, '>=22.13')).toBe(true);
    const record = await installDependencies(dir, facts, { node: node.runtime, nodeFor: node.nodeFor });
    expect(record).toMatchObject({ node: node.choice.version, fallbacks: [] });
    expect(record.packageManagerVersion).toBe('11.18.0');
    expect(await exists(path.join(dir, 'node_modules/is-number/package.json'))).toBe(true);
  });

  it("started on the host's Node anyway, pnpm's own engines move the install to a Node it runs on (no SWEFLOW_INTERNAL from pnpm --version)", async () => {
    const dir = await copyOf('pnpm11-package-manager');
    const facts = await detectProject(dir);
    const node = await setUpRepositoryNode(dir, facts);
    const record = await installDependencies(dir, facts, { node: hostNode(), nodeFor: node.nodeFor });
    expect(semver.satisfies(record.node, '>=22.13')).toBe(true);
    expect(node.choice.reason).toContain('pnpm@11.18.0 runs on Node >=22.13');
    // Without a way to switch Node, the error names the range and the option.
    const again = await copyOf('pnpm11-package-manager');
    const error = await installDependencies(again, facts, { node: hostNode() }).then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ code: ErrorCodes.INSTALL_FAILED });
    expect((error as Error).message).toMatch(/pnpm 11\.18\.0 .* runs on Node >=22\.13.*pass --node/);
  });
});
