import type { Logger, TestSelection } from '@swe-flow/core';
import type { TreeBatcher } from './batch.js';
import { Job } from './job.js';
import type { Lane } from './lane.js';
import { newRun, type PlannedRun } from './plan.js';
import { failureOf } from './verdict.js';
import type { RunStatuses } from './types.js';
import type { VerifyTally } from './stats.js';

export interface PoolOptions {
  logger: Logger;
  /** Runs several queued trees in one runner process, when the runner and runtime allow it. */
  batcher?: TreeBatcher;
  /** Trees per batch. */
  batchSize: number;
  /** Where each run alone records its time. */
  tally?: VerifyTally;
}

/**
 * The queue of tree runs and the workers that take them: one lane (workspace + session) per worker,
 * each taking the next queued run, or with batching its even part of the queue. Workers stay until
 * every candidate is settled, since settling may queue more runs (PASS_TO_PASS tests run alone).
 */
export class Pool {
  private readonly queue: Job[] = [];
  private readonly jobs = new Map<PlannedRun, Job>();
  private readonly wakers: (() => void)[] = [];
  private outstanding = 0;
  private lanesInBatch = 0;
  private workerCount = 1;

  constructor(private readonly options: PoolOptions) {}

  get queued(): number {
    return this.queue.length;
  }

  /** Queues a planned run (once); its users wait on the job's result. */
  enqueue(run: PlannedRun): Job {
    let job = this.jobs.get(run);
    if (!job) {
      job = new Job(run);
      this.jobs.set(run, job);
      this.queue.push(job);
    }
    return job;
  }

  /** A run made for one candidate only, queued for the next free worker. */
  runAlone(commit: string, label: string, selection: TestSelection): Promise<RunStatuses> {
    const job = new Job(newRun(commit, label, selection));
    this.queue.push(job);
    this.wake();
    return job.result;
  }

  /** Candidates not settled yet: workers wait for new runs while any are left. */
  expect(count: number): void {
    this.outstanding = count;
  }

  settledOne(): void {
    this.outstanding--;
    if (this.outstanding === 0) this.wake();
  }

  private wake(): void {
    for (const w of this.wakers.splice(0)) w();
  }

  /** One run of a job in a lane; what goes wrong becomes the job's failure. */
  async runJob(lane: Lane, job: Job): Promise<void> {
    this.options.logger.debug(`run of ${job.label}: ${job.files.size} test files, ${job.ids.size} tests`);
    const started = Date.now();
    try {
      job.resolve(await lane.runRepeated(job.commit, job.label, { files: [...job.files].sort(), testIds: [...job.ids] }, 1, job.baseOnly));
    } catch (error) {
      job.resolve({ last: new Map(), passes: new Map(), error: failureOf(error) });
    }
    this.options.tally?.tree({ label: job.label, ms: Date.now() - started, how: 'alone' });
  }

  /** Runs `workers` workers (at most one per queued run) until every expected candidate is settled. */
  async work(lanes: Lane[], workers: number, newLane: () => Lane): Promise<void> {
    this.workerCount = Math.max(1, Math.min(workers, Math.max(1, this.queue.length)));
    while (lanes.length < this.workerCount) lanes.push(newLane());
    await Promise.all(lanes.slice(0, this.workerCount).map((lane) => this.worker(lane)));
  }

  private async worker(lane: Lane): Promise<void> {
    const { batcher } = this.options;
    for (;;) {
      if (batcher && !lane.batchBroken && this.queue.length > 1) {
        await this.runBatch(batcher, lane);
        continue;
      }
      const job = this.queue.shift();
      if (job) { await this.runJob(lane, job); continue; }
      if (this.outstanding === 0) break;
      await new Promise<void>((resolve) => this.wakers.push(resolve));
    }
  }

  /**
   * Up to `n` queued jobs of the same kind as the first (bases only, or not): a batch has one per-test
   * limit, and a reference or the original in it would lose its generous limits.
   */
  private takeBatch(n: number): Job[] {
    const kind = this.queue[0]?.baseOnly;
    const taken: Job[] = [];
    const left: Job[] = [];
    for (const job of this.queue) (taken.length < n && job.baseOnly === kind ? taken : left).push(job);
    this.queue.splice(0, this.queue.length, ...left);
    return taken;
  }

  /** Workers share the queue: an idle worker takes its even part of what is left, up to batchSize trees. */
  private async runBatch(batcher: TreeBatcher, lane: Lane): Promise<void> {
    const share = Math.ceil(this.queue.length / Math.max(1, this.workerCount - this.lanesInBatch));
    this.lanesInBatch++;
    try {
      await batcher.run(lane, this.takeBatch(Math.max(2, Math.min(this.options.batchSize, share))), (l, job) => this.runJob(l, job));
    } finally {
      this.lanesInBatch--;
    }
  }
}
