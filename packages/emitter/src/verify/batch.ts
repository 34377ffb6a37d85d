import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Logger, TestResult, TestStatus, Workspace } from '@swe-flow/core';
import { assertNotShuttingDown, startCpuSpan } from '@swe-flow/runtime';
import type { RunnerTree, TreeRunner } from '@swe-flow/tracer';
import type { Job } from './job.js';
import type { Lane } from './lane.js';
import { fileOf } from './plan.js';
import type { VerifyTally } from './stats.js';
import type { BaseTimeLimits } from './time-limit.js';

let linkTrees: Promise<string> | undefined;
/** The script that gives batch trees node_modules of their own (runtime/link-trees.cjs). */
const linkTreesScript = () => (linkTrees ??= readFile(fileURLToPath(new URL('../../runtime/link-trees.cjs', import.meta.url)), 'utf8'));

/** Where a worker's workspace holds the trees of a batch (`t0`, `t1`, ...), kept out of `git clean`. */
const TREES_DIR = '.swe-flow/trees';
/**
 * With workers shared between files, a batch gives each test file a tree of its own when that adds at
 * most as many trees as the batch has (or this many, for small batches); otherwise it keeps the
 * repository's pool.
 */
const SHARED_EXTRA_TREES = 8;
/** While a batch runs, a line every this many ms says how long it has run: no silent minutes. */
const BATCH_HEARTBEAT_MS = 30_000;

export interface BatchContext {
  /** The runner's way of running many trees (`treeRunnerFor`). */
  runner: TreeRunner;
  timeoutMs: number;
  stubMarker?: string;
  sharedBatches?: boolean;
  logger: Logger;
  tally: VerifyTally;
  /** Where a lane opens its workspace when a batch is its first run. */
  firstCommit: string;
  /** Per-test limits of batches of bases only. */
  baseLimits?: BaseTimeLimits;
}

/** A tree to write: the job it belongs to and its share of the job's tests. */
interface Unit { job: number; files: string[]; ids: string[] }
type Tree = RunnerTree;

/**
 * Runs several queued trees in one runner process: each is written out under `.swe-flow/trees/` of the
 * lane's workspace (`git archive` of its commit, node_modules linked to the workspace's). A tree the batch
 * leaves in doubt (an unhandled error, a requested test not reported, with a shared process a failure
 * without the stub's error) runs again alone through `runAlone`.
 */
export class TreeBatcher {
  constructor(private readonly ctx: BatchContext) {}

  async run(lane: Lane, batch: Job[], runAlone: (lane: Lane, job: Job) => Promise<void>): Promise<void> {
    const { ctx } = this;
    const ws = lane.workspace ?? (await lane.moveTo(ctx.firstCommit, 'batch'));
    const span = startCpuSpan();
    // A batch that shares workers between trees is a first pass: only failures that carry the stub's
    // error are taken from it.
    let share = !ctx.runner.sharedProcess && ctx.sharedBatches !== false && !!ctx.stubMarker && (await ctx.runner.sharesWorkers(ws));
    let units = batch.map((job, i): Unit => ({ job: i, files: [...job.files].sort(), ids: [...job.ids] }));
    if (share) {
      const split = splitPerFile(batch);
      // Many more copies to write would cost more than sharing saves.
      if (split.length <= batch.length + Math.max(SHARED_EXTRA_TREES, batch.length)) units = split;
      else share = false;
    }
    let results: Map<number, TestResult[]> | undefined;
    let testTimeoutMs: number | undefined;
    const testFiles = units.reduce((n, u) => n + u.files.length, 0);
    const how = share ? ' (workers shared between files)' : '';
    ctx.logger.info(`running ${batch.length} trees (${testFiles} test files) in one ${ctx.runner.runner} run${how}`);
    const heartbeat = setInterval(() => ctx.logger.info(`the batch of ${batch.length} trees has run for ${Math.round(span().wallMs / 1000)} s`), BATCH_HEARTBEAT_MS);
    try {
      const trees = await this.writeTrees(ws, batch, units);
      ctx.logger.debug(`wrote ${units.length} trees in ${span().wallMs} ms`);
      testTimeoutMs = await this.testTimeoutOf(ws, batch);
      const byDir = await ctx.runner.run(ws, trees, { timeoutMs: ctx.timeoutMs, maxWorkers: Math.max(1, availableParallelism()), shareWorkers: share, ...(testTimeoutMs ? { testTimeoutMs } : {}),
        onShareFallback: (why) => {
          share = false;
          ctx.tally.counts.sharedBatchFallbacks++;
          ctx.logger.warn(`the repository's vitest config could not be applied per tree in a shared batch (${why}); its trees ran as projects of their own`);
        },
      });
      results = jobResults(units, trees, byDir);
      ctx.tally.counts.batches++;
      if (share) ctx.tally.counts.sharedBatches++;
    } catch (error) {
      assertNotShuttingDown(); // a signal's shutdown, not a broken batch
      lane.batchBroken = true;
      ctx.logger.warn(`${ctx.runner.runner} tree batch unavailable; trees run one by one from now on in this worker: ${(error as Error).message.split('\n')[0]}`);
    } finally {
      clearInterval(heartbeat);
      await ws.exec({ command: 'rm', args: ['-rf', TREES_DIR] }, { timeoutMs: 120_000 }).catch(() => undefined);
    }
    const timing = span();
    const markerOnly = ctx.runner.sharedProcess || share;
    const doubt = batch.filter((job, i) => !this.settleFromBatch(job, results, results?.get(i), markerOnly));
    ctx.tally.batches.push({
      runner: ctx.runner.runner, trees: batch.length, testFiles, sharedWorkers: share, ...(testTimeoutMs ? { testTimeoutMs } : {}),
      ...timing, settled: batch.length - doubt.length, doubt: doubt.length, ...(results ? {} : { failed: true }),
    });
    ctx.logger.info(`batch of ${batch.length} trees: ${batch.length - doubt.length} settled in ${(timing.wallMs / 1000).toFixed(1)} s (CPU ${(timing.cpuMs / 1000).toFixed(1)} s, ${Math.round(timing.idleShare * 100)}% idle)${doubt.length ? `, ${doubt.length} run again alone` : ''}`);
    for (const job of doubt) await runAlone(lane, job);
  }

  /** A batch of bases only gets the per-test limit of its slowest test; anything else the repository's limits. */
  private async testTimeoutOf(ws: Workspace, batch: Job[]): Promise<number | undefined> {
    if (!this.ctx.baseLimits || !batch.every((j) => j.baseOnly)) return undefined;
    const limit = await this.ctx.baseLimits.forRun(ws, batch.flatMap((j) => [...j.ids]));
    if (limit) this.ctx.tally.counts.baseRunsTimeLimited += batch.length;
    return limit;
  }

  /** Writes each unit's tree (`git archive` of its job's commit) and links node_modules into them. */
  private async writeTrees(ws: Workspace, batch: Job[], units: Unit[]): Promise<Tree[]> {
    const dirs = units.map((_, k) => `${TREES_DIR}/t${k}`);
    await ws.writeFile('.swe-flow/link-trees.cjs', await linkTreesScript());
    const script = ['set -e', `rm -rf ${TREES_DIR}`, ...units.flatMap((unit, k) => [
      `mkdir -p ${dirs[k]}`,
      `git archive --format=tar ${batch[unit.job]!.commit} | tar -x -C ${dirs[k]}`,
    ]), `node .swe-flow/link-trees.cjs ${dirs.join(' ')}`].join('\n');
    const made = await ws.exec({ command: 'sh', args: ['-c', script] }, { timeoutMs: 300_000 });
    if (made.exitCode !== 0) throw new Error(`could not write the trees: ${made.stderr.trim().slice(-2000)}`);
    return units.map((unit, k) => ({ dir: dirs[k]!, selection: { files: unit.files, testIds: unit.ids } }));
  }

  /**
   * Settles a job from the batch's results when they leave no doubt; false: the job must run alone.
   * In a shared process a failure may come from state another tree left behind: only failures that
   * carry the stub's own error are taken from the batch.
   */
  private settleFromBatch(job: Job, results: Map<number, TestResult[]> | undefined, treeResults: TestResult[] | undefined, markerOnly: boolean): boolean {
    const { ctx } = this;
    const byId = new Map(treeResults?.map((r) => [r.id, r]) ?? []);
    const unreported = [...job.ids].filter((id) => !byId.has(id));
    const unmarked = !markerOnly ? [] : [...job.ids].filter((id) => byId.get(id)?.status === 'failed' && !(byId.get(id)!.error ?? '').includes(ctx.stubMarker!));
    if (!treeResults || unreported.length > 0 || unmarked.length > 0) {
      if (results) {
        ctx.tally.counts.batchDoubtTrees++;
        const firstLine = (id: string) => (byId.get(id)!.error ?? '').split('\n')[0]!.slice(0, 200);
        const why = !treeResults ? 'an unhandled error in its files'
          : unreported.length > 0 ? `${unreported.length} requested tests not reported, e.g. ${unreported[0]}`
            : `${unmarked.length} failures without the stub's error, e.g. ${unmarked[0]}: ${firstLine(unmarked[0]!)}`;
        ctx.logger.debug(`tree ${job.label} left in doubt by the batch (${why}); running it alone`);
      }
      return false;
    }
    ctx.tally.counts.batchedTrees++;
    ctx.tally.counts.testRuns++;
    ctx.tally.tree({ label: job.label, ms: Math.round([...job.ids].reduce((n, id) => n + (byId.get(id)?.durationMs ?? 0), 0)), how: 'batch' });
    const last = new Map<string, TestStatus | 'missing'>();
    const passes = new Map<string, number>();
    for (const id of job.ids) {
      const st = byId.get(id)!.status;
      last.set(id, st);
      if (st === 'passed') passes.set(id, 1);
    }
    job.resolve({ last, passes });
    return true;
  }
}

/** With workers shared between files: one tree per job and test file, so no two files share a tree's modules. */
function splitPerFile(batch: Job[]): Unit[] {
  return batch.flatMap((job, i) => [...new Set([...job.files, ...[...job.ids].map(fileOf)])].sort()
    .map((f) => ({ job: i, files: [f], ids: [...job.ids].filter((id) => fileOf(id) === f) })));
}

/** Back to jobs: a job whose trees are not all in the map (unhandled errors) is left in doubt. */
function jobResults(units: Unit[], trees: Tree[], byDir: Map<string, TestResult[]>): Map<number, TestResult[]> {
  const merged = new Map<number, TestResult[]>();
  const incomplete = new Set<number>();
  for (const [k, unit] of units.entries()) {
    const got = byDir.get(trees[k]!.dir);
    if (!got) incomplete.add(unit.job);
    else merged.set(unit.job, [...(merged.get(unit.job) ?? []), ...got]);
  }
  for (const j of incomplete) merged.delete(j);
  return merged;
}
