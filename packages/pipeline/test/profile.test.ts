/**
 * Where a run's time goes: `profile: true` (`--profile`) writes profile.json with wall time, CPU time
 * (child processes included) and the idle share per stage and per verification batch; summary.json
 * always carries the batches and the slowest trees, and base batches carry their per-test limit.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { synthesize } from '../src/index.js';
import type { Profile } from '../src/profile.js';
import type { Summary } from '../src/summary.js';

const fixture = fileURLToPath(new URL('../../../fixtures/node-test-esm', import.meta.url));
let dir: string | undefined;
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

it('--profile writes wall, CPU and idle time per stage and per batch; the summary lists batches and the slowest trees', async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'swf-profile-'));
  const out = path.join(dir, 'out');
  const result = await synthesize(fixture, { out, config: { maxSteps: 4, skipImage: true, profile: true } });
  expect(result.rows.length).toBeGreaterThan(0);
  const profile = JSON.parse(await readFile(path.join(out, 'profile.json'), 'utf8')) as Profile;
  const summary = JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8')) as Summary;

  const stage = (name: string) => profile.stages.find((s) => s.stage === name)!;
  for (const name of ['prepare', 'trace', 'emit', 'verify']) {
    expect(stage(name).ms).toBeGreaterThan(0);
    expect(stage(name).idleShare).toBeGreaterThanOrEqual(0);
    expect(stage(name).idleShare).toBeLessThanOrEqual(1);
  }
  // The trace stage's CPU is mostly its runner processes' (node --test and one process per file).
  expect(stage('trace').cpuMs).toBeGreaterThan(100);
  expect(stage('verify').cpuMs).toBeGreaterThan(100);
  // The steps outside the cached stages are accounted for too: the dependency scan before verification
  // and the environments stage (eval.sh and the audit).
  expect(stage('dependency-copies').cpuMs).toBeGreaterThan(0);
  expect(stage('environments').cpuMs).toBeGreaterThan(0);
  expect(profile.machine.cores).toBeGreaterThanOrEqual(1);

  // node:test batches every tree's files in one run; base batches limit each file from the traced times.
  expect(profile.batches.length).toBeGreaterThanOrEqual(1);
  for (const b of profile.batches) {
    expect(b.runner).toBe('node-test');
    expect(b.trees).toBeGreaterThan(0);
    expect(b.wallMs).toBeGreaterThan(0);
    expect(b.settled + b.doubt).toBe(b.trees);
  }
  expect(profile.batches.some((b) => (b.testTimeoutMs ?? 0) >= 5000)).toBe(true);
  expect(summary.verification.baseRunsTimeLimited).toBeGreaterThan(0);
  expect(summary.verification.batchTimes).toEqual(profile.batches);
  expect(summary.verification.slowestTrees?.length).toBeGreaterThan(0);
  const md = await readFile(path.join(out, 'summary.md'), 'utf8');
  expect(md).toMatch(/\| batch \| runner \| trees \| test files \| per-test limit \|/);
  expect(md).toMatch(/Slowest trees: /);
  expect(md).toMatch(/\| stage \| time \| CPU \(children included\) \| idle \|/);
}, 300_000);
