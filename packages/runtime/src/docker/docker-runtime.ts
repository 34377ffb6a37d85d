import { TEST_RUN_ENV } from '@swe-flow/core';
import { Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { execa } from 'execa';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import tarFs from 'tar-fs';
import {
  ErrorCodes,
  SweFlowError,
  type CheckoutOptions,
  type CommandSpec,
  type ExecOptions,
  type ExecResult,
  type OpenWorkspaceOptions,
  type Runtime,
  type SpawnedProcess,
  type SpawnHandlers,
  type Workspace,
} from '@swe-flow/core';
import { getDocker, isGoneError } from './client.js';
import { BoundedBuffer, DEFAULT_MAX_OUTPUT_BYTES } from '../output.js';
import { registerCleanup } from '../cleanup.js';
import { resolveInside } from '../paths.js';
import { LABEL_COMMIT, sweFlowLabels } from '../labels.js';
import { git } from '../git.js';
import { checkoutIn } from '../checkout.js';
import { pathExists } from '../fs.js';

export interface ContainerLimits {
  /** Memory limit in bytes (swap disabled: memory+swap = memory). Default 4 GiB. */
  memoryBytes?: number;
  /** Max processes/threads in the container. Default 1024. */
  pids?: number;
  /** CPUs (fractional allowed). Default 2. */
  cpus?: number;
}

export interface DockerRuntimeOptions {
  docker?: Docker;
  limits?: ContainerLimits;
  /** Image used when `open()` is not given one. */
  image?: string;
  /** The non-root user commands run as; the environment images create `swe`. */
  user?: string;
  /** Where the task repo lives inside the image. */
  workdir?: string;
  /** Environment added to every command. */
  env?: Record<string, string>;
  /** Per stream cap on captured output; default 8 MiB. */
  maxOutputBytes?: number;
  /** Extra labels for every container (swe-flow's own labels are always set). */
  labels?: Record<string, string>;
  /**
   * Upper bound on a container's life even if this process dies without cleaning up: the container's
   * main process is `sleep <this>` and the container is auto-removed when it ends. Default 6 h.
   */
  maxLifetimeMs?: number;
}

export const DEFAULT_LIMITS: Required<ContainerLimits> = { memoryBytes: 4 * 1024 ** 3, pids: 1024, cpus: 2 };
export const SWE_USER = 'swe';
export const TESTBED = '/testbed';

/**
 * Runs each workspace in a fresh container of the repository's environment image: network off,
 * non-root, memory/pids/CPU limits, auto-removed. A command that runs out of time kills the container
 * (everything in it dies, no orphaned process can hold on), so the workspace is finished after a
 * timeout: open a new one for the next run.
 */
export function createDockerRuntime(options: DockerRuntimeOptions = {}): Runtime {
  const docker = options.docker ?? getDocker();
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const user = options.user ?? SWE_USER;
  const workdir = options.workdir ?? TESTBED;
  const maxOutputBytes = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  const lifetimeSec = Math.ceil((options.maxLifetimeMs ?? 6 * 3600_000) / 1000);
  return {
    name: 'docker',
    async open(open: OpenWorkspaceOptions): Promise<Workspace> {
      const image = open.image ?? options.image;
      if (image === undefined) {
        throw new SweFlowError(ErrorCodes.USAGE, 'the docker runtime needs an environment image; build one with buildEnvironmentImage() and pass its tag');
      }
      const label = (open.label ?? 'ws').replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 40);
      let container: Docker.Container;
      // A signal while the engine is still creating the container: the cleanup waits for the
      // creation to answer and removes what it made, so no container outlives the run.
      let creating: Promise<Docker.Container> | undefined;
      const unguardCreate = registerCleanup(async () => {
        const made = await creating?.catch(() => undefined);
        if (made) await removeContainer(made);
      });
      try {
        container = await (creating = docker.createContainer({
          name: `swe-flow-${label}-${randomBytes(4).toString('hex')}`,
          Image: image,
          Cmd: ['sleep', String(lifetimeSec)],
          User: user,
          WorkingDir: workdir,
          Labels: { ...options.labels, ...sweFlowLabels('workspace', { [LABEL_COMMIT]: open.commit }) },
          // Not `NetworkDisabled`: that also leaves /etc/hosts empty, so `localhost` does not resolve
          // (vite/vitest start-up fails). NetworkMode none gives a loopback interface and nothing else.
          Env: Object.entries({ ...TEST_RUN_ENV, ...options.env }).map(([k, v]) => `${k}=${v}`),
          HostConfig: {
            NetworkMode: 'none',
            Memory: limits.memoryBytes,
            MemorySwap: limits.memoryBytes,
            PidsLimit: limits.pids,
            NanoCpus: Math.round(limits.cpus * 1e9),
            AutoRemove: true,
            SecurityOpt: ['no-new-privileges'],
            Init: true,
          },
        }));
      } catch (cause) {
        unguardCreate();
        const status = (cause as { statusCode?: number }).statusCode;
        throw new SweFlowError(
          status === 404 ? ErrorCodes.DOCKER_UNAVAILABLE : ErrorCodes.INTERNAL,
          status === 404
            ? `environment image ${image} does not exist; build it with buildEnvironmentImage()`
            : `could not create a container from ${image}: ${(cause as Error).message}`,
          { cause },
        );
      }
      let ws: DockerWorkspace;
      try {
        ws = new DockerWorkspace(docker, container, workdir, user, maxOutputBytes, { ...TEST_RUN_ENV, ...options.env });
      } finally {
        // From here the workspace's own cleanup removes the container (or, registered after a signal
        // came, removed it at once and threw).
        unguardCreate();
      }
      try {
        try {
          await container.start();
        } catch (cause) {
          throw new SweFlowError(
            ErrorCodes.DOCKER_UNAVAILABLE,
            `could not start a container from ${image} as user ${user}: ${(cause as Error).message}; use an image made by buildEnvironmentImage()`,
            { cause },
          );
        }
        await ws.openAt(open.commit, open.taskRepo);
      } catch (error) {
        await ws.dispose();
        throw error;
      }
      return ws;
    },
  };
}

class DockerWorkspace implements Workspace {
  private disposed = false;
  private killedAtTimeout = false;
  private readonly unregister: () => void;

  constructor(
    private readonly docker: Docker,
    readonly container: Docker.Container,
    readonly root: string,
    private readonly user: string,
    private readonly maxOutputBytes: number,
    private readonly baseEnv: Record<string, string>,
  ) {
    this.unregister = registerCleanup(() => removeContainer(container));
  }

  get id(): string {
    return this.container.id;
  }

  /** The task repository commits missing from the image are brought in from (one at a time, depth 1). */
  private taskRepo: string | undefined;

  /**
   * `git checkout -f <commit>` in /testbed. A commit the image does not hold is brought in alone from
   * the task repo (`importCommit`): the container never holds the task repo's history, so a step's
   * runs see its own base and reference and no other step's reference nor the original.
   */
  async openAt(commit: string, taskRepo: string | undefined): Promise<void> {
    if (taskRepo !== undefined) this.taskRepo = path.resolve(taskRepo);
    // An instance image already holds its one commit: nothing to do (and no reflog entry made).
    const head = await this.run(['git', 'rev-parse', '--verify', '--quiet', 'HEAD'], { timeoutMs: 60_000 });
    if (head.exitCode === 0 && head.stdout.trim() === commit) return;
    await this.ensureCommit(commit);
    const result = await this.run(['git', '-c', 'advice.detachedHead=false', 'checkout', '--quiet', '--force', '--detach', commit], { timeoutMs: 120_000 });
    if (result.exitCode !== 0) {
      throw new SweFlowError(ErrorCodes.GIT_FAILED, `git checkout ${commit} failed in the container: ${result.stderr.trim()}; is the commit in the task repo the image was built from?`);
    }
  }

  async checkout(commit: string, options?: CheckoutOptions): Promise<string[]> {
    await this.ensureCommit(commit);
    return checkoutIn(this, commit, options);
  }

  /**
   * Imports `commit` when the container's /testbed lacks it (and the task repo is known and has it).
   * Without a task repo there is nothing to import from: the container is not asked.
   */
  private async ensureCommit(commit: string): Promise<void> {
    if (this.taskRepo === undefined || !(await pathExists(this.taskRepo))) return;
    const has = await this.run(['git', 'cat-file', '-e', `${commit}^{commit}`], { timeoutMs: 60_000 });
    if (has.exitCode !== 0) await this.importCommit(this.taskRepo, commit);
  }

  /**
   * Brings exactly one commit of the task repo into the container: its commit, tree and blob objects
   * (a depth-1 fetch into a scratch repository on this machine, packed), recorded as a shallow commit.
   * Nothing else of the task repo enters the container. A commit the task repo lacks is left to the
   * checkout to report.
   */
  private async importCommit(taskRepo: string, commit: string): Promise<void> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'swe-flow-import-'));
    try {
      const scratch = path.join(dir, 'scratch.git');
      await git(['init', '--quiet', '--bare', scratch], dir);
      const fetched = await git(['fetch', '--quiet', '--depth=1', '--no-tags', '--no-write-fetch-head', '--upload-pack=git -c uploadpack.allowAnySHA1InWant=true upload-pack', `file://${taskRepo}`, commit], scratch).then(() => true, () => false);
      if (!fetched) return;
      await git(['update-ref', 'refs/heads/import', commit], scratch);
      const objects = await git(['rev-list', '--objects', 'refs/heads/import'], scratch);
      const packDir = path.join(dir, 'pack');
      await mkdir(packDir);
      const packed = await execa('git', ['pack-objects', '--quiet', '--stdout'], { cwd: scratch, input: `${objects}\n`, encoding: 'buffer' });
      await writeFile(path.join(packDir, 'import.pack'), packed.stdout);
      // An env image's /testbed holds dependencies only: make it a repository first. The pack goes into
      // its git directory (the user's own, so the user can remove it after unpacking).
      const init = await this.run(['sh', '-c', 'git rev-parse --git-dir >/dev/null 2>&1 || git init --quiet . && cd "$(git rev-parse --git-dir)" && pwd'], { timeoutMs: 60_000 });
      if (init.exitCode !== 0) throw new SweFlowError(ErrorCodes.GIT_FAILED, `could not make /testbed a git repository in the container: ${init.stderr.trim()}`);
      const gitDir = init.stdout.trim();
      await this.container.putArchive(tarFs.pack(packDir, { map: (h) => ({ ...h, mode: h.type === 'directory' ? 0o755 : 0o644 }) }), { path: gitDir });
      const script = `cd '${gitDir}' && git unpack-objects -q < import.pack && rm -f import.pack && echo ${commit} >> shallow`;
      const r = await this.run(['sh', '-c', script], { timeoutMs: 300_000 });
      if (r.exitCode !== 0) throw new SweFlowError(ErrorCodes.GIT_FAILED, `could not import ${commit} of the task repo into the container: ${r.stderr.trim()}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async exec(spec: CommandSpec, options: ExecOptions): Promise<ExecResult> {
    const cwd = spec.cwd === undefined || spec.cwd === '' || spec.cwd === '.' ? this.root : resolveInside(this.root, spec.cwd, path.posix);
    return this.run([spec.command, ...spec.args], { ...options, cwd, env: spec.env });
  }

  /**
   * A long-lived process in the container (a warm runner session): stdin and stdout stay attached.
   * It ends when its stdin is closed or it is killed (by pid, through a second exec), and with the
   * container at the latest.
   */
  async spawn(spec: CommandSpec, handlers: SpawnHandlers): Promise<SpawnedProcess> {
    if (this.disposed || this.killedAtTimeout) throw new SweFlowError(ErrorCodes.INTERNAL, 'spawn on a disposed workspace; open a new one');
    const cwd = spec.cwd === undefined || spec.cwd === '' || spec.cwd === '.' ? this.root : resolveInside(this.root, spec.cwd, path.posix);
    const exec = await this.container.exec({
      // The shell reports its pid (then becomes the command), so kill() can reach it.
      Cmd: ['sh', '-c', 'echo "@@swe-flow-pid $$" >&2; exec "$@"', 'sh', spec.command, ...spec.args],
      AttachStdout: true,
      AttachStderr: true,
      AttachStdin: true,
      User: this.user,
      WorkingDir: cwd,
      Env: Object.entries({ ...this.baseEnv, ...spec.env }).map(([k, v]) => `${k}=${v}`),
      Tty: false,
    });
    const stream = (await exec.start({ hijack: true, stdin: true })) as NodeJS.ReadWriteStream & { destroy?: () => void };
    let pid: string | undefined;
    const textSink = (onText: (t: string) => void) => {
      const decoder = new StringDecoder('utf8');
      return new Writable({ write(chunk: Buffer, _enc, cb) { onText(decoder.write(chunk)); cb(); } });
    };
    let errHead = '';
    this.docker.modem.demuxStream(stream, textSink((t) => handlers.onStdout(t)), textSink((t) => {
      if (pid === undefined && errHead.length < 200) {
        errHead += t;
        const m = /@@swe-flow-pid (\d+)/.exec(errHead);
        if (m) pid = m[1];
      }
      handlers.onStderr?.(t);
    }));
    const exited = new Promise<void>((resolve) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', () => resolve());
    }).then(async () => {
      try {
        const info = await exec.inspect();
        return info.Running ? null : (info.ExitCode ?? null);
      } catch {
        return null;
      }
    });
    return {
      write: (text: string) => { stream.write(text); },
      exited,
      kill: async () => {
        if (pid !== undefined && !this.disposed && !this.killedAtTimeout) {
          await this.run(['kill', '-9', pid], { timeoutMs: 10_000 }).catch(() => {});
        }
        stream.end();
        stream.destroy?.();
        await exited;
      },
    };
  }

  private async run(
    cmd: string[],
    options: ExecOptions & { cwd?: string; env?: Record<string, string> | undefined; maxOutputBytes?: number },
  ): Promise<ExecResult> {
    if (this.disposed || this.killedAtTimeout) {
      throw new SweFlowError(
        this.killedAtTimeout ? ErrorCodes.RUN_TIMEOUT : ErrorCodes.INTERNAL,
        this.killedAtTimeout ? 'this workspace was killed when a command ran out of time; open a new one' : 'exec on a disposed workspace; open a new one',
      );
    }
    const max = options.maxOutputBytes ?? this.maxOutputBytes;
    const stdout = new BoundedBuffer(max);
    const stderr = new BoundedBuffer(max);
    const started = performance.now();
    const hasInput = options.input !== undefined;
    const exec = await this.container.exec({
      Cmd: cmd,
      AttachStdout: true,
      AttachStderr: true,
      AttachStdin: hasInput,
      User: this.user,
      WorkingDir: options.cwd ?? this.root,
      Env: Object.entries({ ...this.baseEnv, ...options.env }).map(([k, v]) => `${k}=${v}`),
      Tty: false,
    });
    const stream = (await exec.start({ hijack: true, stdin: hasInput })) as NodeJS.ReadWriteStream & {
      destroy?: () => void;
    };
    this.docker.modem.demuxStream(stream, sink(stdout), sink(stderr));
    const ended = new Promise<void>((resolve) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', () => resolve());
    });
    if (hasInput) {
      stream.write(options.input ?? '');
      stream.end();
    }
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      this.killedAtTimeout = true;
      // Killing the container is the only kill that reaches every process an exec started.
      void this.container.kill().catch(() => {});
    }, options.timeoutMs);
    try {
      await ended;
    } finally {
      clearTimeout(timer);
    }
    if (timedOut) {
      stream.destroy?.();
      await this.dispose();
      return {
        exitCode: null,
        stdout: stdout.toString(),
        stderr: stderr.toString(),
        timedOut: true,
        durationMs: Math.round(performance.now() - started),
      };
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
    return {
      exitCode,
      stdout: stdout.toString(),
      stderr: stderr.toString(),
      timedOut: false,
      durationMs: Math.round(performance.now() - started),
    };
  }

  async readFile(relPath: string): Promise<string | undefined> {
    const abs = resolveInside(this.root, relPath, path.posix);
    const r = await this.run(['sh', '-c', 'test -f "$1" || exit 44; exec cat -- "$1"', 'sh', abs], {
      timeoutMs: 120_000,
      maxOutputBytes: Number.MAX_SAFE_INTEGER,
    });
    if (r.exitCode === 44) return undefined;
    if (r.exitCode !== 0) throw new SweFlowError(ErrorCodes.INTERNAL, `could not read ${relPath} in the container: ${r.stderr.trim()}`);
    return r.stdout;
  }

  async writeFile(relPath: string, content: string): Promise<void> {
    const abs = resolveInside(this.root, relPath, path.posix);
    const r = await this.run(['sh', '-c', 'mkdir -p "$(dirname "$1")" && cat > "$1"', 'sh', abs], {
      timeoutMs: 120_000,
      input: content,
    });
    if (r.exitCode !== 0) throw new SweFlowError(ErrorCodes.INTERNAL, `could not write ${relPath} in the container: ${r.stderr.trim()}`);
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    try {
      await removeContainer(this.container);
    } finally {
      this.unregister();
    }
  }
}

function sink(buffer: BoundedBuffer): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      buffer.push(chunk);
      cb();
    },
  });
}

/** Force-removes a container and waits until the engine no longer lists it. */
export async function removeContainer(container: Docker.Container): Promise<void> {
  try {
    await container.remove({ force: true });
  } catch (error) {
    if (!isGoneError(error)) throw error;
  }
  for (let i = 0; i < 100; i++) {
    try {
      await container.inspect();
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return;
    }
    await new Promise((r) => setTimeout(r, 100));
    try {
      await container.remove({ force: true });
    } catch {
      // racing the auto-remove; keep polling
    }
  }
}

