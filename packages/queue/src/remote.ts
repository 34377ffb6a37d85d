/**
 * The coordinator's side: release builds and evaluations whose jobs run on queue workers. Jobs are
 * keyed by content, so enqueuing twice runs once and a finished job's result is reused; only
 * infrastructure errors are retried (with backoff), never a verdict.
 */
import { cp, mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { Queue, QueueEvents, type Job } from 'bullmq';
import { ErrorCodes, SweFlowError, silentLogger, type Logger } from '@swe-flow/core';
import { loadDataset, loadPredictions, renderSummary, summarize, type InstanceReport, type RunReport } from '@swe-flow/eval';
import { sha256, stableJson, type RepoExecutor, type RepoResult } from '@swe-flow/release';
import { checkRedis, connect } from './connection.js';
import { DEFAULT_PREFIX, EVAL_QUEUE, RELEASE_QUEUE, jobIdOf, type GradeJobData, type GradeJobResult, type JobData, type ReleaseRepoJobData } from './jobs.js';
import { DirectoryStore } from './store.js';

export interface RemoteOptions {
  url: string;
  /** The shared artifact store (a folder every worker mounts at the same path). */
  store: string;
  prefix?: string;
  /** A job not started within this time is given up (default 24 h). */
  deadlineMs?: number;
  /** Attempts for infrastructure errors (default 3). */
  attempts?: number;
  logger?: Logger;
}

const JOB_OPTIONS = (attempts: number) => ({
  attempts,
  backoff: { type: 'exponential' as const, delay: 2000 },
  // Finished jobs stay a week: the same job enqueued again returns their result without running.
  removeOnComplete: { age: 7 * 24 * 3600 },
  removeOnFail: { age: 7 * 24 * 3600 },
});

class Channel {
  readonly queue: Queue<JobData>;
  readonly events: QueueEvents;

  constructor(name: string, options: RemoteOptions) {
    const prefix = options.prefix ?? DEFAULT_PREFIX;
    this.queue = new Queue<JobData>(name, { connection: connect(options.url), prefix });
    this.events = new QueueEvents(name, { connection: connect(options.url), prefix });
  }

  async run<T>(data: JobData, attempts: number, deadline: number): Promise<T> {
    const id = jobIdOf(data);
    const existing = await this.queue.getJob(id);
    // A job that failed for good before is enqueued again (its inputs are the same, the machine may not be).
    if (existing && (await existing.isFailed())) await existing.remove();
    const job: Job<JobData> = (await this.queue.getJob(id)) ?? (await this.queue.add(data.kind, data, { ...JOB_OPTIONS(attempts), jobId: id }));
    try {
      return (await job.waitUntilFinished(this.events, Math.max(1000, deadline - Date.now()))) as T;
    } catch (error) {
      throw new SweFlowError(ErrorCodes.QUEUE_JOB_FAILED, `${data.kind} job ${id} failed on the workers: ${(error as Error).message}`, { cause: error });
    }
  }

  async close(): Promise<void> {
    await this.events.close();
    await this.queue.close();
  }
}

/** A release executor whose repositories are built by queue workers. */
export async function queueExecutor(options: RemoteOptions): Promise<RepoExecutor> {
  await checkRedis(options.url);
  const store = new DirectoryStore(options.store);
  const channel = new Channel(RELEASE_QUEUE, options);
  return {
    // Everything is enqueued at once; the workers decide how many run.
    concurrency: 1000,
    build: async (job) => {
      const data: ReleaseRepoJobData = { kind: 'release-repo', repo: job.repo, key: job.key, options: job.options, storeRoot: store.root, deadline: Date.now() + (options.deadlineMs ?? 24 * 3600_000) };
      return channel.run<RepoResult>(data, options.attempts ?? 3, data.deadline);
    },
    close: () => channel.close(),
  };
}

export interface QueueEvaluateOptions extends RemoteOptions {
  dataset: string;
  predictions: string;
  runtime?: 'local' | 'docker';
  runId?: string;
  out?: string;
  timeoutMs?: number;
  onInstance?: (instanceId: string, grade: string, done: number, total: number) => void;
}

/** `swe-flow eval --queue`: one job per instance; the reports are assembled as a local run writes them. */
export async function evaluateOnQueue(options: QueueEvaluateOptions): Promise<RunReport> {
  const logger = options.logger ?? silentLogger;
  await checkRedis(options.url);
  const started = Date.now();
  const store = new DirectoryStore(options.store);
  const ds = await loadDataset(options.dataset);
  const predictions = await loadPredictions(options.predictions, ds.rows);
  const rows = new Map(ds.rows.map((r) => [r.instance_id, r]));
  const unknown = predictions.filter((p) => !rows.has(p.instance_id)).map((p) => p.instance_id);
  const jobs = predictions.filter((p) => rows.has(p.instance_id));
  if (unknown.length) logger.warn(`${unknown.length} predictions name instances not in the dataset; ignored: ${unknown.slice(0, 5).join(', ')}${unknown.length > 5 ? ', …' : ''}`);
  if (!jobs.length) throw new SweFlowError(ErrorCodes.INPUT_INVALID, `no prediction names an instance of ${ds.dir}`);
  const runtime = options.runtime ?? 'docker';
  const timeoutMs = options.timeoutMs ?? 5 * 60_000;
  const runId = (options.runId ?? jobs[0]!.model_name_or_path ?? 'run').replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 100) || 'run';
  const text = jobs.map((p) => JSON.stringify(p)).join('\n');
  const predictionsFile = await store.put('predictions', sha256(text), 'predictions.jsonl', text);
  const channel = new Channel(EVAL_QUEUE, options);
  const outRoot = path.resolve(options.out ?? path.join(ds.dir, 'evaluation'));
  const runDir = path.join(outRoot, runId);
  await mkdir(runDir, { recursive: true });
  const deadline = Date.now() + (options.deadlineMs ?? 24 * 3600_000);
  let done = 0;
  try {
    const reports = await Promise.all(jobs.map(async (p) => {
      const row = rows.get(p.instance_id)!;
      const key = sha256(stableJson([ds.dir, p.instance_id, sha256(p.model_patch), p.model_name_or_path, row.base_commit, runtime, timeoutMs])).slice(0, 32);
      const data: GradeJobData = { kind: 'grade-instance', dataset: ds.dir, instanceId: p.instance_id, predictionsFile, runId: 'job', runtime, timeoutMs, key, storeRoot: store.root, deadline };
      const result = await channel.run<GradeJobResult>(data, options.attempts ?? 3, deadline);
      const name = p.instance_id.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 100);
      const target = path.join(runDir, name);
      await rm(target, { recursive: true, force: true });
      await cp(path.join(result.outDir, 'job', name), target, { recursive: true });
      const report = JSON.parse(await readFile(path.join(target, 'report.json'), 'utf8')) as InstanceReport;
      options.onInstance?.(p.instance_id, report.grade, ++done, jobs.length);
      return report;
    }));
    const run = summarize(reports, {
      runId, dataset: ds.dir, predictions: typeof options.predictions === 'string' ? options.predictions : 'records', runtime,
      workers: 0, evaluated: reports.length, withoutPrediction: ds.rows.filter((r) => !jobs.some((p) => p.instance_id === r.instance_id)).map((r) => r.instance_id),
      unknownPredictions: unknown, startedAt: new Date(started).toISOString(), durationMs: Date.now() - started,
    });
    const { writeFile, rename } = await import('node:fs/promises');
    for (const [name, content] of [['report.json', `${JSON.stringify(run, null, 2)}\n`], ['summary.md', renderSummary(run)]] as const) {
      const tmp = path.join(runDir, `.${name}.${process.pid}.tmp`);
      await writeFile(tmp, content);
      await rename(tmp, path.join(runDir, name));
    }
    return { ...run, reportDir: runDir };
  } finally {
    await channel.close();
  }
}

export interface QueueStatus {
  queue: string;
  counts: Record<string, number>;
}

export async function queueStatus(options: Pick<RemoteOptions, 'url' | 'prefix'>): Promise<QueueStatus[]> {
  await checkRedis(options.url);
  const out: QueueStatus[] = [];
  for (const name of [RELEASE_QUEUE, EVAL_QUEUE]) {
    const q = new Queue(name, { connection: connect(options.url), prefix: options.prefix ?? DEFAULT_PREFIX });
    out.push({ queue: name, counts: await q.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed', 'paused', 'prioritized') });
    await q.close();
  }
  return out;
}

/** Removes the jobs not yet started (running jobs finish). */
export async function drainQueues(options: Pick<RemoteOptions, 'url' | 'prefix'>): Promise<void> {
  await checkRedis(options.url);
  for (const name of [RELEASE_QUEUE, EVAL_QUEUE]) {
    const q = new Queue(name, { connection: connect(options.url), prefix: options.prefix ?? DEFAULT_PREFIX });
    await q.drain(true);
    await q.close();
  }
}

/** Moves every failed job back to waiting; returns how many. */
export async function retryFailed(options: Pick<RemoteOptions, 'url' | 'prefix'>): Promise<number> {
  await checkRedis(options.url);
  let n = 0;
  for (const name of [RELEASE_QUEUE, EVAL_QUEUE]) {
    const q = new Queue(name, { connection: connect(options.url), prefix: options.prefix ?? DEFAULT_PREFIX });
    for (const job of await q.getFailed()) { await job.retry(); n++; }
    await q.close();
  }
  return n;
}
