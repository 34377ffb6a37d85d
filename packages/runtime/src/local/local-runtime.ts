import { TEST_RUN_ENV } from '@swe-flow/core';
import { mkdtemp, mkdir, readdir, readFile, realpath, rm, symlink, writeFile, lstat, readlink, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
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
import { git } from '../git.js';
import { checkoutIn } from '../checkout.js';
import { BoundedBuffer, DEFAULT_MAX_OUTPUT_BYTES } from '../output.js';
import { resolveInside } from '../paths.js';
import { assertNotShuttingDown, registerCleanup } from '../cleanup.js';
import { killProcessGroup } from '../process-group.js';

export interface LocalRuntimeOptions {
  /** Where temp checkouts go; default the OS temp dir. */
  tmpDir?: string;
  /** Per stream cap on captured output; default 8 MiB. */
  maxOutputBytes?: number;
  /** Environment added to every command (on top of this process's environment). */
  env?: Record<string, string>;
}

/** Entries of a dependencies `node_modules` that must stay private to each checkout (tool caches). */
const PRIVATE_ENTRIES = new Set(['.cache', '.vite', '.vitest', '.package-lock.json', '.modules.yaml']);

/**
 * The embedded runtime: a temp checkout of the task repo on this machine, run with this machine's Node.
 *
 * Checkouts are `git clone --shared --no-checkout` (objects borrowed from the task repo through
 * alternates: instant, but the task repo must outlive the workspace) then a detached checkout.
 * Dependencies are linked, not copied: see `linkNodeModules`.
 */
export function createLocalRuntime(options: LocalRuntimeOptions = {}): Runtime {
  const maxOutputBytes = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  return {
    name: 'local',
    async open(open: OpenWorkspaceOptions): Promise<Workspace> {
      const taskRepo = path.resolve(open.taskRepo);
      try {
        await stat(taskRepo);
      } catch (cause) {
        throw new SweFlowError(ErrorCodes.PATH_MISSING, `task repository ${taskRepo} does not exist; pass the path of the task git repo`, { cause });
      }
      const parent = options.tmpDir ?? os.tmpdir();
      await mkdir(parent, { recursive: true });
      const label = (open.label ?? 'ws').replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 40);
      const root = await mkdtemp(path.join(parent, `swe-flow-${label}-`));
      const unregister = registerCleanup(async () => {
        await rm(root, { recursive: true, force: true });
      });
      try {
        await git(['clone', '--quiet', '--shared', '--no-checkout', taskRepo, root]);
        await git(['-c', 'advice.detachedHead=false', 'checkout', '--quiet', '--force', '--detach', await resolveCommit(root, open.commit)], root);
        if (open.dependenciesDir !== undefined) await linkNodeModules(path.resolve(open.dependenciesDir), root);
      } catch (error) {
        unregister();
        await rm(root, { recursive: true, force: true });
        throw error;
      }
      return new LocalWorkspace(root, maxOutputBytes, options.env ?? {}, unregister);
    },
  };
}

async function resolveCommit(checkout: string, commit: string): Promise<string> {
  for (const candidate of [commit, `origin/${commit}`]) {
    try {
      return await git(['rev-parse', '--verify', '--quiet', `${candidate}^{commit}`], checkout);
    } catch {
      // try the next spelling
    }
  }
  throw new SweFlowError(ErrorCodes.GIT_FAILED, `commit "${commit}" is not in the task repository; pass a sha or branch it contains`);
}

/**
 * Makes `<root>/node_modules` a real directory of symlinks to the entries of
 * `<depsDir>/node_modules` (and likewise for nested workspace packages' `node_modules`).
 *
 * Trade-off: linking costs milliseconds and no disk, where copying costs seconds and hundreds of MB per
 * workspace; but the dependency tree is shared, so a command that writes into `node_modules` writes for
 * every workspace. Tool caches (`.vite`, `.cache`, ...) are therefore not linked but left private, and
 * links that point back into the source tree (workspace packages of a monorepo) are re-pointed at this
 * checkout, so a test importing `@scope/pkg` loads the checkout's (stubbed) code, not the original.
 */
export async function linkNodeModules(depsDir: string, root: string): Promise<number> {
  let linked = 0;
  const depsReal = await realpath(depsDir);
  const dirs = ['.', ...(await workspaceDirs(depsDir))];
  for (const rel of dirs) {
    const from = path.join(depsDir, rel, 'node_modules');
    if (!(await isDir(from))) continue;
    if (rel !== '.' && !(await isDir(path.join(root, rel)))) continue;
    linked += await linkEntries(from, path.join(root, rel, 'node_modules'), depsReal, root);
  }
  return linked;
}

async function linkEntries(from: string, to: string, depsReal: string, root: string): Promise<number> {
  await mkdir(to, { recursive: true });
  let count = 0;
  for (const entry of await readdir(from, { withFileTypes: true })) {
    if (PRIVATE_ENTRIES.has(entry.name)) continue;
    const src = path.join(from, entry.name);
    const dest = path.join(to, entry.name);
    if (entry.name.startsWith('@') && entry.isDirectory()) {
      count += await linkEntries(src, dest, depsReal, root);
      continue;
    }
    let target = src;
    if (entry.isSymbolicLink()) {
      const resolved = path.resolve(from, await readlink(src));
      const rel = path.relative(depsReal, await realpath(resolved).catch(() => resolved));
      // A link into the source tree itself (not into node_modules): a workspace package. Point it at the
      // checkout's copy.
      if (!rel.startsWith('..') && !path.isAbsolute(rel) && !rel.split(path.sep).includes('node_modules')) {
        target = path.join(root, rel);
      }
    }
    await symlink(target, dest);
    count++;
  }
  return count;
}

async function workspaceDirs(depsDir: string): Promise<string[]> {
  let patterns: string[] = [];
  try {
    const pkg = JSON.parse(await readFile(path.join(depsDir, 'package.json'), 'utf8')) as {
      workspaces?: string[] | { packages?: string[] };
    };
    const ws = Array.isArray(pkg.workspaces) ? pkg.workspaces : (pkg.workspaces?.packages ?? []);
    patterns = ws.filter((p): p is string => typeof p === 'string');
  } catch {
    // no package.json: look at packages/* only
  }
  if (patterns.length === 0) patterns = ['packages/*'];
  const out = new Set<string>();
  for (const pattern of patterns) {
    const clean = pattern.replace(/\/+$/, '');
    if (clean.endsWith('/*') && !clean.slice(0, -2).includes('*')) {
      const base = clean.slice(0, -2);
      let entries: string[] = [];
      try {
        entries = await readdir(path.join(depsDir, base));
      } catch {
        continue;
      }
      for (const e of entries) out.add(path.join(base, e));
    } else if (!clean.includes('*')) {
      out.add(clean);
    }
  }
  return [...out].sort();
}

async function isDir(p: string): Promise<boolean> {
  try {
    return (await lstat(p)).isDirectory() || (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

class LocalWorkspace implements Workspace {
  readonly onHost = true;
  private disposed = false;
  /** Kill functions of processes started with spawn that are still alive. */
  private readonly spawned = new Set<() => void>();

  constructor(
    readonly root: string,
    private readonly maxOutputBytes: number,
    private readonly baseEnv: Record<string, string>,
    private readonly unregister: () => void,
  ) {}

  /**
   * Starts a command in the checkout. detached: it leads its own process group, so `killGroup` takes
   * the whole tree (test runners fork workers; killing only the parent would leave them running).
   */
  private start(what: 'exec' | 'spawn', spec: CommandSpec, stdin: 'ignore' | 'pipe') {
    if (this.disposed) throw new SweFlowError(ErrorCodes.INTERNAL, `${what} on a disposed workspace; open a new one`);
    const child = execa(spec.command, spec.args, {
      cwd: spec.cwd === undefined ? this.root : resolveInsideOrRoot(this.root, spec.cwd),
      env: { ...inheritedEnv(), ...this.baseEnv, ...spec.env },
      extendEnv: false,
      detached: true,
      buffer: false,
      reject: false,
      stdin,
      stdout: 'pipe',
      stderr: 'pipe',
      cleanup: true,
    });
    const killGroup = (): void => {
      killProcessGroup(child.pid);
    };
    return { child, killGroup };
  }

  checkout(commit: string, options?: CheckoutOptions): Promise<string[]> {
    return checkoutIn(this, commit, options);
  }

  async exec(spec: CommandSpec, options: ExecOptions): Promise<ExecResult> {
    const { child, killGroup } = this.start('exec', spec, options.input === undefined ? 'ignore' : 'pipe');
    const stdout = new BoundedBuffer(this.maxOutputBytes);
    const stderr = new BoundedBuffer(this.maxOutputBytes);
    const started = performance.now();
    child.stdout?.on('data', (c: Buffer) => stdout.push(c));
    child.stderr?.on('data', (c: Buffer) => stderr.push(c));
    if (options.input !== undefined) {
      child.stdin?.on('error', () => {});
      child.stdin?.end(options.input);
    }
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, options.timeoutMs);
    const unregister = registerCleanup(async () => killGroup());
    try {
      const result = await child;
      // Killed by a signal's shutdown: not a result; the caller stops here.
      assertNotShuttingDown();
      return {
        exitCode: timedOut ? null : (result.exitCode ?? null),
        stdout: stdout.toString(),
        // A command that could not start (ENOENT) has no exit code; say why in stderr.
        stderr: stderr.toString() + (result.exitCode === undefined && !timedOut ? String(result.message) : ''),
        timedOut,
        durationMs: Math.round(performance.now() - started),
      };
    } finally {
      clearTimeout(timer);
      // Leftover grandchildren (daemons, watchers) must not outlive the command.
      killGroup();
      unregister();
    }
  }

  async spawn(spec: CommandSpec, handlers: SpawnHandlers): Promise<SpawnedProcess> {
    // Own process group, as in exec: kill() takes the runner's workers with it.
    const { child, killGroup } = this.start('spawn', spec, 'pipe');
    child.stdout?.setEncoding('utf8');
    child.stderr?.setEncoding('utf8');
    child.stdout?.on('data', (c: string) => handlers.onStdout(c));
    child.stderr?.on('data', (c: string) => handlers.onStderr?.(c));
    child.stdin?.on('error', () => {});
    const unregister = registerCleanup(async () => killGroup());
    this.spawned.add(killGroup);
    const exited = child.then((r) => (r.exitCode ?? null), () => null).finally(() => {
      killGroup();
      unregister();
      this.spawned.delete(killGroup);
    });
    return {
      write: (text: string) => { child.stdin?.write(text); },
      exited,
      kill: async () => { killGroup(); await exited; },
    };
  }

  async readFile(relPath: string): Promise<string | undefined> {
    try {
      return await readFile(resolveInside(this.root, relPath), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async writeFile(relPath: string, content: string): Promise<void> {
    const abs = resolveInside(this.root, relPath);
    await mkdir(path.dirname(abs), { recursive: true });
    await writeFile(abs, content);
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.unregister();
    for (const kill of [...this.spawned]) kill();
    await rm(this.root, { recursive: true, force: true });
  }
}

/**
 * This process's environment minus the markers test runners leave for their own workers: a task's
 * runner started with them believes it is a worker (node:test's NODE_TEST_CONTEXT turns `node --test`
 * into a child reporter; VITEST_* and JEST_WORKER_ID change pools and output). They appear whenever
 * swe-flow itself runs under a test runner.
 */
export function inheritedEnv(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || RUNNER_MARKERS.test(k)) continue;
    out[k] = v;
  }
  return { ...out, ...TEST_RUN_ENV };
}

const RUNNER_MARKERS = /^(VITEST|VITEST_.+|JEST_WORKER_ID|NODE_TEST_CONTEXT|TINYPOOL_.+|MOCHA_.+)$/;

function resolveInsideOrRoot(root: string, rel: string): string {
  return rel === '' || rel === '.' ? root : resolveInside(root, rel);
}
