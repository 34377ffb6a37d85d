import { cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { addedLines, difficultyEvidence, difficultyOf, validateRow } from '@swe-flow/emitter';
import { isAnonymousId } from '@swe-flow/scheduler';
import { checkStatement } from '@swe-flow/statements';
import { parseTestId, type DatasetRow, type RejectRow, type ScheduleJson } from '@swe-flow/core';
import { BIN, REPO_ROOT, swf, tmp } from './helpers.js';

const fixture = path.join(REPO_ROOT, 'fixtures/node-test-esm');
const readJsonl = async <T>(file: string): Promise<T[]> =>
  (await readFile(file, 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as T);

async function dockerAvailable(): Promise<boolean> {
  return (await execa('docker', ['info'], { reject: false })).exitCode === 0;
}

describe('swe-flow synth on the node:test fixture', () => {
  let out: string;
  let rows: DatasetRow[];
  let rejects: RejectRow[];

  beforeAll(async () => {
    out = path.join(await tmp('synth'), 'out');
    const r = await swf(['synth', fixture, '--out', out, '--mode', 'both']);
    expect(r.stderr).not.toContain('internal error');
    expect(r.code).toBe(0);
    rows = await readJsonl<DatasetRow>(path.join(out, 'dataset.jsonl'));
    rejects = await readJsonl<RejectRow>(path.join(out, 'rejects.jsonl'));
  });

  it('emits verified tasks in both modes, each row valid against the shipped schema', async () => {
    const summary = JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8'));
    expect(rows.length).toBe(summary.counts.verified);
    expect(rows.some((r) => r.mode === 'isolated')).toBe(true);
    expect(rows.some((r) => r.mode === 'incremental')).toBe(true);
    for (const row of rows) {
      validateRow(row);
      expect(row.problem_statement).toContain(row.FAIL_TO_PASS[0]);
    }
    for (const reject of rejects) {
      expect(reject.reason).toMatch(/^[a-z0-9-]+$/);
      expect(reject.detail.length).toBeGreaterThan(5);
    }
  });

  it('tasks are named units with their evidence: no anonymous-only row, difficulty from evidence, statements pass their checks', async () => {
    const summary = JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8'));
    const schedule = JSON.parse(await readFile(path.join(out, 'schedule.json'), 'utf8')) as ScheduleJson;
    // The fixture's callbacks (TaskQueue#drain's and #purgeLater's arrows) are developed with their methods.
    expect(schedule.steps.flatMap((s) => s.nodesToDevelop).filter((id) => id.split(':').pop()!.includes('/'))).toEqual([]);
    expect(schedule.options.minStepLines).toBe(5);
    for (const row of rows) {
      expect(row.nodes_to_develop.every(isAnonymousId)).toBe(false);
      const ev = row.difficulty_evidence!;
      expect(ev.functions).toBe(row.nodes_to_develop.length);
      expect(ev.fail_to_pass).toBe(row.FAIL_TO_PASS.length);
      expect(ev.added_lines).toBe(addedLines(row.patch));
      expect(row.difficulty).toBe(difficultyOf(difficultyEvidence(ev)));
      expect(checkStatement(row.problem_statement, { functions: row.nodes_to_develop.map((id) => ({ name: id.split(':').pop()!, kind: 'method' as const })), failToPass: row.FAIL_TO_PASS }).problems).toEqual([]);
    }
    expect(summary.tasks).toMatchObject({ onlyAnonymous: 0, statementChecks: { checked: rows.length, failed: 0 } });
    expect(summary.tasks.difficulty.easy + summary.tasks.difficulty.medium + summary.tasks.difficulty.hard).toBe(rows.length);
    expect(await readFile(path.join(out, 'summary.md'), 'utf8')).toContain('Rows with only anonymous functions to implement: 0.');
  });

  it('leaves out the test that already fails on the original code', async () => {
    const trace = JSON.parse(await readFile(path.join(out, 'trace.json'), 'utf8'));
    const failing = trace.excluded.map((e: { id: string }) => e.id);
    expect(failing.some((id: string) => id.includes('known failure'))).toBe(true);
    for (const row of rows) {
      for (const id of [...row.FAIL_TO_PASS, ...row.PASS_TO_PASS]) expect(failing).not.toContain(id);
    }
  });

  it('every patch applies to its base commit and yields the reference tree; isolated references equal the original', async () => {
    const git = path.join(out, 'task-repo.git');
    const wt = await tmp('wt');
    await execa('git', ['clone', '-q', git, wt]);
    const originalTree = (await execa('git', ['rev-parse', 'original^{tree}'], { cwd: wt })).stdout;
    for (const row of rows) {
      await execa('git', ['checkout', '-q', '-f', row.base_commit], { cwd: wt });
      await execa('git', ['clean', '-qfdx'], { cwd: wt });
      const patchFile = path.join(await tmp('p'), 'gold.diff');
      await writeFile(patchFile, row.patch);
      await execa('git', ['apply', '--check', patchFile], { cwd: wt });
      await execa('git', ['apply', patchFile], { cwd: wt });
      expect((await execa('git', ['diff', '--stat', row.reference_commit], { cwd: wt })).stdout).toBe('');
      if (row.mode === 'isolated') {
        expect((await execa('git', ['rev-parse', `${row.reference_commit}^{tree}`], { cwd: wt })).stdout).toBe(originalTree);
      }
    }
  });

  it('the gold patch turns FAIL_TO_PASS green while PASS_TO_PASS stay green (run here, outside swe-flow)', async () => {
    const row = rows.find((r) => r.mode === 'isolated')!;
    const wt = await tmp('gold');
    await execa('git', ['clone', '-q', path.join(out, 'task-repo.git'), wt]);
    await execa('git', ['checkout', '-q', row.base_commit], { cwd: wt });
    // The row's tests only, by file and title: a file can hold tests the task leaves out (the fixture's known failure).
    const ids = [...row.FAIL_TO_PASS, ...row.PASS_TO_PASS].map(parseTestId);
    const files = [...new Set(ids.map((t) => t.file))];
    const titles = [...new Set(ids.map((t) => t.titlePath.at(-1)!))].map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    const runTests = async () => execa('node', ['--test', '--test-reporter=tap', `--test-name-pattern=^(${titles.join('|')})$`, ...files], { cwd: wt, reject: false });
    const before = await runTests();
    expect(before.exitCode).not.toBe(0);
    const patchFile = path.join(wt, '..', `${path.basename(wt)}.diff`);
    await writeFile(patchFile, row.patch);
    await execa('git', ['apply', patchFile], { cwd: wt });
    const after = await runTests();
    expect(after.exitCode).toBe(0);
  });

  it('audit --runtime local says so when the prepared copy is gone (only each /testbed is searched then)', async () => {
    const warning = "is missing: only each task's /testbed is searched";
    const here = await swf(['audit', out, '--runtime', 'local']);
    expect(here.stderr).not.toContain(warning);
    // The dataset moved without its prepared copy (repo.json's workDir is relative to the dataset folder).
    const moved = path.join(await tmp('moved'), 'out');
    await mkdir(moved);
    for (const f of ['dataset.jsonl', 'repo.json', 'task-repo.git']) await cp(path.join(out, f), path.join(moved, f), { recursive: true });
    const away = await swf(['audit', moved, '--runtime', 'local']);
    expect(away.stderr).toContain(warning);
    expect(away.stderr).toContain('audit the dataset where it was made, or its instance images (--runtime docker)');
  });

  it('a resumed run skips every finished stage and writes the same dataset', async () => {
    const before = await readFile(path.join(out, 'dataset.jsonl'), 'utf8');
    const r = await swf(['synth', fixture, '--out', out, '--mode', 'both', '--resume']);
    expect(r.code).toBe(0);
    const summary = JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8'));
    const skipped = Object.fromEntries(summary.stages.map((s: { stage: string; skipped: boolean }) => [s.stage, s.skipped]));
    expect(skipped).toMatchObject({ prepare: true, trace: true, schedule: true, emit: true, verify: true });
    expect(await readFile(path.join(out, 'dataset.jsonl'), 'utf8')).toBe(before);
  });

  it('a run killed during verification resumes without redoing settled tasks and ends with the same dataset', async () => {
    const outKill = path.join(await tmp('kill'), 'out');
    // Tree by tree, tasks settle one at a time (a batch settles its trees together), so the kill lands
    // between settled tasks; the resumed run uses the default batches and must give the same dataset.
    const child = execa('node', [BIN, 'synth', fixture, '--out', outKill, '--mode', 'both', '--skip-image', '--tree-by-tree'], { reject: false, env: { CI: 'true' } });
    const verifyDir = path.join(outKill, '.swe-flow', 'verify');
    const deadline = Date.now() + 300_000;
    let settledBefore = 0;
    while (Date.now() < deadline) {
      settledBefore = (await readdir(verifyDir).catch(() => [])).filter((f) => f.endsWith('.json')).length;
      if (settledBefore >= 3) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    child.kill('SIGKILL');
    await child;
    expect(settledBefore).toBeGreaterThanOrEqual(3);
    const resumed = await swf(['synth', fixture, '--out', outKill, '--mode', 'both', '--skip-image', '--resume']);
    expect(resumed.code).toBe(0);
    const match = /verify: (\d+) candidates \((\d+) already settled\)/.exec(resumed.stderr);
    expect(Number(match?.[2])).toBeGreaterThanOrEqual(settledBefore);
    const resumedRows = await readJsonl<DatasetRow>(path.join(outKill, 'dataset.jsonl'));
    const key = (xs: DatasetRow[]) => xs.map((x) => [x.instance_id, x.base_commit, x.FAIL_TO_PASS, x.PASS_TO_PASS]);
    expect(key(resumedRows)).toEqual(key(rows));
  });

  it('a second run from scratch gives the same commits (fixed author and dates)', async () => {
    const out2 = path.join(await tmp('again'), 'out');
    const r = await swf(['synth', fixture, '--out', out2, '--mode', 'both', '--skip-image']);
    expect(r.code).toBe(0);
    const rows2 = await readJsonl<DatasetRow>(path.join(out2, 'dataset.jsonl'));
    expect(rows2.map((x) => [x.instance_id, x.base_commit, x.reference_commit])).toEqual(rows.map((x) => [x.instance_id, x.base_commit, x.reference_commit]));
  });

  it('verifies the same tasks with the same verdicts inside Docker containers', async (ctx) => {
    if (!(await dockerAvailable())) {
      if (process.env.SWEFLOW_REQUIRE_DOCKER === '1') throw new Error('SWEFLOW_REQUIRE_DOCKER=1 but no Docker engine answers');
      ctx.skip();
    }
    const outDocker = path.join(await tmp('docker'), 'out');
    // The audit of instance images has its own Docker test (pipeline's task-environments); here it would
    // only add a container per task.
    const r = await swf(['synth', fixture, '--out', outDocker, '--mode', 'isolated', '--runtime', 'docker', '--no-audit']);
    expect(r.code).toBe(0);
    const dockerRows = await readJsonl<DatasetRow>(path.join(outDocker, 'dataset.jsonl'));
    const verdicts = (xs: DatasetRow[]) => xs.filter((x) => x.mode === 'isolated').map((x) => [x.instance_id, x.FAIL_TO_PASS, x.PASS_TO_PASS]);
    expect(verdicts(dockerRows)).toEqual(verdicts(rows));
    expect(dockerRows[0]!.image).toMatch(/^swe-flow\/env-/);
    expect(dockerRows.every((x) => x.image_name?.startsWith('swe-flow/instance-'))).toBe(true);
    expect(await readFile(path.join(outDocker, 'summary.md'), 'utf8')).toContain('Audit: NOT RUN (--no-audit)');
    // No container of this run's image is left behind (other swe-flow runs may be active on the machine).
    expect((await execa('docker', ['ps', '-aq', '--filter', `ancestor=${dockerRows[0]!.image}`])).stdout).toBe('');
    // an env image build, verification in containers and an instance image per task
  }, 600_000);
});
