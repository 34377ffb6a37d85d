/**
 * Running the audit scanner (runtime/audit-scan.cjs): inside a fresh container of an instance image,
 * as root and with the network off (what an agent with the most rights would see), or on this host.
 */
import { readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { execa } from 'execa';
import type Docker from 'dockerode';
import { ErrorCodes, SweFlowError } from '@swe-flow/core';
import { getDocker, removeContainer, sweFlowLabels } from '@swe-flow/runtime';
import { AUDIT_SCAN_SCRIPT, type Needle } from './needles.js';

export interface ScanInput {
  roots: string[];
  skip?: string[];
  needles: Array<Pick<Needle, 'id' | 'text'>>;
  maxFileBytes?: number;
  /**
   * Host only: a file where the scanner keeps what each file held of the needles searched (by inode, size,
   * mtime, ctime), so that a later scan of the same folders reads only files that changed and searches
   * unchanged ones only for needles it had not searched yet.
   */
  cacheFile?: string;
}

export interface ScanHit {
  id: string;
  /** `file` (a file's bytes), `gzip` (a gzip file's inflated bytes), `source-map` (a map's sourcesContent), `git-object` (any object of a git directory). */
  kind: 'file' | 'gzip' | 'source-map' | 'git-object';
  path: string;
}

export interface ScanOutput {
  hits: ScanHit[];
  files: number;
  bytes: number;
  gitDirs: string[];
  skipped: Array<{ path: string; reason: string }>;
  /** Files answered from `cacheFile` without being read. */
  cachedFiles?: number;
}

/** Directories of a container that are not its file system. */
export const CONTAINER_SKIP = ['/proc', '/sys', '/dev'];

export async function scanOnHost(input: ScanInput): Promise<ScanOutput> {
  const r = await execa('node', [AUDIT_SCAN_SCRIPT], { input: JSON.stringify(input), reject: false, maxBuffer: 256 * 1024 * 1024 });
  if (r.exitCode !== 0) throw new SweFlowError(ErrorCodes.INTERNAL, `the audit scanner failed (exit ${r.exitCode}): ${String(r.stderr).slice(-2000)}`);
  return JSON.parse(String(r.stdout)) as ScanOutput;
}

export interface ContainerRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

/**
 * A fresh container of `image` (network off, auto-removed, labelled as swe-flow's), one command in it
 * as `user`, then removed. The image's /testbed is not touched before the command runs.
 */
export async function runInFreshContainer(image: string, cmd: string[], options: { input?: string; user?: string; docker?: Docker; timeoutMs?: number } = {}): Promise<ContainerRun> {
  const docker = options.docker ?? getDocker();
  let container: Docker.Container;
  try {
    container = await docker.createContainer({
      name: `swe-flow-audit-${randomBytes(4).toString('hex')}`,
      Image: image,
      Cmd: ['sleep', '3600'],
      User: options.user ?? 'root',
      Labels: sweFlowLabels('workspace'),
      HostConfig: { NetworkMode: 'none', AutoRemove: true, Init: true },
    });
  } catch (cause) {
    throw new SweFlowError(ErrorCodes.DOCKER_UNAVAILABLE, `could not start a container of ${image}: ${(cause as Error).message}; build the task's instance image first (swe-flow synth --runtime docker)`, { cause });
  }
  try {
    await container.start();
    const exec = await container.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true, AttachStdin: options.input !== undefined, User: options.user ?? 'root', Tty: false });
    const stream = (await exec.start({ hijack: true, stdin: options.input !== undefined })) as NodeJS.ReadWriteStream;
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const sink = (into: Buffer[]) => new Writable({ write(chunk: Buffer, _e, cb) { into.push(chunk); cb(); } });
    docker.modem.demuxStream(stream, sink(out), sink(err));
    const ended = new Promise<void>((resolve) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', () => resolve());
    });
    if (options.input !== undefined) {
      stream.write(options.input);
      stream.end();
    }
    const timer = setTimeout(() => void container.kill().catch(() => {}), options.timeoutMs ?? 30 * 60_000);
    try {
      await ended;
    } finally {
      clearTimeout(timer);
    }
    let exitCode: number | null = null;
    for (let i = 0; i < 50; i++) {
      const info = await exec.inspect();
      if (!info.Running) {
        exitCode = info.ExitCode ?? null;
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    return { exitCode, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
  } finally {
    await removeContainer(container);
  }
}

/** The scanner over the whole file system of a fresh container of `image`. */
export async function scanInImage(image: string, needles: ScanInput['needles'], docker?: Docker): Promise<ScanOutput> {
  const script = await readFile(AUDIT_SCAN_SCRIPT, 'utf8');
  const input: ScanInput = { roots: ['/'], skip: CONTAINER_SKIP, needles };
  // The script goes in as an argument and the needles through stdin: neither is a file the scan could find.
  const r = await runInFreshContainer(image, ['node', '-e', `${script}\nmain();`], { input: JSON.stringify(input), ...(docker ? { docker } : {}) });
  if (r.exitCode !== 0) throw new SweFlowError(ErrorCodes.INTERNAL, `the audit scanner failed in ${image} (exit ${r.exitCode}): ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout) as ScanOutput;
}
