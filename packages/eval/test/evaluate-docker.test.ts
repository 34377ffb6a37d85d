/**
 * The docker runtime on the real engine: the environment image is built from the dataset directory
 * when the rows name none, every prediction runs in a fresh container, and no container is left.
 * Skips (with the reason) only when no engine answers and SWEFLOW_REQUIRE_DOCKER is unset.
 */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatasetRow } from '@swe-flow/core';
import { checkDocker, getDocker } from '@swe-flow/runtime';
import { evaluate, EVAL_RUN_LABEL, type InstanceReport } from '../src/index.js';
import { synthDataset } from './helpers.js';

const check = await checkDocker();
if (!check.ok && process.env['SWEFLOW_REQUIRE_DOCKER'] === '1') throw new Error(`SWEFLOW_REQUIRE_DOCKER=1 but no Docker engine: ${check.message ?? ''}`);
if (!check.ok) console.warn(`skipping docker evaluation tests: no Docker engine (${check.message ?? 'unreachable'}); set SWEFLOW_REQUIRE_DOCKER=1 to fail instead`);

/** Containers of one run, by the label evaluate() puts on them (others' tests run beside us). */
const runContainers = async (runId: string) =>
  (await getDocker().listContainers({ all: true, filters: { label: ['swe-flow=1', `${EVAL_RUN_LABEL}=${runId}`] } })).length;

describe.skipIf(!check.ok)('evaluate in docker', () => {
  let dir = '';
  let rows: DatasetRow[] = [];
  beforeAll(async () => {
    ({ dir, rows } = await synthDataset('node-test-esm'));
  }, 600_000);
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('resolves 100% of gold predictions in fresh containers and leaves none behind', async () => {
    expect(rows.every((r) => r.image === '')).toBe(true);
    expect(await runContainers('gold-docker')).toBe(0);
    // While the run is under way its containers exist and carry the run's label (so counting works)...
    let peak = 0;
    const poll = setInterval(() => void runContainers('gold-docker').then((n) => (peak = Math.max(peak, n))), 150);
    const run = await evaluate({ dataset: dir, predictions: 'gold', runtime: 'docker', workers: 2, runId: 'gold-docker' }).finally(() => clearInterval(poll));
    expect(peak).toBeGreaterThanOrEqual(1);
    // ...and afterwards none is left.
    expect(await runContainers('gold-docker')).toBe(0);
    expect(run.image).toMatch(/^swe-flow\/env-/);
    expect(run.counts.resolved).toBe(rows.length);
    expect(run.counts.error).toBe(0);
    const report = JSON.parse(await readFile(path.join(dir, 'evaluation', 'gold-docker', rows[0]!.instance_id, 'report.json'), 'utf8')) as InstanceReport;
    expect(report).toMatchObject({ runtime: 'docker', grade: 'resolved', image: run.image });
  });

  it('grades empty predictions unresolved in docker, with no infrastructure errors', async () => {
    const run = await evaluate({ dataset: dir, predictions: 'empty', runtime: 'docker', runId: 'empty-docker', instances: [rows[0]!.instance_id] });
    expect(await runContainers('empty-docker')).toBe(0);
    expect(run.counts).toMatchObject({ unresolved: 1, resolved: 0, error: 0 });
  });
});
