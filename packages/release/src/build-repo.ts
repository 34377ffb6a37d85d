/**
 * One repository of a release: synth into its own folder, then the gold and empty runs, recorded in
 * `result.json`. A repository whose result carries the same key is not built again; a killed build
 * resumes synth's own stages.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCodes, SweFlowError, type DatasetRow, type Logger } from '@swe-flow/core';
import { evaluate } from '@swe-flow/eval';
import { synthesize, type RepoJson } from '@swe-flow/pipeline';
import { assertNotShuttingDown, isShuttingDown } from '@swe-flow/runtime';
import { currentGenerator, type Generator } from './generator.js';
import { detectLicense } from './license.js';
import type { RepoEntry } from './keys.js';
import type { ResolvedManifest } from './manifest.js';

export const REPO_RESULT_SCHEMA_VERSION = 1;

export interface RepoResult {
  schemaVersion: typeof REPO_RESULT_SCHEMA_VERSION;
  key: string;
  name: string;
  url: string;
  commit: string | null;
  package: string | null;
  status: 'ok' | 'failed';
  /** The error code and message of a failed repository. */
  code?: string;
  message?: string;
  /** The commit the rows were built from (resolved from `commit` or the default branch). */
  sourceCommit?: string;
  license: string;
  runner?: string;
  packageManager?: string;
  nodeVersion?: string;
  lockfile?: string | null;
  rows: number;
  rejects: number;
  gold?: { total: number; resolved: number; failing: string[] };
  empty?: { total: number; resolved: number; resolving: string[] };
  durationMs: number;
  /** synth's output folder, relative to the release folder. */
  synthDir: string;
  /** The swe-flow that built it (absent in results from before it was recorded). */
  generator?: Generator;
}

async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(value, null, 2)}\n`);
  await rename(tmp, file);
}

export async function writeRepoResult(dir: string, result: RepoResult): Promise<void> {
  await writeJsonAtomic(path.join(dir, 'result.json'), result);
}

export async function readRepoResult(dir: string): Promise<RepoResult | undefined> {
  return readFile(path.join(dir, 'result.json'), 'utf8').then((t) => JSON.parse(t) as RepoResult, () => undefined);
}

export function synthConfigFor(repo: RepoEntry, options: ResolvedManifest['options']): Record<string, unknown> {
  return {
    ...options.synth,
    ...(repo.config ?? {}),
    modes: options.modes,
    reruns: options.reruns,
    runtime: options.runtime,
    name: repo.name,
    ...(repo.commit ? { ref: repo.commit } : {}),
    ...(repo.package ? { package: repo.package } : {}),
    ...(repo.runner ? { runner: repo.runner } : {}),
    statements: { ...((options.synth.statements as object | undefined) ?? {}), writer: options.statements },
  };
}

export interface BuildRepoContext {
  releaseDir: string;
  repoDir: string;
  key: string;
  options: ResolvedManifest['options'];
  logger: Logger;
}

/** Builds one repository; never throws for the repository's own failures (they are its result). */
export async function buildRepo(repo: RepoEntry, ctx: BuildRepoContext): Promise<RepoResult> {
  const t0 = Date.now();
  const synthDir = path.join(ctx.repoDir, 'synth');
  const base = {
    schemaVersion: REPO_RESULT_SCHEMA_VERSION, key: ctx.key, name: repo.name, url: repo.url,
    commit: repo.commit ?? null, package: repo.package ?? null, synthDir: path.relative(ctx.releaseDir, synthDir),
    generator: await currentGenerator(),
  } as const;
  let result: RepoResult;
  try {
    const synth = await synthesize(repo.source, { out: synthDir, resume: true, config: synthConfigFor(repo, ctx.options) as never, logger: ctx.logger });
    const repoJson = JSON.parse(await readFile(path.join(synthDir, 'repo.json'), 'utf8')) as RepoJson;
    const license = repo.license ?? (await detectLicense(path.join(synthDir, '.work', 'repo')));
    result = {
      ...base, status: 'ok', license, rows: synth.rows.length, rejects: synth.rejects.length,
      ...(repoJson.source.commit ? { sourceCommit: repoJson.source.commit } : {}),
      runner: repoJson.runner, packageManager: repoJson.packageManager, nodeVersion: repoJson.nodeVersion, lockfile: repoJson.lockfile,
      durationMs: 0,
    };
    if (synth.rows.length && ctx.options.gold) result.gold = await proofRun(synthDir, 'gold', ctx, synth.rows);
    if (synth.rows.length && ctx.options.empty) {
      const empty = await proofRun(synthDir, 'empty', ctx, synth.rows);
      result.empty = { total: empty.total, resolved: empty.resolved, resolving: empty.resolvedIds };
    }
  } catch (error) {
    // A signal's shutdown is not the repository's result: nothing is recorded, so the next build resumes it.
    if (isShuttingDown() || (error instanceof SweFlowError && error.code === ErrorCodes.INTERRUPTED)) throw error;
    const e = error as Error & { code?: string };
    result = { ...base, status: 'failed', code: e instanceof SweFlowError ? e.code : (e.code ?? 'SWEFLOW_INTERNAL'), message: e.message, license: repo.license ?? 'unknown', rows: 0, rejects: 0, durationMs: 0 };
  }
  result.durationMs = Date.now() - t0;
  assertNotShuttingDown(); // gold or empty runs cut short by a signal are not a result either
  await writeJsonAtomic(path.join(ctx.repoDir, 'result.json'), result);
  return result;
}

async function proofRun(synthDir: string, predictions: 'gold' | 'empty', ctx: BuildRepoContext, rows: readonly DatasetRow[]) {
  const report = await evaluate({ dataset: synthDir, predictions, runtime: ctx.options.runtime, runId: predictions, logger: ctx.logger });
  const resolvedIds = report.instances.filter((i) => i.grade === 'resolved').map((i) => i.instance_id);
  const resolved = new Set(resolvedIds);
  return { total: rows.length, resolved: resolvedIds.length, resolvedIds, failing: rows.map((r) => r.instance_id).filter((id) => !resolved.has(id)) };
}
