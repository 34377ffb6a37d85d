/**
 * `swe-flow synth` end to end on the fixtures of tape, jasmine, uvu and node-tap: real installs, real
 * runner processes, real verification. Every expectation is derived from the fixture's hand-written
 * expected.json (its passing tests, its known failure, the functions each test reaches), never from
 * a recorded output. The uvu dataset is then graded with the gold and the empty patches.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateRow } from '@swe-flow/emitter';
import type { DatasetRow, RejectRow } from '@swe-flow/core';
import { REPO_ROOT, swf, tmp } from './helpers.js';

interface Expected {
  runner: string;
  tests: Record<string, { targetCore: string[]; coreEdges: string[] }>;
  knownFailing: string[];
}

const readJsonl = async <T>(file: string): Promise<T[]> =>
  (await readFile(file, 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as T);

/** `file:line:col:name` (a row's node id) to expected.json's `file:name`. */
const shortId = (id: string) => id.replace(/:\d+:\d+:/, ':');

/** Every function a test reaches according to expected.json: its targets and both ends of its core edges. */
function reached(e: Expected['tests'][string]): Set<string> {
  return new Set([...e.targetCore, ...e.coreEdges.flatMap((edge) => edge.split(' -> '))]);
}

async function synth(fixture: string): Promise<{ out: string; rows: DatasetRow[]; rejects: RejectRow[]; expected: Expected }> {
  const out = path.join(await tmp(`synth-${fixture}`), 'out');
  const r = await swf(['synth', path.join(REPO_ROOT, 'fixtures', fixture), '--out', out, '--mode', 'isolated', '--skip-image', '--quiet',
    // These fixtures' functions are one to three lines: without the size floor each group stays a step of its own.
    '--min-step-lines', '0'], { timeoutMs: 900_000 });
  expect(r.stderr).not.toContain('internal error');
  expect(r.code, r.stderr).toBe(0);
  const expected = JSON.parse(await readFile(path.join(REPO_ROOT, 'fixtures', fixture, 'expected.json'), 'utf8')) as Expected;
  return { out, rows: await readJsonl<DatasetRow>(path.join(out, 'dataset.jsonl')), rejects: await readJsonl<RejectRow>(path.join(out, 'rejects.jsonl')), expected };
}

describe.each(['tape-cjs', 'jasmine-cjs', 'uvu-esm', 'tap-esm'])('swe-flow synth on fixtures/%s', (fixture) => {
  it('traces every passing test, leaves out the known failure, and verifies or rejects one task per step', async () => {
    const { out, rows, rejects, expected } = await synth(fixture);
    const passing = Object.keys(expected.tests).sort();
    const repo = JSON.parse(await readFile(path.join(out, 'repo.json'), 'utf8')) as { runner: string };
    expect(repo.runner).toBe(expected.runner);

    const traceJson = JSON.parse(await readFile(path.join(out, 'trace.json'), 'utf8')) as { tests: { id: string; status: string }[]; excluded: { id: string }[] };
    expect(traceJson.tests.filter((t) => t.status === 'passed').map((t) => t.id).sort()).toEqual(passing);
    expect(traceJson.excluded.map((e) => e.id)).toEqual(expect.arrayContaining(expected.knownFailing));

    // One candidate per step; each is verified or rejected with a reason.
    const schedule = JSON.parse(await readFile(path.join(out, 'schedule.json'), 'utf8')) as { steps: { nodesToDevelop: string[] }[] };
    expect(rows.length + rejects.length).toBe(schedule.steps.length);
    expect(rows.length).toBeGreaterThanOrEqual(3);
    for (const reject of rejects) expect(reject.reason).toMatch(/^[a-z0-9-]+$/);

    // A passing test is the FAIL_TO_PASS of at most one step; one that is of none reaches only
    // functions that steps develop (its group added nothing new).
    const f2p = [...rows.flatMap((r) => r.FAIL_TO_PASS), ...rejects.flatMap((r) => r.tests ?? [])];
    expect(new Set(f2p).size).toBe(f2p.length);
    for (const id of f2p) expect(passing).toContain(id);
    const developed = new Set(schedule.steps.flatMap((s) => s.nodesToDevelop.map(shortId)));
    for (const id of passing.filter((p) => !f2p.includes(p))) {
      for (const fn of reached(expected.tests[id]!)) expect(developed, `${id}: ${fn}`).toContain(fn);
    }

    for (const row of rows) {
      validateRow(row);
      expect(row.runner).toBe(expected.runner);
      // What a task develops is reached by its FAIL_TO_PASS tests, and its PASS_TO_PASS pass on the original.
      const reach = new Set(row.FAIL_TO_PASS.flatMap((id) => [...reached(expected.tests[id]!)]));
      for (const node of row.nodes_to_develop) expect(reach, `${row.instance_id}: ${node}`).toContain(shortId(node));
      for (const id of row.PASS_TO_PASS) expect(passing).toContain(id);
    }
    if (fixture !== 'uvu-esm') return;

    // Gold patches resolve every task, empty patches none (graded in fresh local checkouts).
    const gold = await swf(['eval', '--dataset', out, '--predictions', 'gold', '--run-id', 'gold', '--json', '--quiet'], { timeoutMs: 900_000 });
    expect(gold.code, gold.stderr).toBe(0);
    const goldReport = JSON.parse(await readFile(path.join(out, 'evaluation', 'gold', 'report.json'), 'utf8')) as { counts: Record<string, number> };
    expect(goldReport.counts.resolved).toBe(rows.length);
    const empty = await swf(['eval', '--dataset', out, '--predictions', 'empty', '--run-id', 'empty', '--json', '--quiet'], { timeoutMs: 900_000 });
    const emptyReport = JSON.parse(await readFile(path.join(out, 'evaluation', 'empty', 'report.json'), 'utf8')) as { counts: Record<string, number> };
    expect(empty.stderr).not.toContain('internal error');
    expect(emptyReport.counts).toMatchObject({ resolved: 0, unresolved: rows.length, error: 0 });
  }, 1_200_000);
});
