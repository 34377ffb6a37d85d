/**
 * Tree batches for runners without a vitest project per tree: node:test and ava get every tree's files
 * in one plain run (each file still in a process or worker of its own), mocha in one shared process
 * (failures taken from the batch only when they carry the stub's error). On each fixture, the candidates
 * of a real trace → schedule → emit must get the same verdicts and FAIL_TO_PASS / PASS_TO_PASS lists as
 * tree-by-tree verification, with the trees answered by batches.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { RejectRow, RunnerName } from '@swe-flow/core';
import { createLocalRuntime } from '@swe-flow/runtime';
import { getAdapter } from '@swe-flow/tracer';
import { changedFunctionsOf, testFunctionsFromTrace, verifyCandidates, type VerifyResult } from '../src/index.js';
import { fixtureCandidates } from './fixture-candidates.js';

const FIXTURES = fileURLToPath(new URL('../../../fixtures/', import.meta.url));
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function signature(r: VerifyResult) {
  return {
    verified: r.verified.map((v) => ({ id: v.candidate.instanceId, f2p: v.failToPass, p2p: v.passToPass, dropped: v.droppedFailToPass })),
    rejects: r.rejects.map((x: RejectRow) => ({ id: x.instance_id, reason: x.reason, tests: x.tests ?? [] })),
  };
}

describe.each([
  ['node-test-esm', 'node-test'],
  ['mocha-cjs', 'mocha'],
  ['ava-esm', 'ava'],
] as [string, RunnerName][])('tree batches on fixtures/%s', (fixture, runner) => {
  it('give the verdicts of tree-by-tree runs, in batches', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), `swf-verify-batch-${fixture}-`));
    dirs.push(dir);
    const { src, traced, schedule, candidates, taskRepo } = await fixtureCandidates(path.join(FIXTURES, fixture), dir, runner, 6);
    const base = {
      runtime: createLocalRuntime(), adapter: getAdapter(runner), taskRepo, dependenciesDir: src, reruns: 2,
      testFunctions: testFunctionsFromTrace(traced), changedFunctions: changedFunctionsOf(schedule, traced.moduleLoadFunctions),
      stubMarker: 'Not implemented: ', workers: 1,
    };
    const oneByOne = await verifyCandidates(candidates, { ...base, batch: false });
    const batched = await verifyCandidates(candidates, { ...base, batch: true });

    expect(oneByOne.verified.length).toBeGreaterThanOrEqual(4);
    expect(signature(batched)).toEqual(signature(oneByOne));
    expect(oneByOne.stats.batches).toBe(0);
    expect(batched.stats.batches).toBeGreaterThanOrEqual(1);
    // Most trees answered by the batch (mocha may send a tree with a non-stub failure to a run of its own).
    expect(batched.stats.batchedTrees).toBeGreaterThan(batched.stats.treeRuns / 2);
  }, 600_000);
});
