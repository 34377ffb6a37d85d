import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import type { DatasetRow } from '@swe-flow/core';
import { evaluate } from '@swe-flow/eval';
import { bootstrapBaseImage, checkDocker, writeTestbedRepo } from '@swe-flow/runtime';
import { synthesize } from '../src/index.js';

/**
 * `tasks/<id>/eval.sh` for every runner family beyond vitest and jest (those are graded in their
 * instance images by task-environments.test.ts): a local synth of each runner's fixture (at most two
 * steps), then the script is run with plain `docker run` in the offline base image (Node, git), with
 * /testbed = the task's one-commit base repository plus the dependencies the synth installed, as an
 * instance image holds them: no swe-flow code in the loop. On base it must fail, with the reference
 * patch pass, and agree with `swe-flow eval` (gold resolves, empty does not).
 */
const FIXTURES = fileURLToPath(new URL('../../../fixtures/', import.meta.url));
const RUNNERS: [fixture: string, runner: string][] = [
  ['mocha-cjs', 'mocha'], ['node-test-esm', 'node-test'], ['ava-esm', 'ava'], ['tape-cjs', 'tape'],
  ['tap-esm', 'tap'], ['uvu-esm', 'uvu'], ['jasmine-cjs', 'jasmine'],
];
/**
 * By default one fixture per result format eval.sh reads: mocha's reporter, node:test's reporter, ava's
 * TAP and the hooks' JSON lines (tape, uvu and jasmine write the same; uvu stands for them). node-tap's
 * TAP 14 is held against the adapter's parser in the emitter's eval-results test; its Docker case here
 * (`SWEFLOW_EVAL_SH_RUNNERS=tap`, or `all`) passes but is slow: 395 s at load ≈ 17 (BENCHMARKS.md), almost
 * all of it the local synth and the two local evals of node-tap (a process per test file), not eval.sh.
 */
const DEFAULT_RUNNERS = ['mocha', 'node-test', 'ava', 'uvu'];

const docker = await checkDocker();
if (!docker.ok && process.env['SWEFLOW_REQUIRE_DOCKER'] === '1') throw new Error(`SWEFLOW_REQUIRE_DOCKER=1 but ${docker.message}`);
const chosen = process.env['SWEFLOW_EVAL_SH_RUNNERS'];
const only = chosen === 'all' ? RUNNERS.map(([, r]) => r) : chosen ? chosen.split(',') : DEFAULT_RUNNERS;
const cases = RUNNERS.filter(([, r]) => only.includes(r));

interface Run { exitCode: number; lines: string[]; output: string }

async function evalSh(image: string, testbed: string, task: string, patch?: string): Promise<Run> {
  const r = await execa('docker', [
    'run', '--rm', '--network', 'none', '--label', 'swe-flow=1', '--label', 'swe-flow.kind=workspace',
    '-v', `${testbed}:/testbed`, '-v', `${task}:/task:ro`, image, 'sh', '/task/eval.sh', ...(patch ? [patch] : []),
  ], { reject: false });
  return { exitCode: r.exitCode ?? -1, lines: String(r.stdout).trim().split('\n'), output: `${String(r.stdout)}\n${String(r.stderr)}` };
}

/** /testbed as an instance image holds it: the base commit alone, and the installed dependencies. */
async function testbedOf(out: string, row: DatasetRow, dir: string): Promise<string> {
  await writeTestbedRepo(path.join(out, 'task-repo.git'), row.base_commit, dir);
  await cp(path.join(out, '.work', 'repo', 'node_modules'), path.join(dir, 'node_modules'), { recursive: true, verbatimSymlinks: true }).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'ENOENT') throw e; // node-test-esm has no dependencies
  });
  return dir;
}

describe.skipIf(!docker.ok)('eval.sh with plain docker run, every runner family', () => {
  const roots: string[] = [];
  afterAll(async () => {
    for (const r of roots) await rm(r, { recursive: true, force: true, maxRetries: 3 }).catch(() => undefined);
  });

  it.each(cases)('%s (%s): fails on base, passes with the gold patch, agrees with swe-flow eval', async (fixture, runner) => {
    const root = await mkdtemp(path.join(os.tmpdir(), `swe-flow-evalsh-${runner}-`));
    roots.push(root);
    const out = path.join(root, 'out');
    const { rows } = await synthesize(path.join(FIXTURES, fixture), {
      out, config: { modes: ['isolated'], maxSteps: 2, reruns: 1, workers: 1, skipImage: true, audit: false, name: `swe-flow-test/evalsh-${runner}` },
    });
    expect(rows.length).toBeGreaterThan(0);
    const { tag: image } = await bootstrapBaseImage();
    const gold = await evaluate({ dataset: out, predictions: 'gold', runtime: 'local', runId: 'gold' });
    const empty = await evaluate({ dataset: out, predictions: 'empty', runtime: 'local', runId: 'empty' });
    const grade = (report: typeof gold, id: string) => report.instances.find((i) => i.instance_id === id)?.grade;
    const row = rows[0]!;
    expect(row.runner).toBe(runner);
    const task = path.join(out, 'tasks', row.instance_id);
    await expect(readFile(path.join(task, 'eval.sh'), 'utf8')).resolves.toContain(`(${runner})`);

    const base = await evalSh(image, await testbedOf(out, row, path.join(root, 'testbed-base')), task);
    expect(base.lines.at(-1), base.output).toBe('SWEFLOW_VERDICT: UNRESOLVED');
    expect(base.exitCode).toBe(1);
    for (const id of row.FAIL_TO_PASS) expect(base.lines, base.output).toContain(`FAILED ${id}`);
    for (const id of row.PASS_TO_PASS) expect(base.lines, base.output).toContain(`PASSED ${id}`);
    expect(grade(empty, row.instance_id)).toBe('unresolved');

    const withGold = await evalSh(image, await testbedOf(out, row, path.join(root, 'testbed-gold')), task, '/task/reference.patch');
    expect(withGold.lines.at(-1), withGold.output).toBe('SWEFLOW_VERDICT: RESOLVED');
    expect(withGold.exitCode).toBe(0);
    for (const id of [...row.FAIL_TO_PASS, ...row.PASS_TO_PASS]) expect(withGold.lines).toContain(`PASSED ${id}`);
    expect(grade(gold, row.instance_id)).toBe('resolved');
  }, 900_000);
});
