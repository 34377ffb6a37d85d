/**
 * The repository's build, run on every base and reference tree before its tests when the tests run build
 * output (`dist/` compiled from `src/`): a stub in a source reaches the tests only through the build.
 * Its time is counted in verification's statistics; the output of a tree already built (the same git
 * tree: every isolated task's reference is the original) is copied from a cache instead (local runtime).
 */
import { cp, mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import type { Logger, Workspace } from '@swe-flow/core';
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
    for (const command of this.spec.commands) {
      // The repository's own tools first, as `npm run` puts them.
      const script = `PATH="$PWD/node_modules/.bin:$PATH"; ${command}`;
      const r = await ws.exec({ command: 'sh', args: ['-c', script], ...(this.spec.env ? { env: this.spec.env } : {}) }, { timeoutMs: this.spec.timeoutMs ?? 15 * 60_000 });
      if (r.exitCode !== 0 || r.timedOut) {
        const output = `${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-FAILED_TAIL_LINES).join('\n');
        const failure = `the build before tests failed on ${label} (\`${command}\`, exit ${r.timedOut ? 'timed out' : r.exitCode}):\n${output}`;
        this.logger.warn(failure);
        return failure;
      }
    }
    return undefined;
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

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}
