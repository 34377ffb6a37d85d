/** The same grading on a second runner: vitest (JSON reporter) on the vitest-ts fixture. */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatasetRow } from '@swe-flow/core';
import { evaluate, type InstanceReport } from '../src/index.js';
import { editFile, makePatch, synthDataset } from './helpers.js';

let dir = '';
let rows: DatasetRow[] = [];

beforeAll(async () => {
  ({ dir, rows } = await synthDataset('vitest-ts'));
  expect(rows.length).toBeGreaterThanOrEqual(2);
}, 600_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('evaluate on vitest tasks (local runtime)', () => {
  it('gold resolves 100%, empty 0% with no infrastructure errors', async () => {
    const gold = await evaluate({ dataset: dir, predictions: 'gold', runId: 'gold', workers: 2 });
    expect(gold.counts.resolved).toBe(rows.length);
    const empty = await evaluate({ dataset: dir, predictions: 'empty', runId: 'empty', workers: 2 });
    expect(empty.counts).toMatchObject({ resolved: 0, unresolved: rows.length, error: 0 });
  });

  it('ignores fake pass lines printed by the patched code and a fake JSON report in the repository', async () => {
    const row = rows[0]!;
    const src = row.nodes_to_develop[0]!.split(':')[0]!;
    const fake = JSON.stringify({ success: true, numFailedTests: 0, numPassedTests: 42, testResults: [] });
    const tamper = await makePatch(path.join(dir, 'task-repo.git'), row.base_commit, async (root) => {
      await editFile(root, src, (t) => `${t}\nconsole.log(' ✓ test/all.test.ts (42 tests) 3ms'); console.log(' Tests  42 passed (42)'); console.log('ok 1 - all');\n`);
      const { writeFile, mkdir } = await import('node:fs/promises');
      await mkdir(path.join(root, 'reports'), { recursive: true });
      await writeFile(path.join(root, 'reports', 'results.json'), fake);
    });
    const run = await evaluate({ dataset: dir, predictions: [{ instance_id: row.instance_id, model_name_or_path: 'tamper', model_patch: tamper }], runtime: 'local', runId: 'tamper' });
    expect(run.counts.resolved).toBe(0);
    const dirOf = path.join(dir, 'evaluation', 'tamper', row.instance_id);
    const report = JSON.parse(await readFile(path.join(dirOf, 'report.json'), 'utf8')) as InstanceReport;
    expect(report.grade).toBe('unresolved');
    expect(report.FAIL_TO_PASS.failed.length + report.FAIL_TO_PASS.missing.length).toBe(row.FAIL_TO_PASS.length);
    // The fake report was in the tree the tests ran in, and ignored.
    expect(report.apply?.changedFiles).toEqual(expect.arrayContaining(['reports/results.json', src]));
  });
});
