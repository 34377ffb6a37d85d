/**
 * Per-test time limits of plain runs (`PlainRunContext.testTimeoutMs`): which runners have one, and
 * whether it bounds each test or each test file. Verification gives base runs a limit derived from the
 * traced durations, so a stub that makes a test wait (a callback never called) costs about a second,
 * not the runner's default; references keep the repository's own limits.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Workspace } from '@swe-flow/core';

/** `test`: the limit bounds each test; `file`: each test file as a whole (node:test on Node 20). */
export type TestTimeLimitScope = 'test' | 'file';

/**
 * Runners whose plain command takes a per-test limit, whatever their version. Not ava: its `--timeout`
 * is the whole run's inactivity (no result for that long aborts every file still running), so a short
 * one cut whole base batches while their workers were still starting (sindresorhus/camelcase under load).
 */
const PER_TEST: readonly string[] = ['vitest', 'mocha'];

/** The major and minor of the `version` in a package.json's text. */
function majorMinor(packageJsonText: string): [number, number] | undefined {
  const m = /^(\d+)\.(\d+)/.exec((JSON.parse(packageJsonText) as { version?: string }).version ?? '');
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** Whether a jest of this version (jest's own, else jest-cli's) has `--testTimeout` on its CLI: 24.9 and later. */
function jestTakesTestTimeout(v: [number, number] | undefined): boolean {
  return !!v && (v[0] > 24 || (v[0] === 24 && v[1] >= 9));
}

async function installedVersion(workspace: Workspace, pkg: string): Promise<[number, number] | undefined> {
  const text = await workspace.readFile(`node_modules/${pkg}/package.json`).catch(() => undefined);
  return text ? majorMinor(text) : undefined;
}

/**
 * How a plain run of `runner` in this workspace can limit its tests; undefined when it cannot (tape,
 * uvu, jasmine, node-tap, ava whose limit is the run's inactivity, jest before 24.9 whose CLI refuses
 * `--testTimeout`).
 */
export async function testTimeLimitScope(runner: string, workspace: Workspace): Promise<TestTimeLimitScope | undefined> {
  if (PER_TEST.includes(runner)) return 'test';
  if (runner === 'node-test') return 'file';
  if (runner === 'jest') {
    const v = (await installedVersion(workspace, 'jest')) ?? (await installedVersion(workspace, 'jest-cli'));
    return jestTakesTestTimeout(v) ? 'test' : undefined;
  }
  return undefined;
}

export interface BaseTimeLimit {
  /** The limit is this many times the traced duration (of the slowest test, or test file's tests). */
  factor: number;
  /** The least limit of one test; a file-scoped limit is at least five times it. */
  floorMs: number;
}

/** A file-scoped limit also pays the file's process start and module load: five floors at least. */
const FILE_FLOOR_FACTOR = 5;

/**
 * The per-test limit of a base run of `testIds` from their traced durations: `factor` times the slowest
 * test (with scope `file`, the slowest file's tests summed), at least `floorMs`. Undefined (the
 * repository's own limits) when a test has no traced duration or the factor is 0.
 */
export function baseTestTimeout(testIds: Iterable<string>, durations: ReadonlyMap<string, number>, scope: TestTimeLimitScope, limit: BaseTimeLimit, fileOf: (id: string) => string): number | undefined {
  if (!(limit.factor > 0)) return undefined;
  const perFile = new Map<string, number>();
  let slowest = 0;
  for (const id of testIds) {
    const ms = durations.get(id);
    if (ms === undefined) return undefined;
    slowest = Math.max(slowest, ms);
    const f = fileOf(id);
    perFile.set(f, (perFile.get(f) ?? 0) + ms);
  }
  if (scope === 'test') return Math.ceil(Math.max(limit.floorMs, limit.factor * slowest));
  const slowestFile = Math.max(0, ...perFile.values());
  return Math.ceil(Math.max(FILE_FLOOR_FACTOR * limit.floorMs, limit.factor * slowestFile));
}

/** The major and minor of `pkg` as the checkout at `root` resolves it (hoisted copies included). */
async function resolvedVersion(root: string, pkg: string): Promise<[number, number] | undefined> {
  try {
    const file = createRequire(path.join(root, 'package.json')).resolve(`${pkg}/package.json`);
    return majorMinor(await readFile(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Whether the trace runs of `runner` in the checkout at `root` take the per-test limit of
 * `--trace-test-timeout`: vitest, mocha and ava (its inactivity limit) always; jest from 24.9, whose
 * CLI has `--testTimeout`. node:test has its per-file limit (`--test-file-timeout`); tape, tap, uvu
 * and jasmine have no per-test option swe-flow sets.
 */
export async function traceTimeLimitApplies(runner: string, root: string): Promise<boolean> {
  if (['vitest', 'mocha', 'ava'].includes(runner)) return true;
  if (runner !== 'jest') return false;
  return jestTakesTestTimeout((await resolvedVersion(root, 'jest')) ?? (await resolvedVersion(root, 'jest-cli')));
}

/**
 * Runners whose limit cuts the whole run, not one test: ava's `--timeout` is the run's inactivity, so
 * when it fires every test still running is reported cut and the files not yet started are not run.
 * trace() then runs the suite again without the cut tests (`RUN_LIMIT_RERUNS` times at most).
 */
export const RUN_SCOPED_LIMIT: readonly string[] = ['ava'];

export const RUN_LIMIT_RERUNS = 3;
