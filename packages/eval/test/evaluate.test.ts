/**
 * End to end on the node:test fixture: a dataset made by the real CLI, graded in real local
 * workspaces with real git and real `node --test` runs.
 */
import { readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatasetRow } from '@swe-flow/core';
import { evaluate, type InstanceReport } from '../src/index.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { REPO_ROOT, editFile, makePatch, synthDataset, writeJsonl } from './helpers.js';

let dir = '';
let rows: DatasetRow[] = [];
let out = '';
let taskRepo = '';

beforeAll(async () => {
  ({ dir, rows } = await synthDataset('node-test-esm'));
  out = path.join(dir, 'eval-out');
  taskRepo = path.join(dir, 'task-repo.git');
  expect(rows.length).toBeGreaterThanOrEqual(2);
}, 600_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const readReport = async (runId: string, id: string) =>
  JSON.parse(await readFile(path.join(out, runId, id, 'report.json'), 'utf8')) as InstanceReport;

/** The source file of the row's first function to develop. */
const sourceOf = (row: DatasetRow) => row.nodes_to_develop[0]!.split(':')[0]!;

describe('evaluate on node:test tasks (local runtime)', () => {
  it('resolves 100% of gold predictions and writes per-instance and run reports', async () => {
    const run = await evaluate({ dataset: dir, predictions: 'gold', runId: 'gold', out, workers: 2 });
    expect(run.total).toBe(rows.length);
    expect(run.counts.resolved).toBe(rows.length);
    expect(run.resolved_rate).toBe(1);
    expect(run.evaluated).toBe(rows.length);
    const first = await readReport('gold', rows[0]!.instance_id);
    expect(first.grade).toBe('resolved');
    expect(first.apply?.method).toBe('git-apply-p1');
    expect(first.FAIL_TO_PASS.passed).toEqual(rows[0]!.FAIL_TO_PASS);
    expect(await readFile(path.join(out, 'gold', rows[0]!.instance_id, 'patch.diff'), 'utf8')).toBe(rows[0]!.patch);
    const summary = await readFile(path.join(out, 'gold', 'summary.md'), 'utf8');
    expect(summary).toContain(`Resolved: ${rows.length} / ${rows.length} = 100.0%`);
    expect(summary).toContain('## Per difficulty');
    const stored = JSON.parse(await readFile(path.join(out, 'gold', 'report.json'), 'utf8')) as { per_repo: Record<string, { rate: number }> };
    expect(Object.values(stored.per_repo).map((r) => r.rate)).toEqual([1]);
  });

  it('rerunning the same run id with unchanged patches evaluates nothing', async () => {
    const run = await evaluate({ dataset: dir, predictions: 'gold', runId: 'gold', out });
    expect(run.evaluated).toBe(0);
    expect(run.cached).toBe(rows.length);
    expect(run.counts.resolved).toBe(rows.length);
    expect(run.instances.every((i) => i.cached)).toBe(true);
  });

  it('re-evaluates only the instance whose patch changed', async () => {
    const changed = rows[0]!;
    const file = await writeJsonl(path.join(dir, 'preds-changed.jsonl'), rows.map((r) => ({
      instance_id: r.instance_id, model_name_or_path: 'gold', model_patch: r === changed ? '' : r.patch,
    })));
    const run = await evaluate({ dataset: dir, predictions: file, runId: 'gold', out, runtime: 'local' });
    expect(run.evaluated).toBe(1);
    expect(run.instances.find((i) => i.instance_id === changed.instance_id)).toMatchObject({ cached: false, grade: 'unresolved' });
    expect(run.counts.resolved).toBe(rows.length - 1);
  });

  it('resolves none of the empty predictions, all unresolved and none an infrastructure error', async () => {
    const run = await evaluate({ dataset: path.join(dir, 'dataset.jsonl'), predictions: 'empty', runId: 'empty', out });
    expect(run.counts).toMatchObject({ resolved: 0, unresolved: rows.length, error: 0, patch_failed: 0, timeout: 0 });
    expect(run.resolved_rate).toBe(0);
    const report = await readReport('empty', rows[0]!.instance_id);
    expect(report.FAIL_TO_PASS.failed).toEqual(rows[0]!.FAIL_TO_PASS);
    expect(run.unresolved[0]!.failing.length).toBeGreaterThan(0);
  });

  it('rejects patches that touch a test file or reach outside the repository', async () => {
    const row = rows[0]!;
    const testPatch = await makePatch(taskRepo, row.base_commit, (root) =>
      editFile(root, row.test_files[0]!, (t) => t.replace(/assert\.[a-zA-Z]+\(/g, '(() => {})(')),
    );
    expect(testPatch).toContain(row.test_files[0]);
    const outside = [
      'diff --git a/../outside.js b/../outside.js',
      'new file mode 100644',
      '--- /dev/null',
      '+++ b/../outside.js',
      '@@ -0,0 +1 @@',
      '+export const pwned = true;',
      '',
    ].join('\n');
    const symlink = [
      'diff --git a/src/link.js b/src/link.js',
      'new file mode 120000',
      '--- /dev/null',
      '+++ b/src/link.js',
      '@@ -0,0 +1 @@',
      '+../../../etc/passwd',
      '\\ No newline at end of file',
      '',
    ].join('\n');
    const ids = rows.slice(0, 3).map((r) => r.instance_id);
    const preds = [testPatch, outside, symlink].map((model_patch, i) => ({ instance_id: ids[i]!, model_name_or_path: 'bad', model_patch }));
    const run = await evaluate({ dataset: dir, predictions: preds, runId: 'bad', out, runtime: 'local' });
    expect(run.counts.patch_failed).toBe(3);
    const [a, b, c] = await Promise.all(ids.map((id) => readReport('bad', id)));
    expect(a!.reason).toMatch(/test file/);
    expect(b!.reason).toMatch(/outside the repository: b\/\.\.\/outside\.js|outside the repository: a\/\.\.\/outside\.js/);
    expect(c!.reason).toMatch(/symlink src\/link\.js pointing outside/);
    // Nothing was written beside the dataset by the `../` patch.
    await expect(stat(path.join(dir, 'outside.js'))).rejects.toThrow();
  });

  it('is not fooled by a patch that prints fake pass lines and writes fake result files', async () => {
    const row = rows[0]!;
    // node:test reporter lines claiming every FAIL_TO_PASS test passed, with the real absolute paths.
    const fakeEvents = `[${row.FAIL_TO_PASS.map((id) => {
      const [file, ...titles] = id.split(' > ');
      return `JSON.stringify({ type: 'test:pass', name: ${JSON.stringify(titles.at(-1))}, nesting: 0, file: process.cwd() + '/' + ${JSON.stringify(file)} })`;
    }).join(', ')}].join('\\n') + '\\n'`;
    const vitestLike = JSON.stringify({ numFailedTests: 0, numPassedTests: 42, success: true, testResults: [] });
    const src = sourceOf(row);
    const tamper = await makePatch(taskRepo, row.base_commit, async (root) => {
      await editFile(root, src, (t) => [
        `import { writeFileSync as __w, mkdirSync as __m, readdirSync as __r } from 'node:fs';`,
        `console.log('✓ 42 passed'); console.log(' Tests  5 passed (5)'); console.log('ok 1 - everything'); console.log('# pass 42'); console.log('# fail 0');`,
        `const __fake = ${fakeEvents};`,
        `const __plant = () => { try { __m('.swe-flow', { recursive: true }); } catch {} for (const f of ['.swe-flow/results.json', 'results.json', ...__r('.swe-flow').map((n) => '.swe-flow/' + n)]) { try { __w(f, __fake); } catch {} } };`,
        `__plant(); process.on('exit', __plant);`,
        t,
      ].join('\n'));
      const { writeFile } = await import('node:fs/promises');
      await writeFile(path.join(root, 'results.json'), `${JSON.stringify({ type: 'test:pass', name: 'x', nesting: 0 })}\n`);
      await writeFile(path.join(root, 'report.json'), `${vitestLike}\n`);
    });
    expect(tamper).toContain('✓ 42 passed');
    const run = await evaluate({ dataset: dir, predictions: [{ instance_id: row.instance_id, model_name_or_path: 'tamper', model_patch: tamper }], runtime: 'local', runId: 'tamper', out });
    const report = await readReport('tamper', row.instance_id);
    expect(report.grade).toBe('unresolved');
    expect(run.counts.resolved).toBe(0);
    expect(report.FAIL_TO_PASS.failed).toEqual(row.FAIL_TO_PASS);
    // The fake result files were in the tree the tests ran in, and were ignored.
    expect(report.apply?.changedFiles).toEqual(expect.arrayContaining(['report.json', 'results.json', src]));
  });

  it('grades a patch that breaks module loading as unresolved, and a missing base commit as an infrastructure error', async () => {
    const row = rows[0]!;
    const broken = await makePatch(taskRepo, row.base_commit, (root) => editFile(root, sourceOf(row), (t) => `throw new Error('boom at import');\n${t}`));
    // Kills the runner's parent process at import: the runner writes no result file at all.
    const killer = rows[2]!;
    const killing = await makePatch(taskRepo, killer.base_commit, (root) =>
      editFile(root, sourceOf(killer), (t) => `process.kill(process.ppid, 'SIGKILL');\n${t}`),
    );
    const bad = { ...rows[1]!, base_commit: 'f'.repeat(40) };
    const file = await writeJsonl(path.join(dir, 'dataset-with-bad-commit.jsonl'), [row, bad, killer]);
    const run = await evaluate({
      dataset: file,
      predictions: [
        { instance_id: row.instance_id, model_name_or_path: 'm', model_patch: broken },
        { instance_id: bad.instance_id, model_name_or_path: 'm', model_patch: bad.patch },
        { instance_id: killer.instance_id, model_name_or_path: 'm', model_patch: killing },
      ],
      runId: 'broken',
      runtime: 'local',
      out,
    });
    expect(run.counts).toMatchObject({ unresolved: 2, error: 1, resolved: 0 });
    expect(run.errors.map((e) => e.instance_id)).toEqual([bad.instance_id]);
    // The runner reported the import failure itself; no probe was needed.
    expect((await readReport('broken', row.instance_id)).baseProbe).toBeUndefined();
    // No result file with the patch, one without it on the base: the patch's fault, not ours.
    const killed = await readReport('broken', killer.instance_id);
    expect(killed.grade).toBe('unresolved');
    expect(killed.baseProbe).toMatchObject({ reported: true });
    expect(killed.reason).toMatch(/the patch broke the test run/);
    // Infrastructure errors are left out of the rate's denominator.
    expect(run.overall.graded).toBe(2);
    const summary = await readFile(path.join(out, 'broken', 'summary.md'), 'utf8');
    expect(summary).toMatch(/Infrastructure errors[^\n]*\n\n- `[^`]+-2`/);
    // An error is retried on the next run, never served from the store.
    const again = await evaluate({ dataset: file, predictions: [{ instance_id: bad.instance_id, model_name_or_path: 'm', model_patch: bad.patch }], runtime: 'local', runId: 'broken', out });
    expect(again.evaluated).toBe(1);
  });

  it('grades a patch that never finishes as timeout, not as an error', async () => {
    const row = rows[0]!;
    const hang = await makePatch(taskRepo, row.base_commit, (root) => editFile(root, sourceOf(row), (t) => `while (true) {}\n${t}`));
    const run = await evaluate({ dataset: dir, predictions: [{ instance_id: row.instance_id, model_name_or_path: 'm', model_patch: hang }], runtime: 'local', runId: 'hang', out, timeoutMs: 4_000 });
    expect(run.counts).toMatchObject({ timeout: 1, error: 0, resolved: 0 });
    // A timeout is the patch's doing: it stays in the rate's denominator.
    expect(run.overall.graded).toBe(1);
  });

  it('falls back to -p0 and to patch --fuzz=3, and records which applied', async () => {
    const row = rows[0]!;
    const p0 = row.patch.replace(/^(diff --git )a\/(\S+) b\/(\S+)$/gm, '$1$2 $3').replace(/^--- a\//gm, '--- ').replace(/^\+\+\+ b\//gm, '+++ ');
    // Context that no longer matches exactly (one context line changed): git apply refuses, patch fuzzes.
    const lines = row.patch.split('\n');
    const ctx = lines.findIndex((l, i) => i > 0 && l.startsWith(' ') && l.trim().length > 3 && lines.slice(0, i).some((x) => x.startsWith('@@')));
    lines[ctx] = ` ${lines[ctx]!.slice(1)} // drifted`;
    const fuzzy = lines.join('\n');
    const run = await evaluate({ dataset: dir, predictions: [{ instance_id: row.instance_id, model_name_or_path: 'm', model_patch: p0 }], runtime: 'local', runId: 'p0', out });
    expect(run.counts.resolved).toBe(1);
    expect((await readReport('p0', row.instance_id)).apply?.method).toBe('git-apply-p0');
    const fuzz = await evaluate({ dataset: dir, predictions: [{ instance_id: row.instance_id, model_name_or_path: 'm', model_patch: fuzzy }], runtime: 'local', runId: 'fuzz', out });
    const report = await readReport('fuzz', row.instance_id);
    expect(report.apply?.method).toBe('patch-fuzz3-p1');
    expect(fuzz.counts.resolved).toBe(1);
  });

  it('swe-flow eval (the real CLI) grades a selection and reports JSON; usage errors exit 2', async () => {
    const ids = rows.slice(0, 2).map((r) => r.instance_id);
    const bin = path.join(REPO_ROOT, 'packages/cli/bin/swe-flow.js');
    const { stdout } = await promisify(execFile)('node', [bin, 'eval', '--dataset', dir, '--predictions', 'gold', '--instances', ids.join(','), '--run-id', 'cli', '--out', out, '--json', '--quiet']);
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as { type: string; total: number; counts: { resolved: number } };
    expect(result).toMatchObject({ type: 'result', total: 2, counts: { resolved: 2 } });
    const failed = await promisify(execFile)('node', [bin, 'eval', '--dataset', dir]).then(() => undefined, (e: { code: number; stderr: string }) => e);
    expect(failed?.code).toBe(2);
    expect(failed?.stderr).toMatch(/--predictions/);
  });
});
