import { mkdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import semver from 'semver';
import { ErrorCodes, SweFlowError, type Logger } from '@swe-flow/core';
import type { PackageManager } from './detect.js';
import { nodeEnv, type NodeRuntime } from './node-provision.js';
import { pathExists } from './files.js';

/** Versions used when the repository does not pin its package manager. */
export const DEFAULT_PM_VERSIONS: Record<PackageManager, string> = { npm: '11', pnpm: '9', yarn: '1.22.22' };
/** Yarn berry when the repository is berry but pins no version. */
export const DEFAULT_YARN_BERRY_VERSION = '4';

/** A package manager ready to run: its executable, version, and what it needs. */
export interface ResolvedPackageManager {
  bin: string;
  version: string;
  /** The Node range the package manager itself runs on (its package.json `engines.node`), when installed from the registry. */
  nodeRange?: string;
  /** Set when the pinned version is not in the registry and the nearest release was taken instead. */
  substituted?: { pinned: string; taken: string };
}

export function defaultToolsDir(): string {
  return path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'swe-flow', 'tools');
}

/** npm 11 runs on ^20.17 || >=22.9; older Nodes get npm 10. */
function npmFor(node: NodeRuntime | undefined): string | undefined {
  if (!node?.binDir) return undefined;
  return semver.satisfies(node.version, '^20.17.0 || >=22.9.0') ? undefined : '10';
}

/** The npm package that carries a package manager's major (`@yarnpkg/cli-dist` for yarn 2+). */
function packageOf(pm: PackageManager, major: string): string {
  return pm === 'yarn' && Number(major) >= 2 ? '@yarnpkg/cli-dist' : pm;
}

/**
 * The release to take for a pinned version the registry does not serve (yarn 4.10.0 was never
 * published): the lowest newer release of the same minor, else of the same major, else the newest older
 * one of the same major. Undefined when the major has no release at all.
 */
export function nearestRelease(pinned: string, versions: string[]): string | undefined {
  const want = semver.coerce(pinned);
  if (!want) return undefined;
  const same = versions.filter((v) => semver.valid(v) && !semver.prerelease(v) && semver.major(v) === want.major);
  const newer = semver.sort(same.filter((v) => semver.gt(v, want)));
  return newer.find((v) => semver.minor(v) === want.minor) ?? newer[0] ?? semver.rsort(same.filter((v) => semver.lt(v, want)))[0];
}

async function npmInstall(dir: string, spec: string): Promise<{ ok: boolean; output: string }> {
  await mkdir(dir, { recursive: true });
  const r = await execa('npm', ['install', '--prefix', dir, '--no-save', '--no-audit', '--no-fund', spec], { reject: false, all: true });
  return { ok: r.exitCode === 0, output: String(r.all ?? '') };
}

async function registryVersions(pkg: string): Promise<string[]> {
  const r = await execa('npm', ['view', pkg, 'versions', '--json'], { reject: false });
  if (r.exitCode !== 0) return [];
  const parsed = JSON.parse(String(r.stdout || '[]')) as string[] | string;
  return Array.isArray(parsed) ? parsed : [parsed];
}

/** Installs `pkg@wanted` into the tools folder, or the nearest release when the registry lacks `wanted`. */
async function installTool(pm: PackageManager, wanted: string, toolsDir: string, logger: Logger): Promise<{ dir: string; substituted?: ResolvedPackageManager['substituted'] }> {
  const pkg = packageOf(pm, wanted.split('.')[0]!);
  const dir = path.join(toolsDir, `${pm}@${wanted}`);
  if (await pathExists(path.join(dir, 'node_modules', '.bin', pm))) return { dir };
  logger.info(`installing ${pkg}@${wanted} from the registry into ${dir}`);
  const first = await npmInstall(dir, `${pkg}@${wanted}`);
  if (first.ok) return { dir };
  const taken = /\bE404\b|ETARGET|No match(?:ing version)? found/.test(first.output) && semver.valid(wanted) ? nearestRelease(wanted, await registryVersions(pkg)) : undefined;
  if (taken === undefined) {
    throw new SweFlowError(ErrorCodes.INSTALL_FAILED, `could not install ${pm}@${wanted} from the npm registry (${pkg}): check registry access.\n${first.output.trim().split('\n').slice(-8).join('\n')}`);
  }
  logger.warn(`${pkg}@${wanted} is not in the registry; taking ${taken}, the nearest release`);
  const again = await installTool(pm, taken, toolsDir, logger);
  return { dir: again.dir, substituted: { pinned: wanted, taken } };
}

/**
 * The executable of a package manager: the one on PATH when its major version fits, otherwise one
 * installed from the npm registry into `toolsDir` (corepack shims try to download and fail offline).
 * A pinned version the registry does not serve is replaced by the nearest release, and said so.
 */
export async function resolvePackageManager(
  pm: PackageManager,
  version: string | undefined,
  toolsDir: string,
  logger: Logger,
  options: { node?: NodeRuntime; berry?: boolean } = {},
): Promise<ResolvedPackageManager> {
  const npmPin = pm === 'npm' ? npmFor(options.node) : undefined;
  const wanted = npmPin ?? version ?? (options.berry ? DEFAULT_YARN_BERRY_VERSION : DEFAULT_PM_VERSIONS[pm]);
  const env = nodeEnv(options.node);
  try {
    const { stdout } = await execa(pm, ['--version'], { env });
    const have = stdout.trim();
    if ((pm === 'npm' && npmPin === undefined) || have.split('.')[0] === wanted.split('.')[0]) return { bin: pm, version: have };
  } catch {
    // not on PATH, or it does not run on this Node
  }
  const { dir, substituted } = await installTool(pm, wanted, toolsDir, logger);
  const pkgJson = JSON.parse(await readFile(path.join(dir, 'node_modules', packageOf(pm, (substituted?.taken ?? wanted).split('.')[0]!), 'package.json'), 'utf8')) as { version: string; engines?: { node?: string } };
  const nodeRange = typeof pkgJson.engines?.node === 'string' && semver.validRange(pkgJson.engines.node) ? pkgJson.engines.node : undefined;
  return { bin: path.join(dir, 'node_modules', '.bin', pm), version: pkgJson.version, ...(nodeRange ? { nodeRange } : {}), ...(substituted ? { substituted } : {}) };
}
