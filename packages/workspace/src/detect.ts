import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCodes, SweFlowError } from '@swe-flow/core';
import { pathExists } from './files.js';

export type PackageManager = 'npm' | 'pnpm' | 'yarn';

export interface ProjectFacts {
  packageJson: Record<string, unknown>;
  packageManager: PackageManager;
  /** Version from package.json `packageManager`, when pinned there. */
  packageManagerVersion?: string;
  lockfile: string | null;
  /** Workspace globs from package.json `workspaces` or pnpm-workspace.yaml. */
  workspaces: string[];
  /** Node version wanted by the project (`.nvmrc`, `.node-version`, `engines.node`), as written. */
  nodeVersion: string | null;
  testScript: string | null;
  /** Yarn 2+ (berry): a `__metadata` yarn.lock, a `packageManager` of yarn@2+, or a `.yarnrc.yml`. */
  yarnBerry?: boolean;
  /** Berry's `nodeLinker` (`.yarnrc.yml`, or `YARN_NODE_LINKER`); berry's default is `pnp`. */
  yarnLinker?: string;
  /** A lockfile of a package manager swe-flow cannot run here (`bun.lock`, `bun.lockb`): installed with npm from package.json instead. */
  ignoredLockfile?: string;
}

export async function readPackageJson(root: string): Promise<Record<string, unknown>> {
  const file = path.join(root, 'package.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new SweFlowError(ErrorCodes.NO_PACKAGE_JSON, `${root} has no package.json: swe-flow needs a Node.js project with tests`, { cause });
  }
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (cause) {
    throw new SweFlowError(ErrorCodes.INPUT_INVALID, `${file} is not valid JSON: fix it and rerun`, { cause });
  }
}

function parsePnpmWorkspaceGlobs(yaml: string): string[] {
  // pnpm-workspace.yaml: `packages:` followed by `- 'glob'` lines. A tiny reader avoids a YAML dependency.
  const out: string[] = [];
  let inPackages = false;
  for (const line of yaml.split('\n')) {
    if (/^packages\s*:/.test(line)) { inPackages = true; continue; }
    if (inPackages) {
      const m = /^\s+-\s*['"]?([^'"#]+?)['"]?\s*(#.*)?$/.exec(line);
      if (m) out.push(m[1]!);
      else if (/^\S/.test(line)) inPackages = false;
    }
  }
  return out;
}

export async function detectProject(root: string): Promise<ProjectFacts> {
  const packageJson = await readPackageJson(root);
  let packageManager: PackageManager = 'npm';
  let lockfile: string | null = null;
  let packageManagerVersion: string | undefined;
  const pmField = typeof packageJson.packageManager === 'string' ? packageJson.packageManager : '';
  const pmMatch = /^(npm|pnpm|yarn)@([^+\s]+)/.exec(pmField);
  if (await pathExists(path.join(root, 'pnpm-lock.yaml'))) { packageManager = 'pnpm'; lockfile = 'pnpm-lock.yaml'; }
  else if (await pathExists(path.join(root, 'yarn.lock'))) { packageManager = 'yarn'; lockfile = 'yarn.lock'; }
  else if (await pathExists(path.join(root, 'package-lock.json'))) { packageManager = 'npm'; lockfile = 'package-lock.json'; }
  else if (await pathExists(path.join(root, 'npm-shrinkwrap.json'))) { packageManager = 'npm'; lockfile = 'npm-shrinkwrap.json'; }
  else if (pmMatch) packageManager = pmMatch[1] as PackageManager;
  if (pmMatch && pmMatch[1] === packageManager) packageManagerVersion = pmMatch[2];
  let ignoredLockfile: string | undefined;
  if (lockfile === null) {
    for (const f of ['bun.lock', 'bun.lockb']) if (await pathExists(path.join(root, f))) { ignoredLockfile = f; break; }
    if (ignoredLockfile && (pmField.startsWith('bun@') || !pmMatch)) packageManager = 'npm';
  }
  const berry = packageManager === 'yarn' ? await detectYarnBerry(root, packageManagerVersion, lockfile) : undefined;

  let workspaces: string[] = [];
  const ws = packageJson.workspaces;
  if (Array.isArray(ws)) workspaces = ws.filter((w): w is string => typeof w === 'string');
  else if (ws && typeof ws === 'object' && Array.isArray((ws as { packages?: unknown }).packages)) {
    workspaces = ((ws as { packages: unknown[] }).packages).filter((w): w is string => typeof w === 'string');
  }
  const pnpmWs = path.join(root, 'pnpm-workspace.yaml');
  if (await pathExists(pnpmWs)) workspaces = [...workspaces, ...parsePnpmWorkspaceGlobs(await readFile(pnpmWs, 'utf8'))];

  let nodeVersion: string | null = null;
  for (const f of ['.nvmrc', '.node-version']) {
    const p = path.join(root, f);
    if (await pathExists(p)) { nodeVersion = (await readFile(p, 'utf8')).trim().replace(/^v/, '') || null; break; }
  }
  const engines = packageJson.engines as { node?: unknown } | undefined;
  if (!nodeVersion && typeof engines?.node === 'string') nodeVersion = engines.node;
  const scripts = packageJson.scripts as Record<string, unknown> | undefined;
  const testScript = typeof scripts?.test === 'string' ? scripts.test : null;
  return {
    packageJson,
    packageManager,
    ...(packageManagerVersion ? { packageManagerVersion } : {}),
    lockfile,
    workspaces,
    nodeVersion,
    testScript,
    ...(berry ? { yarnBerry: true, yarnLinker: berry.linker } : {}),
    ...(ignoredLockfile ? { ignoredLockfile } : {}),
  };
}

/** Yarn berry and its linker, or undefined for yarn classic. */
async function detectYarnBerry(root: string, version: string | undefined, lockfile: string | null): Promise<{ linker: string } | undefined> {
  const rc = await readFile(path.join(root, '.yarnrc.yml'), 'utf8').catch(() => undefined);
  const lock = lockfile ? await readFile(path.join(root, lockfile), 'utf8').catch(() => '') : '';
  const major = Number((version ?? '').split('.')[0]);
  // A yarn.lock says which yarn wrote it; without one, a pinned version or a .yarnrc.yml (berry's config file) does.
  const berry = (version !== undefined && major >= 2) || (lockfile ? /^__metadata:/m.test(lock) : version === undefined && rc !== undefined);
  if (!berry) return undefined;
  const linker = process.env.YARN_NODE_LINKER ?? /^nodeLinker:\s*['"]?([\w-]+)/m.exec(rc ?? '')?.[1] ?? 'pnp';
  return { linker };
}
