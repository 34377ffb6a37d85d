/**
 * The dependency-copies step of synthesize() (between emit and the image): a copy of a task's solution
 * bundled in another installed package (prettier's bundle, consola's dist) makes that task's solution
 * reachable for an agent. With the `stub` policy the files that hold one are stubbed in the prepared
 * copy (which every local workspace links) and, through `dependency-copies.json`, in the env image —
 * but only when the whole suite passes as before without them: the tests do not need them. When it does
 * not, each package's files are tried alone (a copy inside the runner's own bundle is needed, a published
 * copy of the repository beside it often is not), and those the suite passes without are stubbed. Copies
 * the tests need (or all, with `reject`) stay and the audit rejects the tasks they reveal (`solution-reachable`).
 * Verification then runs in the environment the tasks ship with.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import type { Logger, TestCommandAdapter } from '@swe-flow/core';
import type { Candidate } from '@swe-flow/emitter';
import { findDependencyCopies, type DependencyCopy } from '@swe-flow/eval';
import { COLLECT_DEPS_SCRIPT, DEPENDENCY_COPIES_FILE, createLocalRuntime, pathExists, writeFileAtomic } from '@swe-flow/runtime';
import { runTests } from '@swe-flow/tracer';

export interface DependencyCopiesInput {
  out: string;
  workDir: string;
  taskRepoDir: string;
  candidates: readonly Candidate[];
  policy: 'stub' | 'reject';
  minTokens: number;
  adapter: TestCommandAdapter;
  /** Environment of every command run in the repository (its Node first on PATH). */
  env: Record<string, string>;
  /** The tests that passed in the traced runs of the original: they must pass without the copies too. */
  passingTests: readonly string[];
  timeoutMs: number;
  logger: Logger;
}

export interface DependencyCopiesRecord {
  schemaVersion: 1;
  policy: 'stub' | 'reject';
  /** Files holding a copy of some candidate's reference body (relative to the prepared copy). */
  found: DependencyCopy[];
  /** Files replaced by a stub in the prepared copy and in the env image. */
  stubbed: string[];
  /** The suite run without the copies: tests that passed before and did not then (the copies were kept). */
  suite?: SuiteWithout;
  /** When the suite needs some of them: each package's files tried alone, and whether they were stubbed. */
  packages?: Array<{ package: string; files: string[]; stubbed: boolean; notPassing: number; error?: string }>;
  durationMs: number;
}

type SuiteWithout = { tests: number; notPassing: string[]; durationMs: number; error?: string };

/** At most this many packages are tried one by one (one suite run each) after the run without all fails. */
const MAX_PACKAGE_TRIES = 4;

/** The installed package a file belongs to (`node_modules/.pnpm/ufo@1.6.2/node_modules/ufo`). */
export function packageOfCopy(file: string): string {
  const parts = file.split('/');
  const at = parts.lastIndexOf('node_modules');
  if (at < 0) return path.posix.dirname(file);
  const scoped = parts[at + 1]?.startsWith('@');
  return parts.slice(0, at + (scoped ? 3 : 2)).join('/');
}

const backupDir = (out: string) => path.join(out, '.swe-flow', 'dependency-copies');

/**
 * The audit scanner's cache of the prepared copy's dependency folders: written by this step's scan, read
 * by the audit's after verification, so the dependencies are read once per run (and again only where a
 * file changed: a stubbed copy, what the test runs wrote).
 */
export const dependencyScanCacheOf = (out: string): string => path.join(out, '.swe-flow', 'dependency-scan.json');

/** `out`'s dependency-copies.json, or undefined when the step has not written one there. */
export async function readDependencyCopies(out: string): Promise<DependencyCopiesRecord | undefined> {
  const text = await readFile(path.join(out, DEPENDENCY_COPIES_FILE), 'utf8').catch(() => undefined);
  return text === undefined ? undefined : (JSON.parse(text) as DependencyCopiesRecord);
}

async function stubInPlace(workDir: string, files: readonly string[]): Promise<void> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'swe-flow-stubs-'));
  try {
    const list = path.join(tmp, 'stubs.json');
    await writeFile(list, JSON.stringify(files));
    await execa('node', [COLLECT_DEPS_SCRIPT, '--stub', workDir, list]);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

async function backUp(out: string, workDir: string, files: readonly string[]): Promise<void> {
  for (const f of files) {
    const to = path.join(backupDir(out), f);
    if (await pathExists(to)) continue;
    await mkdir(path.dirname(to), { recursive: true });
    await copyFile(path.join(workDir, f), to);
  }
}

async function restore(out: string, workDir: string, files: readonly string[]): Promise<void> {
  for (const f of files) {
    const from = path.join(backupDir(out), f);
    if (!(await pathExists(from))) continue;
    await rm(path.join(workDir, f), { force: true });
    await copyFile(from, path.join(workDir, f));
  }
}

/** The whole suite in a local workspace of the original commit with the prepared copy's (stubbed) dependencies. */
async function suiteWithout(input: DependencyCopiesInput, originalCommit: string): Promise<SuiteWithout> {
  const started = Date.now();
  const ws = await createLocalRuntime({ env: input.env }).open({ taskRepo: input.taskRepoDir, commit: originalCommit, dependenciesDir: input.workDir, label: 'dependency-copies' });
  try {
    const outcome = await runTests(ws, input.adapter, { files: [], testIds: [...input.passingTests] }, input.timeoutMs);
    const passed = new Set(outcome.results.filter((r) => r.status === 'passed').map((r) => r.id));
    return { tests: input.passingTests.length, notPassing: input.passingTests.filter((t) => !passed.has(t)), durationMs: Date.now() - started };
  } catch (error) {
    return { tests: input.passingTests.length, notPassing: [...input.passingTests], durationMs: Date.now() - started, error: (error as Error).message.split('\n')[0] ?? '' };
  } finally {
    await ws.dispose();
  }
}

export async function handleDependencyCopies(input: DependencyCopiesInput): Promise<DependencyCopiesRecord> {
  const started = Date.now();
  const previous = await readDependencyCopies(input.out);
  // A resumed run finds the prepared copy as the last run left it: files stubbed then stay stubbed.
  const already = (previous?.stubbed ?? []).filter((f) => typeof f === 'string');
  const write = async (record: Omit<DependencyCopiesRecord, 'schemaVersion' | 'durationMs'>) => {
    const full: DependencyCopiesRecord = { schemaVersion: 1, ...record, durationMs: Date.now() - started };
    await writeFileAtomic(path.join(input.out, DEPENDENCY_COPIES_FILE), `${JSON.stringify(full, null, 2)}\n`);
    return full;
  };
  if (input.policy === 'reject') {
    await restore(input.out, input.workDir, already);
    return write({ policy: 'reject', found: [], stubbed: [] });
  }
  const scan = await findDependencyCopies({
    taskRepo: input.taskRepoDir, dependenciesDir: input.workDir, minTokens: input.minTokens, scanCacheFile: dependencyScanCacheOf(input.out),
    tasks: input.candidates.map((c) => ({ patch: c.patch, base_commit: c.baseCommit, reference_commit: c.referenceCommit })),
  });
  const fresh = scan.copies.map((c) => c.path).filter((f) => !already.includes(f));
  const found = [...(previous?.found ?? []).filter((c) => already.includes(c.path)), ...scan.copies.filter((c) => fresh.includes(c.path))];
  if (fresh.length === 0 || input.candidates.length === 0) return write({ policy: 'stub', found, stubbed: already });
  input.logger.info(`dependency copies: ${fresh.length} file(s) of other packages hold a copy of a candidate's solution (${fresh.slice(0, 3).join(', ')}${fresh.length > 3 ? ', ...' : ''}); stubbing them and running the suite without them`);
  await backUp(input.out, input.workDir, fresh);
  await stubInPlace(input.workDir, fresh);
  const suite = await suiteWithout(input, input.candidates[0]!.originalCommit);
  if (suite.notPassing.length > 0) {
    await restore(input.out, input.workDir, fresh);
    input.logger.warn(`dependency copies: the suite needs some of them: without them ${suite.notPassing.length} of ${suite.tests} passing tests did not pass${suite.error ? ` (${suite.error})` : ''}, e.g. ${suite.notPassing.slice(0, 3).join('; ')}`);
    const packages = await tryPackagesAlone(input, fresh);
    const stubbed = packages.filter((p) => p.stubbed).flatMap((p) => p.files);
    const kept = fresh.filter((f) => !stubbed.includes(f));
    if (kept.length > 0) input.logger.warn(`dependency copies: kept ${kept.length} file(s) the suite needs or that were not tried (the audit rejects the tasks they reveal): ${kept.slice(0, 3).join(', ')}${kept.length > 3 ? ', ...' : ''}`);
    return write({ policy: 'stub', found, stubbed: [...already, ...stubbed].sort(), suite, packages });
  }
  input.logger.info(`dependency copies: stubbed ${fresh.length} file(s); the suite passes without them (${suite.tests} tests, ${(suite.durationMs / 1000).toFixed(1)} s)`);
  return write({ policy: 'stub', found, stubbed: [...already, ...fresh].sort(), suite });
}

/** Each package's copies stubbed alone (the first few packages, by number of files): kept stubbed when the suite passes without them. */
async function tryPackagesAlone(input: DependencyCopiesInput, files: readonly string[]): Promise<NonNullable<DependencyCopiesRecord['packages']>> {
  const byPackage = new Map<string, string[]>();
  for (const f of files) byPackage.set(packageOfCopy(f), [...(byPackage.get(packageOfCopy(f)) ?? []), f]);
  // One package alone is the whole set again: nothing new to learn.
  if (byPackage.size < 2) return [];
  const order = [...byPackage].sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0])).slice(0, MAX_PACKAGE_TRIES);
  const tried: NonNullable<DependencyCopiesRecord['packages']> = [];
  for (const [pkg, pkgFiles] of order) {
    await stubInPlace(input.workDir, pkgFiles);
    const suite = await suiteWithout(input, input.candidates[0]!.originalCommit);
    const ok = suite.notPassing.length === 0;
    if (!ok) await restore(input.out, input.workDir, pkgFiles);
    input.logger.info(`dependency copies: ${pkg}: ${ok ? `stubbed ${pkgFiles.length} file(s); the suite passes without them` : `kept; without it ${suite.notPassing.length} of ${suite.tests} passing tests did not pass`}`);
    tried.push({ package: pkg, files: pkgFiles, stubbed: ok, notPassing: suite.notPassing.length, ...(suite.error ? { error: suite.error } : {}) });
  }
  return tried;
}
