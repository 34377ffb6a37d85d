/**
 * Tests that run build output, end to end: fixtures/build-output compiles src/*.ts with tsc (source maps
 * on) into dist/, and its node:test tests import dist/. synth traces through dist/ back to the source
 * functions, stubs the sources, builds every base and reference tree before its tests, and writes the
 * build into each task's eval.sh. Build output without a map stops with SWEFLOW_BUILD_UNMAPPED naming
 * the config keys.
 */
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { ErrorCodes } from '@swe-flow/core';
import { evaluate } from '@swe-flow/eval';
import { synthesize } from '../src/index.js';

const fixture = fileURLToPath(new URL('../../../fixtures/build-output', import.meta.url));
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

it('traces dist/ back to src/, stubs src/, builds each tree before its tests and in eval.sh', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'swf-build-output-'));
  dirs.push(dir);
  const repo = path.join(dir, 'repo');
  await cp(fixture, repo, { recursive: true, filter: (p) => !p.split(path.sep).some((s) => s === 'node_modules' || s === 'dist') });
  const out = path.join(dir, 'out');
  const result = await synthesize(repo, { out, config: { maxSteps: 2, skipImage: true, reruns: 2 } });

  const repoJson = JSON.parse(await readFile(path.join(out, 'repo.json'), 'utf8'));
  expect(repoJson.build).toEqual(['tsc -p tsconfig.json']);
  expect(repoJson.builtOutput).toEqual([{ dir: 'dist', map: 'source-map' }]);
  // Without the map back to src/, the trace names no source function and there is no task at all.
  expect(result.rows.length).toBeGreaterThan(0);
  for (const row of result.rows) {
    expect(row.nodes_to_develop.length).toBeGreaterThan(0);
    for (const id of row.nodes_to_develop) expect(id).toMatch(/^src\/(slug|words)\.ts:/);
    // The stub is in the source the build compiles; dist/ is never part of a task.
    expect(row.patch).toMatch(/^diff --git a\/src\//m);
    expect(row.patch).not.toMatch(/dist\//);
    const evalSh = await readFile(path.join(out, 'tasks', row.instance_id, 'eval.sh'), 'utf8');
    expect(evalSh).toContain('tsc -p tsconfig.json');
    expect(evalSh.indexOf('SWEFLOW_BUILD_EXIT')).toBeLessThan(evalSh.indexOf('SWEFLOW_TEST_EXIT'));
  }
  // Bases failed because the stubs reached the tests through the build: every tree was built first.
  const summary = JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8'));
  expect(summary.verification.treeBuilds.built).toBeGreaterThanOrEqual(result.rows.length + 1);
  expect(summary.verification.treeBuilds.failed).toBe(0);
  expect(await readFile(path.join(out, 'summary.md'), 'utf8')).toMatch(/the tests run its output dist\/ \(traced back to the sources through its source maps\)/);

  // swe-flow eval builds the patched tree too: gold resolves every task, the empty patch none.
  const gold = await evaluate({ dataset: out, predictions: 'gold', runtime: 'local', runId: 'gold' });
  const empty = await evaluate({ dataset: out, predictions: 'empty', runtime: 'local', runId: 'empty' });
  expect(gold.instances.map((i) => i.grade)).toEqual(result.rows.map(() => 'resolved'));
  expect(empty.instances.filter((i) => i.grade === 'resolved')).toEqual([]);
}, 400_000);

it('stops with SWEFLOW_BUILD_UNMAPPED naming "build" and "builtSources" when the tests run build output with no map back', async () => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'swf-build-unmapped-'));
  dirs.push(root, `${root}-out`);
  const files: Record<string, string> = {
    'package.json': JSON.stringify({ name: 'bundled', version: '1.0.0', private: true, type: 'module', scripts: { build: 'node build.mjs', pretest: 'npm run build', test: 'node --test test/' } }, null, 2),
    '.gitignore': 'out/\nnode_modules/\n',
    'src/a.js': 'export function a() {\n  return 1;\n}\n',
    'src/b.js': 'export function b() {\n  return 2;\n}\n',
    // One bundle of both sources, no source map: nothing says which function came from where.
    'build.mjs': "import fs from 'node:fs';\nfs.mkdirSync('out', { recursive: true });\nfs.writeFileSync('out/bundle.js', ['src/a.js', 'src/b.js'].map((f) => fs.readFileSync(f, 'utf8')).join('\\n'));\n",
    'test/bundle.test.js': "import assert from 'node:assert';\nimport { test } from 'node:test';\nimport { a, b } from '../out/bundle.js';\ntest('a and b', () => assert.equal(a() + b(), 3));\n",
  };
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    await writeFile(path.join(root, rel), text);
  }
  const run = synthesize(root, { out: `${root}-out`, stopAfter: 'trace', config: { name: 'local/bundled' } });
  await expect(run).rejects.toMatchObject({
    code: ErrorCodes.BUILD_UNMAPPED,
    message: expect.stringMatching(/the tests run out\/, which the build \(.*build.*\) writes without source maps.*set "build".*set "builtSources" in the config to \{"out":"<source folder>"\}/),
  });
}, 120_000);
