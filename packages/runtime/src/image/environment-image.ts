import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, readdir, realpath, rm, stat, writeFile, copyFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';
import { ErrorCodes, INSTALLED_MANIFESTS_DIR, SweFlowError, type Logger } from '@swe-flow/core';
import { getDocker, inspectImage } from '../docker/client.js';
import { git, refFingerprint } from '../git.js';
import { LABEL_HASH, LABEL_KIND, LABEL_NODE, LABEL_REPO, SWE_FLOW_LABEL } from '../labels.js';
import { SWE_USER, TESTBED } from '../docker/docker-runtime.js';
import { baseImageTag, bootstrapBaseImage } from './bootstrap.js';
import { buildFromContext, removeStageImages } from './docker-build.js';
import { fetchNpmPackage } from './npm-pack.js';
import { npmVersionFor, resolveNodeVersion, type NodeVersionChoice } from './node-version.js';
import { detectPackageManager, findLockfile, overridePackageManager, packageManagerFromInstallRecord, type InstallRecordForImage, type PackageManagerChoice, type PackageManagerName } from './package-manager.js';

export type BaseKind = 'online' | 'offline';

/** Moves every node_modules folder of an install out of the tree, without self copies and caches. */
export const COLLECT_DEPS_SCRIPT = fileURLToPath(new URL('../../runtime/collect-deps.cjs', import.meta.url));

export const SWE_UID = 10001;

export interface EnvironmentImageOptions {
  /** The repository's source with its manifests (package.json, lockfile, .nvmrc); the task repo if omitted. */
  repoDir?: string;
  /** The task git repository (bare or not) that becomes /testbed; default repoDir (must then be a git repo). */
  taskRepo?: string;
  /** `owner/repo` or a name for labels and the tag; default package.json's name or the folder name. */
  repoName?: string;
  /** Concrete Node version; default from .nvmrc/.node-version/engines, else the pinned LTS. */
  nodeVersion?: string;
  /** Where `nodeVersion` comes from, for the record (`repo.json`: the Node the repository was set up with). */
  nodeVersionSource?: NodeVersionChoice['source'];
  /** Override the lockfile's choice: `pnpm` or `pnpm@9.15.9`. */
  packageManager?: PackageManagerName | `${PackageManagerName}@${string}`;
  /**
   * `repo.json`'s install record (the install that set the repository up and was verified): the image
   * installs with the same package manager and version and the flags its fallbacks added, instead of
   * choosing its own from the lockfile. `packageManager` still overrides it.
   */
  install?: InstallRecordForImage;
  /** `online`: FROM node:<v>-bookworm-slim (needs Docker Hub). `offline`: the bootstrapped base. */
  base: BaseKind;
  /**
   * CA bundle trusted by the install step only (TLS-intercepting proxies). Default NODE_EXTRA_CA_CERTS,
   * then SSL_CERT_FILE from this process's environment; `false` for none.
   */
  extraCaCerts?: string | false;
  /** The build context is written to `<outDir>/docker/`. */
  outDir: string;
  /** Build the image (default) or only write the context. */
  build?: boolean;
  /** Ignore the engine's layer cache (a truly cold build; for benchmarks and suspected stale layers). */
  noCache?: boolean;
  /** Make the offline base when it is missing (default true). */
  bootstrap?: boolean;
  docker?: Docker;
  logger?: Logger;
}

export interface EnvironmentImage {
  tag: string;
  /** The image already existed: nothing was built. */
  cached: boolean;
  built: boolean;
  contextDir: string;
  dockerfile: string;
  baseImage: string;
  nodeVersion: NodeVersionChoice;
  packageManager: PackageManagerChoice;
  inputsHash: string;
  /** The CA file copied into the context for the install step, if any. */
  extraCaCerts?: string;
  durationMs: number;
}

/**
 * One image per source repository: its task repo at /testbed with dependencies installed from the
 * lockfile, owned by the non-root user `swe`. The tag is a hash of every input, so an unchanged
 * repository is a cache hit (`docker image inspect` first, no build at all).
 *
 * Dependencies are installed inside the image, not copied from the host: native modules (esbuild,
 * rollup, swc binaries, node-gyp builds) then match the image's libc and Node ABI whatever the host is.
 */
export async function buildEnvironmentImage(options: EnvironmentImageOptions): Promise<EnvironmentImage> {
  const started = performance.now();
  const docker = options.docker ?? getDocker();
  const taskRepo = path.resolve(options.taskRepo ?? options.repoDir ?? '');
  const repoDir = path.resolve(options.repoDir ?? taskRepo);
  if (options.taskRepo === undefined && options.repoDir === undefined) {
    throw new SweFlowError(ErrorCodes.USAGE, 'buildEnvironmentImage needs repoDir or taskRepo');
  }
  const pkgText = await readFile(path.join(repoDir, 'package.json'), 'utf8').catch(() => undefined);
  if (pkgText === undefined) {
    throw new SweFlowError(ErrorCodes.NO_PACKAGE_JSON, `${repoDir} has no package.json; pass the repository's source directory as repoDir`);
  }
  const nodeVersion: NodeVersionChoice =
    options.nodeVersion !== undefined ? { version: options.nodeVersion, source: options.nodeVersionSource ?? 'default', requested: options.nodeVersion } : await resolveNodeVersion(repoDir);
  const pm = options.install !== undefined && options.packageManager === undefined
    ? packageManagerFromInstallRecord(options.install, await findLockfile(options.install.packageManager, [repoDir, path.join(repoDir, INSTALLED_MANIFESTS_DIR)]))
    : await choosePackageManager(repoDir, options.packageManager, npmVersionFor(nodeVersion.version));
  const baseImage = options.base === 'online' ? `node:${nodeVersion.version}-bookworm-slim` : baseImageTag(nodeVersion.version);
  const repoName = options.repoName ?? ((JSON.parse(pkgText) as { name?: string }).name || path.basename(repoDir));

  if (options.base === 'offline' && options.build !== false && (await inspectImage(docker, baseImage)) === undefined) {
    if (options.bootstrap === false) {
      throw new SweFlowError(ErrorCodes.DOCKER_UNAVAILABLE, `offline base ${baseImage} is missing; run bootstrapBaseImage({ nodeVersion: '${nodeVersion.version}' })`);
    }
    await bootstrapBaseImage({ nodeVersion: nodeVersion.version, docker, ...(options.logger ? { logger: options.logger } : {}) });
  }

  // Everything that decides the image's content goes into the hash; the CA file does not (rotating a
  // proxy certificate must not rebuild every image).
  const hash = createHash('sha256');
  const feed = (label: string, value: string | Buffer) => hash.update(`${label}\0`).update(value).update('\0');
  feed('dockerfile', environmentDockerfile({ baseImage, base: options.base, pm, nodeVersion: nodeVersion.version, repoName, hash: '' }));
  feed('node', nodeVersion.version);
  feed('base', options.base);
  if (options.base === 'offline') feed('base-id', (await inspectImage(docker, baseImage))?.Id ?? 'absent');
  feed('pm', `${pm.name}@${pm.version}`);
  feed('collect-deps', await readFile(COLLECT_DEPS_SCRIPT));
  const stubs = await stubbedDependencyFiles(options.outDir);
  feed('stub-copies', JSON.stringify(stubs));
  if (pm.lockfile !== undefined) feed('lockfile', await readFile(path.join(repoDir, pm.lockfile)));
  if (pm.lockfile !== undefined) feed('installed-lockfile', await readFile(path.join(repoDir, INSTALLED_MANIFESTS_DIR, pm.lockfile)).catch(() => Buffer.alloc(0)));
  for (const manifest of await packageJsonFiles(repoDir)) feed(`manifest:${manifest}`, await readFile(path.join(repoDir, manifest)));
  const isGitRepo = await isGit(taskRepo);
  if (isGitRepo) {
    feed('task-head', await git(['rev-parse', 'HEAD'], taskRepo));
    feed('task-refs', await refFingerprint(taskRepo));
  }
  const inputsHash = hash.digest('hex');
  const tag = `swe-flow/env-${slug(repoName)}:${inputsHash.slice(0, 16)}`;
  const dockerfile = environmentDockerfile({ baseImage, base: options.base, pm, nodeVersion: nodeVersion.version, repoName, hash: inputsHash });

  const contextDir = path.join(path.resolve(options.outDir), 'docker');
  const ca = resolveCaFile(options.extraCaCerts);
  const existing = await inspectImage(docker, tag);
  const previous = await readFile(path.join(contextDir, 'image.json'), 'utf8').catch(() => undefined);
  const contextCurrent = previous !== undefined && (JSON.parse(previous) as { tag?: string }).tag === tag;
  if (!contextCurrent) {
    await writeContext({ contextDir, dockerfile, pm, taskRepo, isGitRepo, repoDir, stubs });
    await writeFile(
      path.join(contextDir, 'image.json'),
      `${JSON.stringify({ schemaVersion: 1, tag, inputsHash, baseImage, base: options.base, nodeVersion, packageManager: pm }, null, 2)}\n`,
    );
  }
  const result = {
    tag, contextDir, dockerfile, baseImage, nodeVersion, packageManager: pm, inputsHash,
    ...(ca === undefined ? {} : { extraCaCerts: ca }),
  };
  if (existing !== undefined || options.build === false) {
    return { ...result, cached: existing !== undefined, built: false, durationMs: Math.round(performance.now() - started) };
  }
  options.logger?.info('building environment image', { tag, baseImage, packageManager: `${pm.name}@${pm.version}` });
  // The CA bundle sits in the context only while the build runs: `<outDir>/docker/` is an artifact that
  // may be published, and a proxy's CA has no business in a dataset. To rebuild by hand behind a proxy,
  // put your CA bundle at ca/extra.pem first.
  const caInContext = path.join(contextDir, 'ca', 'extra.pem');
  if (ca !== undefined) await copyFile(ca, caInContext);
  try {
    await buildFromContext(docker, contextDir, tag, options.logger, options.noCache === true);
    await removeStageImages(docker, LABEL_HASH, inputsHash);
  } finally {
    await writeFile(caInContext, '');
  }
  return { ...result, cached: false, built: true, durationMs: Math.round(performance.now() - started) };
}

interface DockerfileInput {
  baseImage: string;
  base: BaseKind;
  pm: PackageManagerChoice;
  nodeVersion: string;
  repoName: string;
  hash: string;
}

/** The environment Dockerfile (legacy-builder compatible: no BuildKit syntax). */
export function environmentDockerfile(input: DockerfileInput): string {
  const { pm } = input;
  const links =
    pm.name === 'npm'
      ? [`ln -sf /opt/swe-flow/pm/bin/npm-cli.js /usr/local/bin/npm`, `ln -sf /opt/swe-flow/pm/bin/npx-cli.js /usr/local/bin/npx`]
      : pm.name === 'yarn'
        ? [`ln -sf /opt/swe-flow/pm/${pm.bin} /usr/local/bin/yarn`, `ln -sf /opt/swe-flow/pm/${pm.bin} /usr/local/bin/yarnpkg`]
        : [`ln -sf /opt/swe-flow/pm/${pm.bin} /usr/local/bin/pnpm`];
  const online =
    input.base === 'online'
      ? `# node:*-slim has no git\nRUN apt-get update && apt-get install -y --no-install-recommends git ca-certificates && rm -rf /var/lib/apt/lists/*\n`
      : '';
  return `# swe-flow environment image for ${input.repoName}
# Build by hand: docker build -t <tag> .
FROM ${input.baseImage} AS env
LABEL ${SWE_FLOW_LABEL}="1" ${LABEL_KIND}="env" ${LABEL_REPO}="${input.repoName.replace(/"/g, '')}" ${LABEL_NODE}="${input.nodeVersion}" ${LABEL_HASH}="${input.hash}"
${online}RUN (id -u ${SWE_USER} >/dev/null 2>&1 || useradd --create-home --uid ${SWE_UID} --shell /bin/sh ${SWE_USER})
# ${pm.name}@${pm.version}, from the npm registry (not corepack)${installedWith(pm)}
COPY pm/ /opt/swe-flow/pm/
RUN ${links.join(' && ')} && ${pm.name} --version

# Install stage: the only place the extra CA bundle and the repository's source exist. The source is
# the original tree without git history, for install scripts that need it; nothing of it but the
# installed dependencies reaches the final image (the task's own tree comes with each instance image).
FROM env AS install
COPY ca/ /tmp/swe-flow-ca/
COPY --chown=${SWE_USER}:${SWE_USER} repo/ ${TESTBED}/
COPY scripts/ /opt/swe-flow/scripts/
USER ${SWE_USER}
WORKDIR ${TESTBED}
RUN if [ -s /tmp/swe-flow-ca/extra.pem ]; then export NODE_EXTRA_CA_CERTS=/tmp/swe-flow-ca/extra.pem; fi; \\
    ${pm.installCommand.join(' ')} && node /opt/swe-flow/scripts/collect-deps.cjs ${TESTBED} /tmp/swe-flow-deps /opt/swe-flow/scripts/stub-copies.json

# The env tier: the base with every node_modules folder of the install, minus copies of the
# repository's own package and tool caches, and with the dependency files listed in
# scripts/stub-copies.json (copies of a task's solution bundled in other packages) stubbed
# (collect-deps.cjs). No source, no git.
FROM env
RUN mkdir -p ${TESTBED} && chown ${SWE_USER}:${SWE_USER} ${TESTBED}
COPY --from=install --chown=${SWE_USER}:${SWE_USER} /tmp/swe-flow-deps/ ${TESTBED}/
USER ${SWE_USER}
WORKDIR ${TESTBED}
`;
}

/** Comment lines saying the install follows repo.json's record, and the fallbacks it needed. */
function installedWith(pm: PackageManagerChoice): string {
  if (pm.fallbacks === undefined) return '';
  const lines = pm.fallbacks.length === 0
    ? ['the plain install worked']
    : ['after these fallbacks, in order:', ...pm.fallbacks.map((f) => `  - ${f.replace(/\s+/g, ' ')}`)];
  return `\n# The install follows repo.json's record (how the repository was set up and verified): ${lines[0]}${lines.slice(1).map((l) => `\n# ${l}`).join('')}`;
}

async function writeContext(input: {
  contextDir: string;
  dockerfile: string;
  pm: PackageManagerChoice;
  taskRepo: string;
  isGitRepo: boolean;
  repoDir: string;
  stubs: string[];
}): Promise<void> {
  const { contextDir } = input;
  await rm(contextDir, { recursive: true, force: true });
  await mkdir(path.join(contextDir, 'ca'), { recursive: true });
  await writeFile(path.join(contextDir, 'Dockerfile'), input.dockerfile);
  await writeFile(path.join(contextDir, 'ca', 'extra.pem'), '');
  const dl = await mkdtemp(path.join(os.tmpdir(), 'swe-flow-pm-'));
  try {
    await fetchNpmPackage(`${input.pm.npmPackage}@${input.pm.version}`, path.join(contextDir, 'pm'), dl);
  } finally {
    await rm(dl, { recursive: true, force: true });
  }
  await mkdir(path.join(contextDir, 'scripts'), { recursive: true });
  await copyFile(COLLECT_DEPS_SCRIPT, path.join(contextDir, 'scripts', 'collect-deps.cjs'));
  await writeFile(path.join(contextDir, 'scripts', 'stub-copies.json'), `${JSON.stringify(input.stubs, null, 2)}\n`);
  const repo = path.join(contextDir, 'repo');
  await mkdir(repo, { recursive: true });
  if (input.repoDir !== input.taskRepo) {
    // The prepared source, as installed (files the task repository leaves out, such as a vendored
    // tarball of the package's own release, may be needed to install); never its history or node_modules.
    await cp(input.repoDir, repo, {
      recursive: true,
      filter: (src) => !/[\\/](node_modules|\.git|\.swe-flow)$/.test(src),
    });
  } else if (input.isGitRepo) {
    // The task repository's HEAD tree (the original), without its history: the context is an artifact
    // that may be published, and the history holds every reference solution.
    await exportTree(input.taskRepo, 'HEAD', repo);
    // A lockfile the local install resolved (the repository had none): install the versions verified.
    const lockfile = input.pm.lockfile;
    if (lockfile !== undefined && !(await stat(path.join(repo, lockfile)).then(() => true, () => false))) {
      await copyFile(path.join(input.repoDir, lockfile), path.join(repo, lockfile)).catch(() => {});
    }
  } else {
    await cp(input.repoDir, repo, {
      recursive: true,
      filter: (src) => !/[\\/](node_modules|\.git)$/.test(src),
    });
  }
  // Manifests an install fallback had to change (the copy shows the repository's own): install what was installed.
  const installed = path.join(input.repoDir, INSTALLED_MANIFESTS_DIR);
  if (await stat(installed).then((s) => s.isDirectory(), () => false)) await cp(installed, repo, { recursive: true });
}

/** Where synth records the dependency files it stubbed (copies of a task's solution in other packages). */
export const DEPENDENCY_COPIES_FILE = 'dependency-copies.json';

/**
 * The dependency files (relative to the installed tree) that a synth into `outDir` stubbed because they
 * held a copy of a task's solution (`dependency-copies.json`, `stubbed`): the env tier stubs the same.
 */
export async function stubbedDependencyFiles(outDir: string): Promise<string[]> {
  const text = await readFile(path.join(path.resolve(outDir), DEPENDENCY_COPIES_FILE), 'utf8').catch(() => undefined);
  if (text === undefined) return [];
  const record = JSON.parse(text) as { stubbed?: unknown };
  return Array.isArray(record.stubbed) ? record.stubbed.filter((f): f is string => typeof f === 'string').sort() : [];
}

/** Writes the tree of `commit` into `dir` (git archive, no .git). */
export async function exportTree(gitDir: string, commit: string, dir: string): Promise<void> {
  const archive = execa('git', ['archive', '--format=tar', commit], { cwd: gitDir, encoding: 'buffer', reject: false });
  const tar = execa('tar', ['-x', '-C', dir], { reject: false });
  archive.stdout?.pipe(tar.stdin!);
  const [a, t] = await Promise.all([archive, tar]);
  if (a.exitCode !== 0 || t.exitCode !== 0) {
    throw new SweFlowError(ErrorCodes.GIT_FAILED, `could not export ${commit} of ${gitDir}: ${Buffer.from(a.stderr ?? '').toString().trim()} ${String(t.stderr ?? '').trim()}`);
  }
}

function resolveCaFile(option: string | false | undefined): string | undefined {
  if (option === false) return undefined;
  if (option !== undefined) return path.resolve(option);
  const fromEnv = process.env['NODE_EXTRA_CA_CERTS'] || process.env['SSL_CERT_FILE'];
  return fromEnv ? path.resolve(fromEnv) : undefined;
}

async function choosePackageManager(
  repoDir: string,
  override: EnvironmentImageOptions['packageManager'],
  npmVersion: string,
): Promise<PackageManagerChoice> {
  const detected = await detectPackageManager(repoDir, npmVersion);
  if (override === undefined) return detected;
  // Another manager than the lockfile's installs without a frozen lockfile of ours: its defaults come from an empty folder.
  const empty = await mkdtemp(path.join(os.tmpdir(), 'swe-flow-pmdetect-'));
  const fresh = await detectPackageManager(empty, npmVersion).finally(() => rm(empty, { recursive: true, force: true }));
  return overridePackageManager(detected, fresh, override);
}

/** Root and workspace package.json files (depth ≤ 3, no node_modules). */
async function packageJsonFiles(repoDir: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(rel: string, depth: number): Promise<void> {
    const entries = await readdir(path.join(repoDir, rel), { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      if (e.name === 'node_modules' || e.name === '.git') continue;
      const child = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isFile() && e.name === 'package.json') out.push(child);
      else if (e.isDirectory() && depth < 3) await walk(child, depth + 1);
    }
  }
  await walk('', 0);
  return out.sort();
}

async function isGit(dir: string): Promise<boolean> {
  try {
    await stat(dir);
    // Only the repository rooted here counts, not one that merely contains this folder.
    const gitDir = await git(['rev-parse', '--absolute-git-dir'], dir);
    const real = await realpath(dir);
    return gitDir === real || gitDir === path.join(real, '.git');
  } catch {
    return false;
  }
}

function slug(name: string): string {
  const s = name.toLowerCase().replace(/^@/, '').replace(/[^a-z0-9._-]+/g, '-').replace(/^[-._]+|[-._]+$/g, '');
  return (s || 'repo').slice(0, 60);
}
