import { readFile } from 'node:fs/promises';
import path from 'node:path';
import semver from 'semver';
import type { ProjectFacts } from './detect.js';
import type { NodeConstraint } from './node-choice.js';

const read = (p: string) => readFile(p, 'utf8').catch(() => undefined);

/** The first meaningful line of `.nvmrc` / `.node-version` (comments dropped). */
function firstLine(text: string | undefined): string | undefined {
  return text?.split('\n').map((l) => l.replace(/#.*/, '').trim()).find((l) => l !== '');
}

/** Node versions the package manager itself needs (from the managers' own `engines`). */
function packageManagerNeeds(facts: ProjectFacts): string | undefined {
  const major = Number((facts.packageManagerVersion ?? '').split('.')[0]);
  if (facts.packageManager === 'pnpm' && major >= 11) return '>=22.13';
  if (facts.packageManager === 'pnpm' && major >= 9) return '>=18.12';
  if (facts.packageManager === 'yarn' && major >= 4) return '>=18.12';
  return undefined;
}

/**
 * Everything the repository says about its Node: `.nvmrc`, `.node-version`, `volta.node`,
 * `engines.node`, its package manager's needs, and the engines of its dependency tree as the lockfile
 * records them (package-lock.json v2+ and pnpm-lock.yaml carry them; yarn.lock does not).
 */
export async function readNodeConstraints(root: string, facts: ProjectFacts): Promise<NodeConstraint[]> {
  const out: NodeConstraint[] = [];
  for (const file of ['.nvmrc', '.node-version'] as const) {
    const line = firstLine(await read(path.join(root, file)));
    if (line !== undefined) out.push({ from: file, range: line });
  }
  const volta = (facts.packageJson.volta as { node?: unknown } | undefined)?.node;
  if (typeof volta === 'string') out.push({ from: 'volta', range: volta });
  const engines = (facts.packageJson.engines as { node?: unknown } | undefined)?.node;
  if (typeof engines === 'string' && semver.validRange(engines) !== null) out.push({ from: 'engines', range: engines });
  const pm = packageManagerNeeds(facts);
  if (pm) out.push({ from: 'packageManager', range: pm, package: `${facts.packageManager}@${facts.packageManagerVersion}` });
  if (facts.lockfile === 'package-lock.json' || facts.lockfile === 'npm-shrinkwrap.json') {
    out.push(...npmLockEngines(await read(path.join(root, facts.lockfile))));
  } else if (facts.lockfile === 'pnpm-lock.yaml') {
    out.push(...pnpmLockEngines(await read(path.join(root, facts.lockfile)) ?? ''));
  }
  return out;
}

/** One constraint per distinct range (the first package that asked named), so the record stays short. */
function distinct(pairs: Array<[string, string]>): NodeConstraint[] {
  const seen = new Map<string, string>();
  for (const [pkg, range] of pairs) {
    if (!seen.has(range) && semver.validRange(range) !== null) seen.set(range, pkg);
  }
  return [...seen].map(([range, pkg]) => ({ from: 'lockfile' as const, range, package: pkg }));
}

export function npmLockEngines(text: string | undefined): NodeConstraint[] {
  if (text === undefined) return [];
  let lock: { packages?: Record<string, { engines?: unknown; optional?: boolean; dev?: boolean }> };
  try {
    lock = JSON.parse(text) as typeof lock;
  } catch {
    return [];
  }
  const pairs: Array<[string, string]> = [];
  for (const [key, entry] of Object.entries(lock.packages ?? {})) {
    const node = (entry.engines as { node?: unknown } | undefined)?.node;
    if (key === '' || entry.optional || typeof node !== 'string') continue;
    pairs.push([key.replace(/^.*node_modules\//, ''), node]);
  }
  return distinct(pairs);
}

/** `engines: {node: '>=18'}` lines under the package keys of pnpm-lock.yaml (a line reader, no YAML parser). */
export function pnpmLockEngines(text: string): NodeConstraint[] {
  const pairs: Array<[string, string]> = [];
  let current = '';
  for (const line of text.split('\n')) {
    const key = /^ {2}['"]?\/?([^'"\s][^'":]*?(?:@[^'":(]+)?)['"]?:\s*$/.exec(line);
    if (key) { current = key[1]!; continue; }
    const eng = /^ {4}engines:\s*\{[^}]*\bnode:\s*['"]?([^'",}]+)['"]?/.exec(line);
    if (eng && current) pairs.push([current, eng[1]!.trim()]);
  }
  return distinct(pairs);
}
