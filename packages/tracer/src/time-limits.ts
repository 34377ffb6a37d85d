/**
 * Per-test time limits of plain runs (`PlainRunContext.testTimeoutMs`): which runners have one, and
 * whether it bounds each test or each test file. Verification gives base runs a limit derived from the
 * traced durations, so a stub that makes a test wait (a callback never called) costs about a second,
 * not the runner's default; references keep the repository's own limits.
 */
import type { Workspace } from '@swe-flow/core';

/** `test`: the limit bounds each test; `file`: each test file as a whole (node:test on Node 20). */
export type TestTimeLimitScope = 'test' | 'file';

/**
 * Runners whose plain command takes a per-test limit, whatever their version. Not ava: its `--timeout`
 * is the whole run's inactivity (no result for that long aborts every file still running), so a short
 * one cut whole base batches while their workers were still starting (sindresorhus/camelcase under load).
 */
const PER_TEST: readonly string[] = ['vitest', 'mocha'];

async function installedVersion(workspace: Workspace, pkg: string): Promise<[number, number] | undefined> {
  const text = await workspace.readFile(`node_modules/${pkg}/package.json`).catch(() => undefined);
  if (!text) return undefined;
  const m = /^(\d+)\.(\d+)/.exec((JSON.parse(text) as { version?: string }).version ?? '');
  return m ? [Number(m[1]), Number(m[2])] : undefined;
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
    return v && (v[0] > 24 || (v[0] === 24 && v[1] >= 9)) ? 'test' : undefined;
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
