/**
 * The repository's build, run on every base and reference tree before its tests when the tests run build
 * output (`dist/` compiled from `src/`): a stub in a source reaches the tests only through the build.
 * Its time is counted in verification's statistics; the output of a tree already built (the same git
 * tree: every isolated task's reference is the original) is copied from a cache instead (local runtime).
 */
import { cp, mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import type { Logger, Workspace } from '@swe-flow/core';
import { pathExists as exists } from '@swe-flow/runtime';
import type { VerifyTally } from './stats.js';

export interface TreeBuildSpec {
  /** Shell commands run at the tree's root, in order (the build before tests of `repo.json`). */
  commands: readonly string[];
  /** Repo-relative folders the build writes that the tests read (what the cache keeps per tree). */
  outputs: readonly string[];
  /** Environment of the build (the test script's). */
  env?: Record<string, string>;
  timeoutMs?: number;
  /** Host folder for built output by git tree id; none: every tree is built. */
  cacheDir?: string;
}

/** Lines of a failed build's output kept in the warning. */
const FAILED_TAIL_LINES = 20;

/** One command of a build before tests, as run in a workspace. */
export interface BuildCommandRun {
  command: string;
  ok: boolean;
  /** The exit code, or `timed out`. */
  exit: number | string;
  stdout: string;
  stderr: string;
}

/**
 * Runs a build's commands in order at the workspace's root, with the repository's own tools first on PATH
 * (as `npm run` puts them), until one fails: verification's tree builds and `swe-flow eval`'s grading both.
 */
export async function runBuildCommands(ws: Workspace, commands: readonly string[], options: { timeoutMs: number; env?: Record<string, string> }): Promise<BuildCommandRun[]> {
  const runs: BuildCommandRun[] = [];
  for (const command of commands) {
    const script = `PATH="$PWD/node_modules/.bin:$PATH"; ${command}`;
    const r = await ws.exec({ command: 'sh', args: ['-c', script], ...(options.env ? { env: options.env } : {}) }, { timeoutMs: options.timeoutMs });
    const ok = r.exitCode === 0 && !r.timedOut;
    runs.push({ command, ok, exit: r.timedOut ? 'timed out' : (r.exitCode ?? 'none'), stdout: r.stdout, stderr: r.stderr });
    if (!ok) break;
  }
  return runs;
}

export class TreeBuilder {
  private readonly treeIds = new Map<string, Promise<string | undefined>>();

  constructor(
    private readonly spec: TreeBuildSpec,
    private readonly taskRepo: string,
    private readonly logger: Logger,
    private readonly tally: VerifyTally,
  ) {}

  /**
   * Builds the workspace's tree at `commit` (or restores its cached output). A failed build is logged and
   * returned (what failed and its last lines), not thrown: the caller decides what the tree's runs mean.
   */
  async build(ws: Workspace, commit: string, label: string): Promise<string | undefined> {
    const started = Date.now();
    const cached = ws.onHost ? await this.cachedDir(commit) : undefined;
    if (cached && (await exists(cached))) {
      await this.restore(ws.root, cached);
      this.tally.counts.treeBuildsCached++;
      this.tally.counts.treeBuildMs += Date.now() - started;
      return undefined;
    }
    const failure = await this.run(ws, label);
    this.tally.counts.treeBuilds++;
    if (failure) this.tally.counts.treeBuildFailures++;
    else if (cached) await this.store(ws.root, cached).catch((error: unknown) => this.logger.debug(`build cache not written: ${(error as Error).message}`));
    this.tally.counts.treeBuildMs += Date.now() - started;
    return failure;
  }

  private async run(ws: Workspace, label: string): Promise<string | undefined> {
    const runs = await runBuildCommands(ws, this.spec.commands, { timeoutMs: this.spec.timeoutMs ?? 15 * 60_000, ...(this.spec.env ? { env: this.spec.env } : {}) });
    const last = runs.at(-1);
    if (!last || last.ok) return undefined;
    const output = `${last.stdout}\n${last.stderr}`.trim().split('\n').slice(-FAILED_TAIL_LINES).join('\n');
    const failure = `the build before tests failed on ${label} (\`${last.command}\`, exit ${last.exit}):\n${output}`;
    this.logger.warn(failure);
    return failure;
  }

  private cachedDir(commit: string): Promise<string | undefined> {
    const { cacheDir } = this.spec;
    if (!cacheDir) return Promise.resolve(undefined);
    let id = this.treeIds.get(commit);
    if (!id) {
      id = execa('git', ['rev-parse', `${commit}^{tree}`], { cwd: this.taskRepo, reject: false }).then((r) => (r.exitCode === 0 ? path.join(cacheDir, r.stdout.trim()) : undefined));
      this.treeIds.set(commit, id);
    }
    return id;
  }

  private async restore(root: string, cached: string): Promise<void> {
    for (const out of this.spec.outputs) {
      await rm(path.join(root, out), { recursive: true, force: true });
      const from = path.join(cached, out);
      if (await exists(from)) await cp(from, path.join(root, out), { recursive: true });
    }
  }

  private async store(root: string, cached: string): Promise<void> {
    const tmp = `${cached}.${process.pid}.tmp`;
    await rm(tmp, { recursive: true, force: true });
    for (const out of this.spec.outputs) {
      const from = path.join(root, out);
      if (!(await exists(from))) continue;
      await mkdir(path.dirname(path.join(tmp, out)), { recursive: true });
      await cp(from, path.join(tmp, out), { recursive: true });
    }
    await mkdir(tmp, { recursive: true });
    await rename(tmp, cached).catch(async () => rm(tmp, { recursive: true, force: true }));
  }
}
