import { createHash } from 'node:crypto';
import { mkdir, readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { ErrorCodes, SweFlowError, type Logger, silentLogger } from '@swe-flow/core';
import semver from 'semver';
import type { PackageManager, ProjectFacts } from './detect.js';
import { dropDependencies, filesNaming, gitDependencies, retagDependency } from './drop-dependency.js';
import { listRepoFiles } from './files.js';
import { classifyInstallFailure, errorLines, type InstallFailure } from './install-failure.js';
import { hostNode, nodeEnv, type NodeRuntime } from './node-provision.js';
import { listWorkspacePackages } from './packages.js';

/** Versions used when the repository does not pin its package manager. */
export const DEFAULT_PM_VERSIONS: Record<PackageManager, string> = { npm: '11', pnpm: '9', yarn: '1.22.22' };
/** The pnpm tried when the default is too old for a repository that pins none. */
export const NEWER_PNPM = '10';
/** Yarn berry when the repository is berry but pins no version. */
export const DEFAULT_YARN_BERRY_VERSION = '4';

export interface InstallOptions {
  logger?: Logger;
  timeoutMs?: number;
  /** Dependencies allowed to run install scripts (npm 11 blocks them by default); `'all'` allows all. */
  allowScripts?: string[] | 'all';
  /** Where package managers fetched from the registry are kept. */
  toolsDir?: string;
  /** The Node chosen for the repository (default: the host's). */
  node?: NodeRuntime;
  /** On engine errors: a Node that satisfies these ranges as well as the repository's own, or undefined. */
  nodeFor?: (ranges: string[]) => Promise<NodeRuntime | undefined>;
}

/** One run of the package manager: what was tried, with which Node, and how it ended. */
export interface InstallAttempt {
  /** `plain` first, then the fallback applied (`legacy-peer-deps`, `node 22.23.5`, `without foo`, ...). */
  label: string;
  command: string[];
  node: string;
  exitCode: number | null;
  durationMs: number;
  ok: boolean;
  /** What the output said went wrong, when it failed. */
  failure?: InstallFailure['kind'];
  /** The package manager's own error lines, when it failed. */
  errorLines?: string[];
}

export interface InstallRecord {
  packageManager: PackageManager;
  packageManagerVersion: string;
  /** The command that worked. */
  command: string[];
  durationMs: number;
  allowScripts: string[] | 'all';
  /** Dependencies whose install scripts were skipped (npm), as npm listed them. */
  skippedScripts: string[];
  /** The Node version the install ran with (the one the repository is then run with). */
  node: string;
  /** Every run, in order: the plain install first, then each fallback. */
  attempts: InstallAttempt[];
  /** The fallbacks the working install needed (empty when the plain install worked). */
  fallbacks: string[];
  /** Dependencies unavailable from the registry that no file of the repository names, removed from the copy's package.json. */
  droppedDependencies: string[];
  /** A lockfile swe-flow could not use (`bun.lockb`): the install ran from package.json. */
  ignoredLockfile?: string;
}

const exists = (p: string) => stat(p).then(() => true, () => false);

export function defaultToolsDir(): string {
  return path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'swe-flow', 'tools');
}

/** npm 11 runs on ^20.17 || >=22.9; older Nodes get npm 10. */
function npmFor(node: NodeRuntime | undefined): string | undefined {
  if (!node?.binDir) return undefined;
  return semver.satisfies(node.version, '^20.17.0 || >=22.9.0') ? undefined : '10';
}

/**
 * The executable of a package manager: the one on PATH when its major version fits, otherwise one
 * installed from the npm registry into `toolsDir` (corepack shims try to download and fail offline).
 */
export async function resolvePackageManager(
  pm: PackageManager,
  version: string | undefined,
  toolsDir: string,
  logger: Logger,
  options: { node?: NodeRuntime; berry?: boolean } = {},
): Promise<{ bin: string; version: string }> {
  const npmPin = pm === 'npm' ? npmFor(options.node) : undefined;
  const wanted = npmPin ?? version ?? (options.berry ? DEFAULT_YARN_BERRY_VERSION : DEFAULT_PM_VERSIONS[pm]);
  const wantedMajor = wanted.split('.')[0];
  const env = nodeEnv(options.node);
  try {
    const { stdout } = await execa(pm, ['--version'], { env });
    const have = stdout.trim();
    if ((pm === 'npm' && npmPin === undefined) || have.split('.')[0] === wantedMajor) return { bin: pm, version: have };
  } catch {
    // not on PATH
  }
  const pkg = pm === 'yarn' && Number(wantedMajor) >= 2 ? '@yarnpkg/cli-dist' : pm;
  const dir = path.join(toolsDir, `${pm}@${wanted}`);
  const bin = path.join(dir, 'node_modules', '.bin', pm);
  if (!(await exists(bin))) {
    logger.info(`installing ${pkg}@${wanted} from the registry into ${dir}`);
    await mkdir(dir, { recursive: true });
    try {
      await execa('npm', ['install', '--prefix', dir, '--no-save', '--no-audit', '--no-fund', `${pkg}@${wanted}`]);
    } catch (cause) {
      throw new SweFlowError(ErrorCodes.INSTALL_FAILED, `could not install ${pm}@${wanted} from the npm registry: check registry access`, { cause });
    }
  }
  const { stdout } = await execa(bin, ['--version'], { env, cwd: toolsDir });
  return { bin, version: stdout.trim() };
}

/** The switches the fallbacks turn; the plain install has them all off (and `frozen` on with a lockfile). */
interface InstallPlan {
  frozen: boolean;
  legacyPeerDeps: boolean;
  ignoreScripts: boolean;
  ignoreEngines: boolean;
  node: NodeRuntime;
  /** A newer package manager than the default, when the repository pins none and the default is too old for its files. */
  pmVersion?: string;
}

function installArgs(pm: PackageManager, facts: ProjectFacts, allowScripts: string[] | 'all', plan: InstallPlan): string[] {
  const frozen = plan.frozen && facts.lockfile !== null;
  switch (pm) {
    case 'npm': {
      const args = [frozen ? 'ci' : 'install', '--no-audit', '--no-fund'];
      if (allowScripts === 'all') args.push('--dangerously-allow-all-scripts');
      else if (allowScripts.length > 0) args.push(`--allow-scripts=${allowScripts.join(',')}`);
      if (plan.legacyPeerDeps) args.push('--legacy-peer-deps');
      if (plan.ignoreScripts) args.push('--ignore-scripts');
      if (plan.ignoreEngines) args.push('--engine-strict=false');
      return args;
    }
    case 'pnpm':
      return [
        'install', frozen ? '--frozen-lockfile' : '--no-frozen-lockfile', '--config.confirmModulesPurge=false',
        ...(plan.ignoreScripts ? ['--ignore-scripts'] : []), ...(plan.ignoreEngines ? ['--config.engine-strict=false'] : []),
      ];
    case 'yarn':
      if (facts.yarnBerry) return ['install', frozen ? '--immutable' : '--no-immutable'];
      return [
        'install', ...(frozen ? ['--frozen-lockfile'] : []), '--non-interactive',
        ...(plan.ignoreScripts ? ['--ignore-scripts'] : []), ...(plan.ignoreEngines ? ['--ignore-engines'] : []),
      ];
  }
}

function installEnv(facts: ProjectFacts, plan: InstallPlan): Record<string, string> {
  const env: Record<string, string> = { CI: 'true', HUSKY: '0', npm_config_update_notifier: 'false', ...nodeEnv(plan.node) };
  if (facts.yarnBerry) {
    Object.assign(env, { YARN_ENABLE_TELEMETRY: '0', YARN_ENABLE_PROGRESS_BARS: 'false', YARN_ENABLE_IMMUTABLE_INSTALLS: String(plan.frozen && facts.lockfile !== null) });
    if (plan.ignoreScripts) env.YARN_ENABLE_SCRIPTS = 'false';
  }
  return env;
}

/** A berry repository on Plug'n'Play has no node_modules for the runners and the tracer to load from. */
function refusePnp(facts: ProjectFacts): void {
  if (!facts.yarnBerry || facts.yarnLinker === 'node-modules' || facts.yarnLinker === 'pnpm') return;
  throw new SweFlowError(
    ErrorCodes.YARN_PNP,
    `this repository uses yarn Plug'n'Play (nodeLinker: ${facts.yarnLinker ?? 'pnp'}, yarn's default), which installs no node_modules; ` +
      'swe-flow traces and verifies through node_modules: add `nodeLinker: node-modules` to .yarnrc.yml, or run swe-flow with YARN_NODE_LINKER=node-modules',
  );
}

/**
 * Installs the project's dependencies in `root` (a working copy, never the user's repository) with its
 * own package manager, from its lockfile, with the Node chosen for it. When the plain install fails, the
 * fallbacks a person would use are tried, each only for the failure it answers, and each recorded:
 * ERESOLVE → `--legacy-peer-deps`; a lockfile out of sync → a plain install; engine errors → a Node that
 * satisfies them, an engines override only as the last resort; an unavailable package (404, an unreachable
 * git dependency) that no file of the repository names → installed without it; failing lifecycle scripts →
 * scripts off.
 */
export async function installDependencies(root: string, facts: ProjectFacts, options: InstallOptions = {}): Promise<InstallRecord> {
  const logger = options.logger ?? silentLogger;
  const allowScripts = options.allowScripts ?? [];
  refusePnp(facts);
  const toolsDir = options.toolsDir ?? defaultToolsDir();
  const plan: InstallPlan = { frozen: true, legacyPeerDeps: false, ignoreScripts: false, ignoreEngines: false, node: options.node ?? hostNode() };
  const attempts: InstallAttempt[] = [];
  const fallbacks: string[] = [];
  const dropped: string[] = [];
  const started = Date.now();
  let label = 'plain';
  for (;;) {
    const pm = await resolvePackageManager(facts.packageManager, plan.pmVersion ?? facts.packageManagerVersion, toolsDir, logger, { node: plan.node, berry: !!facts.yarnBerry });
    const args = installArgs(facts.packageManager, facts, allowScripts, plan);
    logger.info(`installing dependencies (${label}, Node ${plan.node.version}): ${facts.packageManager} ${args.join(' ')}`);
    const t0 = Date.now();
    const result = await execa(pm.bin, args, { cwd: root, reject: false, all: true, timeout: options.timeoutMs ?? 15 * 60_000, env: installEnv(facts, plan) });
    const output = result.all ?? '';
    const attempt: InstallAttempt = { label, command: [facts.packageManager, ...args], node: plan.node.version, exitCode: result.exitCode ?? null, durationMs: Date.now() - t0, ok: result.exitCode === 0 };
    attempts.push(attempt);
    if (attempt.ok) {
      const skippedScripts = [...output.matchAll(/^npm warn install-scripts\s+(\S+)@\S+ \(/gm)].map((m) => m[1]!);
      return {
        packageManager: facts.packageManager, packageManagerVersion: pm.version, command: attempt.command, durationMs: Date.now() - started,
        allowScripts, skippedScripts, node: plan.node.version, attempts, fallbacks, droppedDependencies: dropped,
        ...(facts.ignoredLockfile ? { ignoredLockfile: facts.ignoredLockfile } : {}),
      };
    }
    const failure = classifyInstallFailure(output);
    attempt.failure = failure.kind;
    attempt.errorLines = errorLines(output, facts.packageManager);
    const next = result.timedOut ? undefined : await nextFallback(root, facts, plan, failure, options, dropped);
    if (next === undefined) throw installFailed(root, facts, attempts, result.timedOut);
    logger.warn(`install failed (${failure.kind}); retrying with ${next}`);
    fallbacks.push(next);
    label = next;
  }
}

/** Applies the fallback that answers `failure` to `plan` and names it; undefined when none is left. */
async function nextFallback(root: string, facts: ProjectFacts, plan: InstallPlan, failure: InstallFailure, options: InstallOptions, dropped: string[]): Promise<string | undefined> {
  switch (failure.kind) {
    case 'peer-conflict':
      if (facts.packageManager !== 'npm' || plan.legacyPeerDeps) return undefined;
      plan.legacyPeerDeps = true;
      return 'legacy-peer-deps';
    case 'lockfile-out-of-sync':
      if (!plan.frozen) return undefined;
      plan.frozen = false;
      return 'lockfile out of sync: install without the frozen lockfile';
    case 'engine': {
      const node = failure.ranges.length > 0 && options.nodeFor ? await options.nodeFor(failure.ranges) : undefined;
      if (node && node.version !== plan.node.version) {
        plan.node = node;
        return `node ${node.version} (dependencies ask for ${failure.ranges.join(', ')})`;
      }
      if (plan.ignoreEngines) return undefined;
      plan.ignoreEngines = true;
      return 'engines ignored (no Node satisfies every dependency)';
    }
    case 'unavailable-package': {
      const manifests = await manifestsOf(root, facts);
      const names = failure.git ? await gitDependencies(root, manifests) : failure.packages;
      const unused: string[] = [];
      for (const name of names) if (!dropped.includes(name) && (await filesNaming(root, name)).length === 0) unused.push(name);
      const removed = await dropDependencies(root, manifests, unused);
      if (removed.length === 0) return undefined;
      dropped.push(...removed);
      plan.frozen = false;
      return `without ${removed.join(', ')} (${failure.git ? 'git dependency unreachable' : 'not in the registry'}; no file of the repository names it)`;
    }
    case 'lifecycle-script':
      if (plan.ignoreScripts) return undefined;
      plan.ignoreScripts = true;
      return 'install scripts off (a lifecycle script failed)';
    case 'missing-dist-tag': {
      if (!(await retagDependency(root, await manifestsOf(root, facts), failure.package, failure.tag))) return undefined;
      plan.frozen = false;
      return `${failure.package}@latest (the registry has no "${failure.tag}" tag)`;
    }
    case 'package-manager-too-old':
      if (facts.packageManager !== 'pnpm' || facts.packageManagerVersion !== undefined || plan.pmVersion !== undefined) return undefined;
      plan.pmVersion = NEWER_PNPM;
      return `pnpm ${NEWER_PNPM} (the repository's files need a newer pnpm than ${DEFAULT_PM_VERSIONS.pnpm} and pin none)`;
    case 'unknown':
      return undefined;
  }
}

async function manifestsOf(root: string, facts: ProjectFacts): Promise<string[]> {
  const files = await listRepoFiles(root);
  const pkgs = await listWorkspacePackages(root, facts.workspaces, files);
  return ['package.json', ...pkgs.map((p) => `${p.dir}/package.json`)];
}

function installFailed(root: string, facts: ProjectFacts, attempts: InstallAttempt[], timedOut: boolean | undefined): SweFlowError {
  const last = attempts.at(-1)!;
  const tried = attempts.map((a) => `  - ${a.label}: ${a.command.join(' ')} (Node ${a.node}) -> exit ${a.exitCode}${a.failure ? `, ${a.failure}` : ''}`).join('\n');
  return new SweFlowError(
    ErrorCodes.INSTALL_FAILED,
    `${facts.packageManager} could not install the dependencies of ${root}${timedOut ? ' (timed out)' : ''}. ` +
      `Fix the lockfile or install step, pass --node VERSION, or pass the install scripts to allow. Tried:\n${tried}\n` +
      `${facts.packageManager} said:\n${(last.errorLines ?? []).join('\n')}`,
    { details: { exitCode: last.exitCode, timedOut: !!timedOut, attempts } },
  );
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
