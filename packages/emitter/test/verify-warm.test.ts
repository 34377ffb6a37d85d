/**
 * Parity of fast verification on fixtures/vitest-ts: the candidates of a real trace → schedule → emit
 * are verified with plain runner processes and with warm vitest sessions (one and two workers, one
 * reused workspace each); the verified and rejected sets and every FAIL_TO_PASS / PASS_TO_PASS list
 * must be identical.
 */
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { detectProject, installDependencies } from '@swe-flow/workspace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RejectRow, Runtime } from '@swe-flow/core';
import { createLocalRuntime } from '@swe-flow/runtime';
import { buildRdg, buildSchedule } from '@swe-flow/scheduler';
import { getAdapter, trace } from '@swe-flow/tracer';
import { emitCandidates, verifyCandidates, type Candidate, type VerifyResult, type VerifyOptions } from '../src/index.js';

const FIXTURE = fileURLToPath(new URL('../../../fixtures/vitest-ts/', import.meta.url));
const FILES = ['package.json', 'package-lock.json', 'tsconfig.json', 'vitest.config.ts', 'src', 'test'];

let dir: string;
let candidates: Candidate[];
let base: Omit<VerifyOptions, 'warm' | 'workers'>;
let plainSignature: ReturnType<typeof signature> | undefined;

function signature(r: VerifyResult) {
  return {
    verified: r.verified.map((v) => ({ id: v.candidate.instanceId, f2p: v.failToPass, p2p: v.passToPass, dropped: v.droppedFailToPass })),
    rejects: r.rejects.map((x: RejectRow) => ({ id: x.instance_id, reason: x.reason, tests: x.tests ?? [] })),
  };
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'swf-verify-warm-'));
  const src = path.join(dir, 'repo');
  for (const f of FILES) await cp(path.join(FIXTURE, f), path.join(src, f), { recursive: true });
  // Fixtures carry no node_modules in a fresh clone: install them with the product's own installer.
  await installDependencies(src, await detectProject(src));
  const traced = await trace({ root: src, runner: 'vitest', skipUntraced: true });
  const schedule = buildSchedule(buildRdg(traced), { frozen: traced.moduleLoadFunctions });
  // The first steps keep the test short; they already include files with several steps each.
  schedule.steps = schedule.steps.slice(0, 8);
  const files = (await readdir(src, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile() && !path.join(e.parentPath, e.name).includes(`${path.sep}node_modules${path.sep}`))
    .map((e) => path.relative(src, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .filter((f) => !f.startsWith('.'))
    .sort();
  const emitted = await emitCandidates({
    repoName: 'local/vitest-ts', sourceRoot: src, files, trace: traced, schedule,
    modes: ['isolated', 'incremental'], taskRepoDir: path.join(dir, 'task-repo.git'),
  });
  await emitted.taskRepo.dispose();
  candidates = emitted.candidates;
  base = { runtime: createLocalRuntime(), adapter: getAdapter('vitest'), taskRepo: path.join(dir, 'task-repo.git'), dependenciesDir: src, reruns: 2 };
}, 300_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('verifyCandidates: warm sessions and reused workspaces', () => {
  it('gives the same verified/rejected sets and FAIL_TO_PASS/PASS_TO_PASS lists as plain runs', async () => {
    expect(candidates.length).toBeGreaterThanOrEqual(8);
    const plain = await verifyCandidates(candidates, { ...base, warm: false, workers: 1 });
    const warm = await verifyCandidates(candidates, { ...base, warm: true, workers: 1 });
    const warm2 = await verifyCandidates(candidates, { ...base, warm: true, workers: 2 });

    // The check is meaningful: tasks verify, with FAIL_TO_PASS tests that fail on a stubbed base
    // (a session that served stale modules would see them pass there and reject the tasks).
    expect(plain.verified.length).toBeGreaterThanOrEqual(6);
    expect(plain.verified.every((v) => v.failToPass.length > 0)).toBe(true);
    expect(signature(warm)).toEqual(signature(plain));
    expect(signature(warm2)).toEqual(signature(plain));

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
    plainSignature = signature(plain);
  }, 900_000);

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
    const r = await verifyCandidates(some, { ...base, runtime, warm: true, workers: 1 });
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
