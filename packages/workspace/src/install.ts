import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { ErrorCodes, INSTALLED_MANIFESTS_DIR, SweFlowError, type Logger, silentLogger } from '@swe-flow/core';
import semver from 'semver';
import type { PackageManager, ProjectFacts } from './detect.js';
import { dropDependencies, filesNaming, gitDependencies, isToolingFile, retagDependency } from './drop-dependency.js';
import { listRepoFiles } from './files.js';
import { classifyInstallFailure, errorLines, type InstallFailure } from './install-failure.js';
import { hostNode, nodeEnv, type NodeRuntime } from './node-provision.js';
import { DEFAULT_PM_VERSIONS, defaultToolsDir, resolvePackageManager, type ResolvedPackageManager } from './package-manager.js';
import { NpmScriptPolicy } from './npm-script-policy.js';
import { listWorkspacePackages } from './packages.js';

/** Waits before each retry after a registry timeout (ESOCKETTIMEDOUT, ECONNRESET, ...): two retries. */
export const NETWORK_BACKOFF_MS = [10_000, 40_000];
/** yarn classic's network timeout on a retry after a registry timeout (its default is 30 s). */
const YARN_RETRY_NETWORK_TIMEOUT_MS = 600_000;

/** The pnpm tried when the default is too old for a repository that pins none. */
export const NEWER_PNPM = '10';

export interface InstallOptions {
  logger?: Logger;
  timeoutMs?: number;
  /** Dependencies allowed to run install scripts (npm 11 blocks them by default); `'all'` allows all. */
  allowScripts?: string[] | 'all';
  /** Where package managers fetched from the registry are kept. */
  toolsDir?: string;
  /** The Node chosen for the repository (default: the host's). */
  node?: NodeRuntime;
  /** Waits before the retries after registry timeouts (default NETWORK_BACKOFF_MS); its length is the number of retries. */
  networkBackoffMs?: number[];
  /** On engine errors: a Node that satisfies these ranges as well as the repository's own, or undefined. */
  nodeFor?: (ranges: string[], askedBy?: string) => Promise<NodeRuntime | undefined>;
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
  /** Settings a fallback turned through the environment rather than a flag (yarn berry: `YARN_ENABLE_SCRIPTS=false`; `fallbackEnv`). */
  env?: Record<string, string>;
  /**
   * Manifests a fallback changed for the install (dropped dependency, replaced dist-tag, lockfile resolved
   * again): restored in the copy afterwards (the tasks show the repository's own), kept as installed under
   * `INSTALLED_MANIFESTS_DIR` for environment images.
   */
  restoredManifests?: string[];
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
  /** A fallback changed package.json files or the lockfile (restored after the install). */
  manifestsChanged?: boolean;
  /** Retries after registry timeouts so far (each after a longer wait; yarn classic also gets a longer network timeout). */
  networkRetries?: number;
  lockfileDropped?: boolean;
  /** pnpm: skip the supply-chain check of the lockfile's entries against registry metadata (`trustLockfile`). */
  trustLockfile?: boolean;
}

function installArgs(pm: PackageManager, facts: ProjectFacts, allowScripts: string[] | 'all', plan: InstallPlan): string[] {
  const frozen = plan.frozen && facts.lockfile !== null;
  switch (pm) {
    case 'npm': {
      const args = [frozen ? 'ci' : 'install', '--no-audit', '--no-fund'];
      // A list goes through a user npmrc (NpmScriptPolicy): npm 11.19 refuses --allow-scripts in a project install.
      if (allowScripts === 'all') args.push('--dangerously-allow-all-scripts');
      if (plan.legacyPeerDeps) args.push('--legacy-peer-deps');
      if (plan.ignoreScripts) args.push('--ignore-scripts');
      if (plan.ignoreEngines) args.push('--engine-strict=false');
      return args;
    }
    case 'pnpm':
      return [
        'install', frozen ? '--frozen-lockfile' : '--no-frozen-lockfile', '--config.confirmModulesPurge=false',
        ...(plan.ignoreScripts ? ['--ignore-scripts'] : []), ...(plan.ignoreEngines ? ['--config.engine-strict=false'] : []),
        ...(plan.trustLockfile ? ['--config.trust-lockfile=true'] : []),
      ];
    case 'yarn':
      if (facts.yarnBerry) return ['install', frozen ? '--immutable' : '--no-immutable', ...(plan.ignoreScripts ? [berrySkipBuilds(facts)] : [])];
      return [
        'install', ...(frozen ? ['--frozen-lockfile'] : []), '--non-interactive',
        ...(plan.ignoreScripts ? ['--ignore-scripts'] : []), ...(plan.ignoreEngines ? ['--ignore-engines'] : []),
        ...(plan.networkRetries ? ['--network-timeout', String(YARN_RETRY_NETWORK_TIMEOUT_MS)] : []),
      ];
  }
}

/**
 * yarn berry's scripts off: `enableScripts: false` (YARN_ENABLE_SCRIPTS) covers dependencies only, and the
 * repository's own postinstall still fails the install; skipping builds covers both (yarn 2: --skip-builds).
 */
function berrySkipBuilds(facts: ProjectFacts): string {
  const major = facts.packageManagerVersion ? semver.coerce(facts.packageManagerVersion)?.major : undefined;
  return major === 2 ? '--skip-builds' : '--mode=skip-build';
}

/** Settings a fallback turns through the environment, where the package manager has no flag for it (yarn berry's scripts off). */
function fallbackEnv(facts: ProjectFacts, plan: InstallPlan): Record<string, string> {
  return facts.yarnBerry && plan.ignoreScripts ? { YARN_ENABLE_SCRIPTS: 'false' } : {};
}

function installEnv(facts: ProjectFacts, plan: InstallPlan): Record<string, string> {
  const env: Record<string, string> = { CI: 'true', HUSKY: '0', npm_config_update_notifier: 'false', ...nodeEnv(plan.node) };
  if (facts.yarnBerry) {
    Object.assign(env, { YARN_ENABLE_TELEMETRY: '0', YARN_ENABLE_PROGRESS_BARS: 'false', YARN_ENABLE_IMMUTABLE_INSTALLS: String(plan.frozen && facts.lockfile !== null) });
  }
  return { ...env, ...fallbackEnv(facts, plan) };
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
 * satisfies them, an engines override only as the last resort; pnpm's lockfile check failing on packages
 * the registry lacks → the lockfile trusted as it is (`trustLockfile`); an unavailable package (404, an unreachable
 * git dependency) that no file of the repository names → installed without it; failing lifecycle scripts →
 * scripts off.
 */
export async function installDependencies(root: string, facts: ProjectFacts, options: InstallOptions = {}): Promise<InstallRecord> {
  const allowScripts = options.allowScripts ?? [];
  refusePnp(facts);
  // The package.json files, listed once: the fallbacks edit them, and they are put back after the install.
  const manifests = await manifestsOf(root, facts);
  const originals = await readManifests(root, [...manifests, ...(facts.lockfile ? [facts.lockfile] : [])]);
  const policy = facts.packageManager === 'npm' ? await NpmScriptPolicy.create(allowScripts) : undefined;
  try {
    return await installWithFallbacks(root, facts, options, { allowScripts, manifests, originals, policyEnv: policy?.env ?? {} });
  } finally {
    await policy?.dispose();
  }
}

interface InstallInputs {
  allowScripts: string[] | 'all';
  manifests: string[];
  originals: Map<string, string>;
  /** npm's install-script list, as a user npmrc (NpmScriptPolicy). */
  policyEnv: Record<string, string>;
}

async function installWithFallbacks(root: string, facts: ProjectFacts, options: InstallOptions, inputs: InstallInputs): Promise<InstallRecord> {
  const { allowScripts, manifests, originals } = inputs;
  const logger = options.logger ?? silentLogger;
  const toolsDir = options.toolsDir ?? defaultToolsDir();
  const plan: InstallPlan = { frozen: true, legacyPeerDeps: false, ignoreScripts: false, ignoreEngines: false, node: options.node ?? hostNode() };
  const attempts: InstallAttempt[] = [];
  const fallbacks: string[] = [];
  const dropped: string[] = [];
  const started = Date.now();
  let label = 'plain';
  for (;;) {
    const pm = await packageManagerFor(facts, plan, toolsDir, logger, options, fallbacks);
    const args = installArgs(facts.packageManager, facts, allowScripts, plan);
    logger.info(`installing dependencies (${label}, Node ${plan.node.version}): ${facts.packageManager} ${args.join(' ')}`);
    const t0 = Date.now();
    const result = await execa(pm.bin, args, { cwd: root, reject: false, all: true, timeout: options.timeoutMs ?? 15 * 60_000, env: { ...installEnv(facts, plan), ...inputs.policyEnv } });
    const output = result.all ?? '';
    const attempt: InstallAttempt = { label, command: [facts.packageManager, ...args], node: plan.node.version, exitCode: result.exitCode ?? null, durationMs: Date.now() - t0, ok: result.exitCode === 0 };
    attempts.push(attempt);
    if (attempt.ok) {
      const restored = plan.manifestsChanged ? await restoreManifests(root, originals, logger) : [];
      const env = fallbackEnv(facts, plan);
      const skippedScripts = [...output.matchAll(/^npm warn install-scripts\s+(\S+)@\S+ \(/gm)].map((m) => m[1]!);
      return {
        packageManager: facts.packageManager, packageManagerVersion: pm.version, command: attempt.command, durationMs: Date.now() - started,
        allowScripts, skippedScripts, node: plan.node.version, attempts, fallbacks, droppedDependencies: dropped,
        ...(facts.ignoredLockfile ? { ignoredLockfile: facts.ignoredLockfile } : {}),
        ...(Object.keys(env).length > 0 ? { env } : {}),
        ...(restored.length > 0 ? { restoredManifests: restored } : {}),
      };
    }
    const failure = classifyInstallFailure(output);
    attempt.failure = failure.kind;
    attempt.errorLines = errorLines(output, facts.packageManager);
    const next = result.timedOut ? undefined : await nextFallback(root, facts, plan, failure, options, { manifests, dropped });
    if (next === undefined) throw installFailed(root, facts, attempts, result.timedOut);
    logger.warn(`install failed (${failure.kind}); retrying with ${next}`);
    fallbacks.push(next);
    label = next;
  }
}

/**
 * The package manager for the next attempt, on a Node it runs on: a pinned version the registry lacks is
 * replaced by the nearest release, and a package manager that needs a newer Node than the repository's
 * (pnpm 11: >=22.13) moves the repository to one that satisfies both; each is recorded in `fallbacks`.
 */
async function packageManagerFor(facts: ProjectFacts, plan: InstallPlan, toolsDir: string, logger: Logger, options: InstallOptions, fallbacks: string[]): Promise<ResolvedPackageManager> {
  const name = facts.packageManager;
  const pinned = plan.pmVersion ?? facts.packageManagerVersion;
  let pm = await resolvePackageManager(name, pinned, toolsDir, logger, { node: plan.node, berry: !!facts.yarnBerry });
  if (pm.substituted && !fallbacks.some((f) => f.startsWith(`${name} ${pm.substituted!.taken} `))) {
    fallbacks.push(`${name} ${pm.substituted.taken} (the pinned ${pm.substituted.pinned} is not in the registry; the nearest release)`);
  }
  if (pm.nodeRange === undefined || semver.satisfies(plan.node.version, pm.nodeRange)) return pm;
  const node = options.nodeFor ? await options.nodeFor([pm.nodeRange], `${name}@${pm.version}`) : undefined;
  if (!node) {
    throw new SweFlowError(
      ErrorCodes.INSTALL_FAILED,
      `${name} ${pm.version} (the repository's packageManager) runs on Node ${pm.nodeRange}, but this repository runs on Node ${plan.node.version}` +
        `${options.nodeFor ? ' and no Node release satisfies both' : ''}: pass --node with a version in ${pm.nodeRange}, or change packageManager in package.json`,
    );
  }
  logger.info(`${name} ${pm.version} needs Node ${pm.nodeRange}: the repository runs on Node ${node.version}`);
  plan.node = node;
  pm = await resolvePackageManager(name, pinned, toolsDir, logger, { node, berry: !!facts.yarnBerry });
  return pm;
}

/** Applies the fallback that answers `failure` to `plan` and names it; undefined when none is left. */
async function nextFallback(
  root: string, facts: ProjectFacts, plan: InstallPlan, failure: InstallFailure, options: InstallOptions,
  { manifests, dropped }: { manifests: string[]; dropped: string[] },
): Promise<string | undefined> {
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
    case 'lockfile-verification':
      // The repository's own lockfile, installed as locked, before resolving anything again: what a person
      // does when a registry mirror lacks metadata the check wants for packages of other platforms.
      if (facts.packageManager === 'pnpm' && plan.frozen && facts.lockfile !== null && !plan.trustLockfile) {
        plan.trustLockfile = true;
        const named = failure.packages.length > 0 ? failure.packages.join(', ') : 'some locked packages';
        return `pnpm trustLockfile (its check of the lockfile against registry metadata could not fetch ${named}, which the registry does not serve; installed as locked)`;
      }
      return nextFallback(root, facts, plan, { kind: 'unavailable-package', packages: failure.packages, git: false }, options, { manifests, dropped });
    case 'unavailable-package': {
      const names = failure.git ? await gitDependencies(root, manifests) : failure.packages;
      const unused: string[] = [];
      const namedBy: string[] = [];
      const candidates = names.filter((name) => !dropped.includes(name));
      const naming = await filesNaming(root, candidates);
      for (const name of candidates) {
        const files = naming.get(name)!;
        if (files.every(isToolingFile)) { unused.push(name); namedBy.push(...files); }
      }
      const removed = await dropDependencies(root, manifests, unused);
      if (removed.length === 0) return relock(root, facts, plan, names);
      dropped.push(...removed);
      manifestsEdited(plan);
      const why = namedBy.length === 0 ? 'no file of the repository names it' : `named only by ${namedBy.join(', ')}, which the tests do not load`;
      return `without ${removed.join(', ')} (${failure.git ? 'git or URL dependency unreachable' : 'not in the registry'}; ${why})`;
    }
    case 'lifecycle-script':
      if (plan.ignoreScripts) return undefined;
      plan.ignoreScripts = true;
      return 'install scripts off (a lifecycle script failed)';
    case 'missing-dist-tag': {
      if (!(await retagDependency(root, manifests, failure.package, failure.tag))) return undefined;
      manifestsEdited(plan);
      return `${failure.package}@latest (the registry has no "${failure.tag}" tag)`;
    }
    case 'network': {
      const retries = plan.networkRetries ?? 0;
      const waitMs = (options.networkBackoffMs ?? NETWORK_BACKOFF_MS)[retries];
      if (waitMs === undefined) return undefined;
      plan.networkRetries = retries + 1;
      await new Promise((resolve) => setTimeout(resolve, waitMs));
      return `the same install again after ${Math.round(waitMs / 1000)} s (the registry did not answer in time; retry ${retries + 1})`;
    }
    case 'package-manager-too-old':
      if (facts.packageManager !== 'pnpm' || facts.packageManagerVersion !== undefined || plan.pmVersion !== undefined) return undefined;
      plan.pmVersion = NEWER_PNPM;
      return `pnpm ${NEWER_PNPM} (the repository's files need a newer pnpm than ${DEFAULT_PM_VERSIONS.pnpm} and pin none)`;
    case 'unknown':
      return undefined;
  }
}

/**
 * A package the code needs whose locked version the registry does not serve (a registry behind the
 * lockfile): resolve again from package.json without the lockfile (removed from the working copy only).
 */
async function relock(root: string, facts: ProjectFacts, plan: InstallPlan, names: string[]): Promise<string | undefined> {
  if (facts.lockfile === null || plan.lockfileDropped || names.length === 0) return undefined;
  await rm(path.join(root, facts.lockfile), { force: true });
  plan.lockfileDropped = true;
  manifestsEdited(plan);
  return `without ${facts.lockfile} (the locked ${names.join(', ')} is not served by the registry; resolved again from package.json)`;
}

/** A fallback changed package.json files or the lockfile: the install resolves again, and puts them back after. */
function manifestsEdited(plan: InstallPlan): void {
  plan.frozen = false;
  plan.manifestsChanged = true;
}

/** The repository's own package.json files and lockfile, as they were before any install (path → text). */
async function readManifests(root: string, files: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const file of files) {
    const text = await readFile(path.join(root, file), 'utf8').catch(() => undefined);
    if (text !== undefined) out.set(file, text);
  }
  return out;
}

/**
 * Puts the repository's own manifests back after an install that needed them changed, keeping the
 * changed ones (what was installed) under INSTALLED_MANIFESTS_DIR. Returns the files restored.
 */
async function restoreManifests(root: string, originals: Map<string, string>, logger: Logger): Promise<string[]> {
  const restored: string[] = [];
  for (const [file, text] of originals) {
    const now = await readFile(path.join(root, file), 'utf8').catch(() => undefined);
    if (now === text) continue;
    if (now !== undefined) {
      const kept = path.join(root, INSTALLED_MANIFESTS_DIR, file);
      await mkdir(path.dirname(kept), { recursive: true });
      await writeFile(kept, now);
    }
    await writeFile(path.join(root, file), text);
    restored.push(file);
  }
  if (restored.length > 0) logger.info(`restored the repository's own ${restored.join(', ')} (the install's changed copies are kept in ${INSTALLED_MANIFESTS_DIR})`);
  return restored;
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
