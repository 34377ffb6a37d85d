/**
 * Parity of fast verification on fixtures/vitest-ts: the candidates of a real trace → schedule → emit
 * are verified with plain runner processes and with warm vitest sessions (one and two workers, one
 * reused workspace each); the verified and rejected sets and every FAIL_TO_PASS / PASS_TO_PASS list
 * must be identical.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RejectRow, Runtime } from '@swe-flow/core';
import { createLocalRuntime } from '@swe-flow/runtime';
import { getAdapter } from '@swe-flow/tracer';
import { changedFunctionsOf, testFunctionsFromTrace, verifyCandidates, type Candidate, type VerifyResult, type VerifyOptions } from '../src/index.js';
import { fixtureCandidates } from './fixture-candidates.js';

const FIXTURE = fileURLToPath(new URL('../../../fixtures/vitest-ts/', import.meta.url));
const FILES = ['package.json', 'package-lock.json', 'tsconfig.json', 'vitest.config.ts', 'src', 'test'];

let dir: string;
let candidates: Candidate[];
let base: Omit<VerifyOptions, 'warm' | 'workers'>;
let plainSignature: ReturnType<typeof signature> | undefined;
let traceRule: Pick<VerifyOptions, 'testFunctions' | 'changedFunctions' | 'originalPriorRuns'>;

function signature(r: VerifyResult) {
  return {
    verified: r.verified.map((v) => ({ id: v.candidate.instanceId, f2p: v.failToPass, p2p: v.passToPass, dropped: v.droppedFailToPass })),
    rejects: r.rejects.map((x: RejectRow) => ({ id: x.instance_id, reason: x.reason, tests: x.tests ?? [] })),
  };
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'swf-verify-warm-'));
  // The first steps keep the test short; they already include files with several steps each.
  const { src, traced, schedule, candidates: emitted, taskRepo } = await fixtureCandidates(FIXTURE, dir, 'vitest', 8, FILES);
  candidates = emitted;
  traceRule = {
    testFunctions: testFunctionsFromTrace(traced),
    changedFunctions: changedFunctionsOf(schedule, traced.moduleLoadFunctions),
    // The traced run counts as one of the original's two runs: the other is one more tree in a batch.
    originalPriorRuns: { runs: 1, passed: new Set(traced.tests.filter((t) => t.status === 'passed').map((t) => t.id)) },
  };
  base = { runtime: createLocalRuntime(), adapter: getAdapter('vitest'), taskRepo, dependenciesDir: src, reruns: 2 };
}, 300_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('verifyCandidates: warm sessions and reused workspaces', () => {
  it('gives the same verified/rejected sets and FAIL_TO_PASS/PASS_TO_PASS lists as plain runs', async () => {
    expect(candidates.length).toBeGreaterThanOrEqual(8);
    const plain = await verifyCandidates(candidates, { ...base, warm: false, batch: false, workers: 1 });
    const warm = await verifyCandidates(candidates, { ...base, warm: true, batch: false, workers: 1 });
    const warm2 = await verifyCandidates(candidates, { ...base, warm: true, batch: false, workers: 2 });
    // The defaults: many trees in one vitest process, PASS_TO_PASS chosen by the trace, the trace's
    // run of the original counted.
    const batched = await verifyCandidates(candidates, { ...base, ...traceRule, workers: 1 });
    // Two workers split the queued trees between two batches.
    const batched2 = await verifyCandidates(candidates, { ...base, ...traceRule, workers: 2 });

    // The check is meaningful: tasks verify, with FAIL_TO_PASS tests that fail on a stubbed base
    // (a session that served stale modules would see them pass there and reject the tasks).
    expect(plain.verified.length).toBeGreaterThanOrEqual(6);
    expect(plain.verified.every((v) => v.failToPass.length > 0)).toBe(true);
    expect(signature(warm)).toEqual(signature(plain));
    expect(signature(warm2)).toEqual(signature(plain));
    expect(signature(batched)).toEqual(signature(plain));
    expect(signature(batched2)).toEqual(signature(plain));
    expect(batched2.stats.batches).toBeGreaterThanOrEqual(2);
    expect(batched2.stats.batchedTrees).toBe(batched2.stats.testRuns);

    // Plain: one workspace moved between commits, every run a runner process.
    expect(plain.stats.workspacesOpened).toBe(1);
    expect(plain.stats.checkouts).toBeGreaterThan(0);
    expect(plain.stats.sessionRuns).toBe(0);
    expect(plain.stats.plainRuns).toBe(plain.stats.testRuns);
    // Warm: every run answered by the session, none in doubt.
    expect(warm.stats.testRuns).toBe(plain.stats.testRuns);
    expect(warm.stats.sessionRuns).toBe(warm.stats.testRuns);
    expect(warm.stats.plainRuns).toBe(0);
    expect(warm.stats.sessionFailures).toBe(0);
    // Two workers: one workspace and one session each.
    expect(warm2.stats.workspacesOpened).toBe(2);
    expect(warm2.stats.sessionRuns + warm2.stats.plainRuns).toBe(warm2.stats.testRuns);
    // Batched: every tree answered by a batch, none left in doubt; incremental step k's reference and
    // step k+1's base are one tree, run once.
    expect(batched.stats.batches).toBeGreaterThanOrEqual(1);
    expect(batched.stats.batchedTrees).toBe(batched.stats.testRuns);
    expect(batched.stats.plainRuns + batched.stats.sessionRuns).toBe(0);
    expect(batched.stats.sharedRuns).toBeGreaterThan(0);
    expect(batched.stats.treeRuns).toBeLessThan(plain.stats.testRuns);
    // The trace proved some PASS_TO_PASS tests unaffected that the import graph could not.
    expect(batched.stats.passToPassProvenByTrace).toBeGreaterThan(0);
    expect(batched.stats.passToPassProvenByTrace).toBeGreaterThan(plain.stats.passToPassProvenByTrace);
    plainSignature = signature(plain);
  }, 900_000);

  it('runs the trees one by one, with the same verdicts, when the batch process fails', async () => {
    const real = createLocalRuntime();
    const runtime: Runtime = {
      name: 'local',
      open: async (o) => {
        const ws = await real.open(o);
        const exec = ws.exec.bind(ws);
        // The batch script exits at once without a result: every batch fails.
        ws.exec = (spec, opts) => exec(spec.args[0]?.endsWith('vitest-batch.mjs') ? { ...spec, args: ['-e', 'process.exit(4)'] } : spec, opts);
        return ws;
      },
    };
    const some = candidates.slice(0, 4);
    const r = await verifyCandidates(some, { ...base, ...traceRule, runtime, workers: 1 });
    expect(r.stats.batches).toBe(0);
    expect(r.stats.batchedTrees).toBe(0);
    expect(r.stats.sessionRuns + r.stats.plainRuns).toBe(r.stats.testRuns);
    const ids = new Set(some.map((c) => c.instanceId));
    expect(signature(r)).toEqual({
      verified: plainSignature!.verified.filter((v) => ids.has(v.id)),
      rejects: plainSignature!.rejects.filter((x) => ids.has(x.id)),
    });
  }, 600_000);

  it('falls back to plain runs, with the same verdicts, when the session process dies at start', async () => {
    // The real local runtime, but every long-lived process it starts exits at once.
    const real = createLocalRuntime();
    const runtime: Runtime = {
      name: 'local',
      open: async (o) => {
        const ws = await real.open(o);
        const spawn = ws.spawn!.bind(ws);
        ws.spawn = (_spec, handlers) => spawn({ command: 'node', args: ['-e', 'process.exit(3)'] }, handlers);
        return ws;
      },
    };
    const some = candidates.slice(0, 3);
    const r = await verifyCandidates(some, { ...base, runtime, warm: true, batch: false, workers: 1 });
    expect(r.stats.sessionFailures).toBe(1);
    expect(r.stats.sessionRuns).toBe(0);
    expect(r.stats.plainRuns).toBe(r.stats.testRuns);
    const ids = new Set(some.map((c) => c.instanceId));
    expect(signature(r)).toEqual({
      verified: plainSignature!.verified.filter((v) => ids.has(v.id)),
      rejects: plainSignature!.rejects.filter((x) => ids.has(x.id)),
    });
  }, 600_000);
});
