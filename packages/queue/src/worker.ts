/**
 * `swe-flow worker`: takes release and evaluation jobs from Redis and runs them here, writing their
 * outputs to the shared store. A job whose worker dies is taken over after its lock expires (stalled
 * job recovery); SIGTERM finishes the running jobs and stops taking new ones.
 */
import { cp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { silentLogger, type Logger } from '@swe-flow/core';
import { evaluate, parseJsonRecords } from '@swe-flow/eval';
import { buildRepo, readRepoResult, type RepoResult } from '@swe-flow/release';
import { checkRedis, connect } from './connection.js';
import { DEFAULT_PREFIX, EVAL_QUEUE, RELEASE_QUEUE, isInfrastructure, type GradeJobData, type GradeJobResult, type JobData, type ReleaseRepoJobData } from './jobs.js';
import { DirectoryStore } from './store.js';
import { removeDeadWorkersContainers } from './containers.js';

export interface WorkerOptions {
  url: string;
  prefix?: string;
  concurrency?: number;
  /** How long a job's lock lasts without renewal; a dead worker's job is taken over after it (default 60 s). */
  lockDurationMs?: number;
  logger?: Logger;
}

export interface RunningWorker {
  id: string;
  /** Jobs this process has run to an end (completed or failed), by kind. */
  processed: Record<string, number>;
  close(): Promise<void>;
}

async function runReleaseRepo(job: Job<ReleaseRepoJobData>, logger: Logger): Promise<RepoResult> {
  const { repo, key, options, storeRoot } = job.data;
  const store = new DirectoryStore(storeRoot);
  const dir = await store.dirFor('release-repo', key);
  const last = await readRepoResult(dir);
  if (last && last.key === key && last.status === 'ok') return { ...last, synthDir: path.resolve(dir, last.synthDir) };
  const result = await buildRepo(repo, { releaseDir: dir, repoDir: dir, key, options, logger });
  if (result.status === 'failed' && isInfrastructure(result.code, result.message)) throw new Error(`infrastructure: ${result.code}: ${result.message}`);
  return { ...result, synthDir: path.resolve(dir, result.synthDir) };
}

async function runGrade(job: Job<GradeJobData>, logger: Logger): Promise<GradeJobResult> {
  const d = job.data;
  const store = new DirectoryStore(d.storeRoot);
  const dir = await store.dirFor('grade', d.key);
  const predictions = parseJsonRecords(await readFile(d.predictionsFile, 'utf8'), d.predictionsFile) as { instance_id?: string }[];
  const prediction = predictions.find((p) => p.instance_id === d.instanceId);
  if (!prediction) throw new UnrecoverableError(`no prediction for ${d.instanceId} in ${d.predictionsFile}`);
  // A fresh folder per attempt: a killed attempt's half-written reports are not read as results.
  const outDir = path.join(dir, `attempt-${job.attemptsMade}`);
  await rm(outDir, { recursive: true, force: true });
  const report = await evaluate({ dataset: d.dataset, predictions: [prediction as never], instances: [d.instanceId], runId: d.runId, out: outDir, runtime: d.runtime, timeoutMs: d.timeoutMs, logger });
  const inst = report.instances[0];
  if (!inst) throw new UnrecoverableError(`evaluation of ${d.instanceId} graded nothing`);
  if (inst.grade === 'error' && job.attemptsMade + 1 < (job.opts.attempts ?? 1)) throw new Error(`infrastructure: ${report.errors[0]?.reason ?? 'error'}`);
  const final = path.join(dir, 'final');
  await rm(final, { recursive: true, force: true });
  await cp(outDir, final, { recursive: true });
  return { instanceId: d.instanceId, outDir: final, grade: inst.grade };
}

export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const logger = options.logger ?? silentLogger;
  await checkRedis(options.url);
  const id = `${os.hostname()}/${process.pid}`;
  process.env.SWEFLOW_WORKER_ID = id;
  const removed = await removeDeadWorkersContainers().catch(() => 0);
  if (removed) logger.info(`removed ${removed} containers of workers of this host that are gone`);
  const processed: Record<string, number> = {};
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const settings = { prefix, concurrency: Math.max(1, options.concurrency ?? 1), lockDuration: options.lockDurationMs ?? 60_000, stalledInterval: Math.max(1000, Math.floor((options.lockDurationMs ?? 60_000) / 2)), maxStalledCount: 3 };
  const processor = async (job: Job<JobData>) => {
    if (Date.now() > job.data.deadline) throw new UnrecoverableError(`deadline passed ${new Date(job.data.deadline).toISOString()}`);
    logger.info(`${job.data.kind} ${job.id}: started (attempt ${job.attemptsMade + 1})`);
    try {
      return job.data.kind === 'release-repo' ? await runReleaseRepo(job as Job<ReleaseRepoJobData>, logger) : await runGrade(job as Job<GradeJobData>, logger);
    } finally {
      processed[job.data.kind] = (processed[job.data.kind] ?? 0) + 1;
    }
  };
  const workers = [RELEASE_QUEUE, EVAL_QUEUE].map((name) => {
    const w = new Worker<JobData>(name, processor, { ...settings, connection: connect(options.url) });
    w.on('completed', (job) => logger.info(`${job.data.kind} ${job.id}: done`));
    w.on('failed', (job, error) => logger.warn(`${job?.data.kind ?? 'job'} ${job?.id ?? ''}: ${error.message}`));
    w.on('error', (error) => logger.debug(`worker connection: ${error.message}`));
    return w;
  });
  logger.info(`worker ${id}: taking ${RELEASE_QUEUE} and ${EVAL_QUEUE} jobs from ${options.url} (prefix ${prefix}, concurrency ${settings.concurrency})`);
  return {
    id,
    processed,
    close: async () => {
      await Promise.all(workers.map((w) => w.close()));
    },
  };
}
