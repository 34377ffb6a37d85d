import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '@swe-flow/core';
import { chooseNodeVersion, detectProject, nearestRelease, nodeEnv, pnpmLockEngines, provisionNode, readNodeConstraints, type NodeConstraint } from '../src/index.js';

const HOST = '20.20.2';
const AVAILABLE = ['16.20.2', '18.20.8', '20.19.0', '20.20.2', '21.7.3', '22.12.0', '22.23.5', '23.11.1', '24.22.3', '25.1.0'];
const choose = (constraints: NodeConstraint[], override?: string) =>
  chooseNodeVersion({ constraints, hostVersion: HOST, available: AVAILABLE, ...(override ? { override } : {}) });

describe('chooseNodeVersion', () => {
  it('keeps the host when it satisfies what the repository asks, and says so', () => {
    const c = choose([{ from: 'engines', range: '>=18' }]);
    expect(c).toMatchObject({ version: HOST, host: true, source: 'host' });
    expect(c.reason).toContain('engines >=18');
  });

  it('follows a pin: .nvmrc 22 -> the newest 22 release; lts/iron -> 20 (the host)', () => {
    expect(choose([{ from: '.nvmrc', range: '22' }])).toMatchObject({ version: '22.23.5', host: false, source: '.nvmrc' });
    expect(choose([{ from: '.nvmrc', range: 'lts/iron' }])).toMatchObject({ version: HOST, source: 'host' });
    expect(choose([{ from: 'volta', range: '22.12.0' }])).toMatchObject({ version: '22.12.0', source: 'volta' });
    expect(choose([{ from: '.node-version', range: '18' }]).reason).toMatch(/pins 18, below Node 20\.6\.0 .*not followed/);
  });

  it('does not follow a pin below what the tracer runs on, and records why', () => {
    const c = choose([{ from: '.nvmrc', range: '16' }, { from: 'engines', range: '>=14' }]);
    expect(c.version).toBe(HOST);
    expect(c.reason).toMatch(/\.nvmrc pins 16.*not followed/);
  });

  it('engines the host misses -> the lowest LTS line that meets them', () => {
    expect(choose([{ from: 'engines', range: '>=22.12' }])).toMatchObject({ version: '22.23.5', source: 'engines' });
    expect(choose([{ from: 'install-error', range: '^22.14.0 || >= 24.10.0' }])).toMatchObject({ version: '22.23.5', source: 'install-error' });
  });

  it("the dependency tree's engines (lockfile) decide when the host misses some", () => {
    const c = choose([{ from: 'engines', range: '>=18' }, { from: 'lockfile', range: '>=22', package: 'semantic-release' }, { from: 'lockfile', range: '>=10' }]);
    expect(c).toMatchObject({ version: '22.23.5', source: 'lockfile' });
    expect(c.reason).toContain('2 of 2 engines ranges of the dependency tree');
  });

  it('--node wins, and a version the registry lacks is a clear error', () => {
    expect(choose([{ from: '.nvmrc', range: '22' }], '24')).toMatchObject({ version: '24.22.3', source: 'override' });
    expect(() => choose([], '99')).toThrow(expect.objectContaining({ code: ErrorCodes.CONFIG_INVALID }));
  });
});

describe('readNodeConstraints', () => {
  it('reads .nvmrc, volta, engines and the engines of package-lock.json and pnpm-lock.yaml entries', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'swf-node-constraints-'));
    await writeFile(path.join(dir, '.nvmrc'), '# project node\nv22\n');
    await writeFile(path.join(dir, 'package.json'), JSON.stringify({ engines: { node: '>=18' }, volta: { node: '22.12.0' } }));
    await writeFile(path.join(dir, 'package-lock.json'), JSON.stringify({
      lockfileVersion: 3,
      packages: {
        '': { engines: { node: '>=18' } },
        'node_modules/undici': { engines: { node: '>=22.19.0' } },
        'node_modules/a/node_modules/old': { engines: { node: '>=0.10' } },
        'node_modules/fsevents': { optional: true, engines: { node: '^8.16.0' } },
      },
    }));
    const facts = await detectProject(dir);
    expect(await readNodeConstraints(dir, facts)).toEqual([
      { from: '.nvmrc', range: 'v22' },
      { from: 'volta', range: '22.12.0' },
      { from: 'engines', range: '>=18' },
      { from: 'lockfile', range: '>=22.19.0', package: 'undici' },
      { from: 'lockfile', range: '>=0.10', package: 'old' },
    ]);
    const pnpm = "packages:\n\n  undici@8.14.1:\n    resolution: {integrity: sha512-x}\n    engines: {node: '>=22.19.0'}\n\n  '@scope/a@1.0.0':\n    engines: {node: ^18 || >=20}\n";
    expect(pnpmLockEngines(pnpm)).toEqual([
      { from: 'lockfile', range: '>=22.19.0', package: 'undici@8.14.1' },
      { from: 'lockfile', range: '^18 || >=20', package: '@scope/a@1.0.0' },
    ]);
  });
});

describe('provisionNode', { timeout: 300_000 }, () => {
  it('brings Node 22 from the registry into the shared cache once; commands run with it on PATH', async () => {
    const node = await provisionNode('22.23.5');
    expect(node.binDir).toMatch(/node\/22\.23\.5\/bin$/);
    const again = await provisionNode('22.23.5');
    expect(again).toEqual(node);
    const r = await execa('node', ['-p', 'process.version'], { env: nodeEnv(node) });
    expect(r.stdout).toBe('v22.23.5');
    expect(await provisionNode(process.versions.node)).toEqual({ version: process.versions.node, binDir: null });
  });
});

describe('nearestRelease (a pinned package manager the registry lacks)', () => {
  it('takes the closest newer release of the same minor, else of the major, else the newest older one', () => {
    const yarn = ['4.9.3', '4.9.4', '4.10.1', '4.10.2', '4.10.3', '4.11.0', '5.0.0'];
    expect(nearestRelease('4.10.0', yarn)).toBe('4.10.1');
    expect(nearestRelease('4.9.9', yarn)).toBe('4.10.1');
    expect(nearestRelease('4.12.0', yarn)).toBe('4.11.0');
    expect(nearestRelease('6.0.0', yarn)).toBeUndefined();
  });
});
