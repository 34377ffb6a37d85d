/**
 * `swe-flow release build`: every repository of a manifest through synth (a worker pool, resumable,
 * one failure never stops the others), then merge, split and write the release folder.
 */
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCodes, SweFlowError, mapPool, silentLogger, type DatasetRow, type Logger } from '@swe-flow/core';
import { TaskRepo } from '@swe-flow/emitter';
import { assertNotShuttingDown } from '@swe-flow/runtime';
import { buildRepo, readRepoResult, writeRepoResult, type RepoResult } from './build-repo.js';
import { currentGenerator, reuseOf } from './generator.js';
import { repoKey, repoSlug, sha256, type RepoEntry } from './keys.js';
import { loadManifest, type ResolvedManifest } from './manifest.js';
import { mergeRows } from './merge.js';
import { assignSplits, splitRows, type SplitName } from './splits.js';
import { writeRelease, type ReleaseRecord } from './write-release.js';

export interface ReleaseBuildOptions {
  manifest: string;
  out: string;
  version: string;
  /** Repositories built at once (default 1). */
  workers?: number;
  /** An earlier release folder whose splits are kept (default: the release.json already in `out`). */
  previous?: string;
  /** Build again the repositories whose last build failed (default: a failure is final until its inputs change). */
  retryFailed?: boolean;
  logger?: Logger;
  onRepo?: (result: RepoResult, state: 'built' | 'reused', done: number, total: number) => void;
  /** Where repositories are built: this process (default) or elsewhere, e.g. queue workers. */
  executor?: RepoExecutor;
}

export interface RepoJob {
  repo: RepoEntry;
  key: string;
  options: ResolvedManifest['options'];
  /** The release folder and this repository's folder in it (`.build/<repo>`). */
  releaseDir: string;
  repoDir: string;
}

/**
 * Builds one repository and returns its result; `synthDir` may be absolute when the artifacts live
 * outside the release folder (a shared store).
 */
export interface RepoExecutor {
  concurrency?: number;
  build(job: RepoJob, logger: Logger): Promise<RepoResult>;
  close?(): Promise<void>;
}

export const localExecutor: RepoExecutor = {
  build: (job, logger) => buildRepo(job.repo, { releaseDir: job.releaseDir, repoDir: job.repoDir, key: job.key, options: job.options, logger }),
};

export interface ReleaseBuildResult {
  dir: string;
  record: ReleaseRecord;
  built: number;
  reused: number;
  failed: number;
}

/** The tree of the repository as synthesized (the task repository's `original` commit): content, not history. */
async function sourceTreeOf(synthDir: string): Promise<string | undefined> {
  const repo = await TaskRepo.open(path.join(synthDir, 'task-repo.git')).catch(() => undefined);
  if (!repo) return undefined;
  try {
    return await repo.treeOf('original').catch(() => undefined);
  } finally {
    await repo.dispose();
  }
}

async function previousSplits(dir: string | undefined): Promise<Map<string, SplitName>> {
  if (!dir) return new Map();
  const text = await readFile(path.join(dir, 'release.json'), 'utf8').catch(() => undefined);
  if (!text) return new Map();
  const record = JSON.parse(text) as ReleaseRecord;
  return new Map(record.repositories.filter((r) => r.split === 'train' || r.split === 'test').map((r) => [r.name, r.split as SplitName]));
}

/** A repository's own log under the release's: its info as debug (repositories interleave), warnings kept. */
function quietFor(logger: Logger, name: string): Logger {
  return {
    debug: (m) => logger.debug(`${name}: ${m}`),
    info: (m) => logger.debug(`${name}: ${m}`),
    warn: (m) => logger.warn(`${name}: ${m}`),
    error: (m) => logger.error(`${name}: ${m}`),
  };
}

export async function buildRelease(options: ReleaseBuildOptions): Promise<ReleaseBuildResult> {
  const logger = options.logger ?? silentLogger;
  if (!/^[0-9A-Za-z][0-9A-Za-z._+-]*$/.test(options.version)) {
    throw new SweFlowError(ErrorCodes.USAGE, `--version ${JSON.stringify(options.version)} is not a version; use something like 1.0.0`);
  }
  const manifest = await loadManifest(options.manifest);
  const manifestText = await readFile(manifest.file, 'utf8');
  const dir = path.resolve(options.out);
  for (const r of manifest.repositories) {
    const rel = path.relative(r.source, dir);
    if (!/^[a-z]+:\/\//i.test(r.source) && (rel === '' || !rel.startsWith('..'))) {
      throw new SweFlowError(ErrorCodes.USAGE, `--out ${dir} is inside the repository ${r.source}; choose a folder outside every repository of the manifest`);
    }
  }
  await mkdir(path.join(dir, '.build'), { recursive: true });
  const previous = await previousSplits(options.previous ?? dir);
  const generator = await currentGenerator();
  const total = manifest.repositories.length;
  let done = 0;
  let built = 0;
  let reused = 0;
  logger.info(`release ${manifest.name} ${options.version}: ${total} repositories, ${options.workers ?? 1} at a time → ${dir}`);
  const executor = options.executor ?? localExecutor;
  const results = await mapPool(manifest.repositories, Math.max(1, executor.concurrency ?? options.workers ?? 1), async (repo) => {
    assertNotShuttingDown(); // after a signal no repository starts (and none is recorded as failed)
    const repoDir = path.join(dir, '.build', repoSlug(repo));
    const key = repoKey(repo, manifest.options, generator.version);
    const last = await readRepoResult(repoDir);
    const decision = reuseOf({ last, key, generator, retryFailed: options.retryFailed ?? false });
    let result: RepoResult;
    let state: 'built' | 'reused';
    if (last && decision.reuse) {
      result = last;
      state = 'reused';
      reused++;
    } else {
      logger.debug(`${repo.name}: synth started (${decision.why})`);
      result = await executor.build({ repo, key, options: manifest.options, releaseDir: dir, repoDir }, quietFor(logger, repo.name));
      if (executor !== localExecutor) await writeRepoResult(repoDir, result);
      state = 'built';
      built++;
    }
    done++;
    const what = result.status === 'ok'
      ? `${result.rows} rows${result.gold ? `, gold ${result.gold.resolved}/${result.gold.total}` : ''}${result.empty ? `, empty ${result.empty.resolved}/${result.empty.total}` : ''}`
      : `failed ${result.code}: ${(result.message ?? '').split('\n')[0]}`;
    logger.info(`[${done}/${total}] ${repo.name}: ${what}${state === 'reused' ? ' (unchanged, reused)' : ` in ${(result.durationMs / 1000).toFixed(1)} s`}`);
    logger.progress?.({ stage: 'release', done, total, message: repo.name });
    options.onRepo?.(result, state, done, total);
    return result;
  }).finally(() => executor.close?.());

  const ok = results.filter((r) => r.status === 'ok');
  const repoRows = await Promise.all(ok.map(async (r) => {
    const text = await readFile(path.resolve(dir, r.synthDir, 'dataset.jsonl'), 'utf8').catch(() => '');
    const rows = text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as DatasetRow);
    const tree = await sourceTreeOf(path.resolve(dir, r.synthDir));
    return { name: r.name, ...(tree ? { sourceTree: tree } : {}), license: r.license, rows, goldFailing: r.gold?.failing ?? [], emptyResolving: r.empty?.resolving ?? [] };
  }));
  const merged = mergeRows(repoRows);
  const assignment = assignSplits([...new Set(merged.rows.map((r) => r.repo))], manifest.options.split, previous);
  const splits = splitRows(merged.rows, assignment, manifest.options.split.liteMaxPerRepo);
  const lockfileHashes = new Map<string, string | null>();
  for (const r of ok) {
    const lock = r.lockfile ? await readFile(path.resolve(dir, r.synthDir, '.work', 'repo', r.lockfile)).catch(() => undefined) : undefined;
    lockfileHashes.set(r.name, lock ? sha256(lock) : null);
  }
  const record = await writeRelease({
    dir, name: manifest.name, description: manifest.description, version: options.version,
    generator,
    manifestText, splits, assignment, repos: results, dropped: merged.dropped, lockfileHashes,
  });
  const failed = results.filter((r) => r.status === 'failed').length;
  logger.info(`release ${manifest.name} ${options.version}: ${merged.rows.length} rows (${Object.entries(record.splits).map(([s, x]) => `${s} ${x.rows}`).join(', ')}), ${merged.dropped.length} dropped, ${failed} repositories failed; built ${built}, reused ${reused}`);
  return { dir, record, built, reused, failed };
}
