import { createHash } from 'node:crypto';
import { mkdir, readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { ErrorCodes, SweFlowError, type Logger, silentLogger } from '@swe-flow/core';
import type { PackageManager, ProjectFacts } from './detect.js';

/** Versions used when the repository does not pin its package manager. */
export const DEFAULT_PM_VERSIONS: Record<PackageManager, string> = { npm: '11', pnpm: '9', yarn: '1.22.22' };

export interface InstallOptions {
  logger?: Logger;
  timeoutMs?: number;
  /** Dependencies allowed to run install scripts (npm 11 blocks them by default); `'all'` allows all. */
  allowScripts?: string[] | 'all';
  /** Where package managers fetched from the registry are kept. */
  toolsDir?: string;
}

export interface InstallRecord {
  packageManager: PackageManager;
  packageManagerVersion: string;
  command: string[];
  durationMs: number;
  allowScripts: string[] | 'all';
  /** Dependencies whose install scripts were skipped (npm), as npm listed them. */
  skippedScripts: string[];
}

const exists = (p: string) => stat(p).then(() => true, () => false);

export function defaultToolsDir(): string {
  return path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'swe-flow', 'tools');
}

/**
 * The executable of a package manager: the one on PATH when its major version fits, otherwise one
 * installed from the npm registry into `toolsDir` (corepack shims try to download and fail offline).
 */
export async function resolvePackageManager(pm: PackageManager, version: string | undefined, toolsDir: string, logger: Logger): Promise<{ bin: string; version: string }> {
  const wanted = version ?? DEFAULT_PM_VERSIONS[pm];
  const wantedMajor = wanted.split('.')[0];
  try {
    const { stdout } = await execa(pm, ['--version']);
    const have = stdout.trim();
    if (pm === 'npm' || have.split('.')[0] === wantedMajor) return { bin: pm, version: have };
  } catch {
    // not on PATH
  }
  const pkg = pm === 'yarn' && Number(wantedMajor) >= 2 ? '@yarnpkg/cli-dist' : pm;
  const dir = path.join(toolsDir, `${pm}@${wanted}`);
  const binName = pm === 'yarn' ? (pkg === 'yarn' ? 'yarn' : 'yarn') : pm;
  const bin = path.join(dir, 'node_modules', '.bin', binName);
  if (!(await exists(bin))) {
    logger.info(`installing ${pkg}@${wanted} from the registry into ${dir}`);
    await mkdir(dir, { recursive: true });
    try {
      await execa('npm', ['install', '--prefix', dir, '--no-save', '--no-audit', '--no-fund', `${pkg}@${wanted}`]);
    } catch (cause) {
      throw new SweFlowError(ErrorCodes.INSTALL_FAILED, `could not install ${pm}@${wanted} from the npm registry: check registry access`, { cause });
    }
  }
  const { stdout } = await execa(bin, ['--version']);
  return { bin, version: stdout.trim() };
}

function installArgs(pm: PackageManager, facts: ProjectFacts, allowScripts: string[] | 'all'): string[] {
  switch (pm) {
    case 'npm': {
      const args = [facts.lockfile ? 'ci' : 'install', '--no-audit', '--no-fund'];
      if (allowScripts === 'all') args.push('--dangerously-allow-all-scripts');
      else if (allowScripts.length > 0) args.push(`--allow-scripts=${allowScripts.join(',')}`);
      return args;
    }
    case 'pnpm':
      return ['install', facts.lockfile ? '--frozen-lockfile' : '--no-frozen-lockfile', '--config.confirmModulesPurge=false'];
    case 'yarn':
      return facts.lockfile ? ['install', '--frozen-lockfile', '--non-interactive'] : ['install', '--non-interactive'];
  }
}

/** Installs the project's dependencies in `root` with its own package manager, from its lockfile. */
export async function installDependencies(root: string, facts: ProjectFacts, options: InstallOptions = {}): Promise<InstallRecord> {
  const logger = options.logger ?? silentLogger;
  const allowScripts = options.allowScripts ?? [];
  const { bin, version } = await resolvePackageManager(facts.packageManager, facts.packageManagerVersion, options.toolsDir ?? defaultToolsDir(), logger);
  const args = installArgs(facts.packageManager, facts, allowScripts);
  const started = Date.now();
  logger.info(`installing dependencies: ${facts.packageManager} ${args.join(' ')}`);
  const result = await execa(bin, args, {
    cwd: root,
    reject: false,
    all: true,
    timeout: options.timeoutMs ?? 15 * 60_000,
    env: { CI: 'true', HUSKY: '0', npm_config_update_notifier: 'false' },
  });
  if (result.exitCode !== 0) {
    const tail = (result.all ?? '').split('\n').slice(-25).join('\n');
    throw new SweFlowError(
      ErrorCodes.INSTALL_FAILED,
      `${facts.packageManager} ${args.join(' ')} failed in ${root} (exit ${result.exitCode}${result.timedOut ? ', timed out' : ''}). ` +
        `Fix the lockfile or install step, or pass the install scripts to allow. Last output:\n${tail}`,
      { details: { exitCode: result.exitCode, timedOut: result.timedOut } },
    );
  }
  const skippedScripts: string[] = [];
  for (const m of (result.all ?? '').matchAll(/^npm warn install-scripts\s+(\S+)@\S+ \(/gm)) skippedScripts.push(m[1]!);
  return {
    packageManager: facts.packageManager,
    packageManagerVersion: version,
    command: [facts.packageManager, ...args],
    durationMs: Date.now() - started,
    allowScripts,
    skippedScripts,
  };
}

/** A hash of everything that decides the installed dependencies: manifests, lockfile, package manager. */
export async function dependencyHash(root: string, facts: ProjectFacts, manifestFiles: string[] = []): Promise<string> {
  const h = createHash('sha256');
  h.update(facts.packageManager);
  for (const f of ['package.json', facts.lockfile ?? '', ...manifestFiles].filter(Boolean)) {
    h.update(f);
    h.update(await readFile(path.join(root, f)).catch(() => Buffer.alloc(0)));
  }
  return h.digest('hex').slice(0, 16);
}
