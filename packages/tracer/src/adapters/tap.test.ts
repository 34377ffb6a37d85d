import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes, silentLogger, type Workspace } from '@swe-flow/core';
import { createLocalRuntime } from '@swe-flow/runtime';
import { treeRunnerFor } from '../sessions/index.js';
import { parseTapResults, tapAdapter } from './tap.js';
import { describeAdapterOnFixture, FIXTURE_RUNS, runPlain } from './runner-kit.suite.js';
import { copyFixture, copyFixtureVariant, shortId, type TempRepo } from './runner-kit.testing.js';

describeAdapterOnFixture(tapAdapter, FIXTURE_RUNS['tap-esm']);

// npm/ini, npm/node-semver: tap 16 (nyc-based; other option names, no `tap list`).
const TAP16 = {
  label: 'tap 16 (nyc coverage, --dump-config)',
  devDependencies: { tap: '16.3.10' },
  files: { 'package.json': `${JSON.stringify({ name: 'fixture-tap16-esm', version: '1.0.0', private: true, type: 'module', scripts: { test: 'tap' }, devDependencies: { tap: '16.3.10' } }, null, 2)}\n` },
};
describeAdapterOnFixture(tapAdapter, { ...FIXTURE_RUNS['tap-esm'], variant: TAP16 });

describe('tap TAP parsing (tap-parser)', () => {
  it('takes the subtests without subtests as results, with their title paths, skips and failures', () => {
    const tap = [
      'TAP version 14',
      '# Subtest: test/a.test.js',
      '    # Subtest: top',
      '        ok 1 - should be equal',
      '        1..1',
      '    ok 1 - top # time=1ms',
      '    # Subtest: group',
      '        # Subtest: inner',
      '            not ok 1 - should be equal',
      '              ---',
      '              found: 1',
      '              wanted: 2',
      '              ...',
      '            1..1',
      '        not ok 1 - inner # time=1ms',
      '        1..1',
      '    not ok 2 - group',
      '    ok 3 - left out # SKIP filter: only',
      '    1..3',
      'not ok 1 - test/a.test.js # time=3ms',
      '1..1',
      '',
    ].join('\n');
    const results = parseTapResults(tap, '/r');
    expect(results.map((r) => [r.id, r.status])).toEqual([
      ['test/a.test.js > top', 'passed'],
      ['test/a.test.js > group > inner', 'failed'],
      ['test/a.test.js > left out', 'skipped'],
    ]);
    expect(results[1]!.error).toContain('"wanted": 2');
  });

  it('takes a file that only asserts at its top level as one test with the file\'s id (npm/node-semver\'s test/index.js)', () => {
    const tap = [
      'TAP version 13',
      '# Subtest: test/index.js',
      '    ok 1 - just a normal value property',
      '    1..1',
      'ok 1 - test/index.js # time=40.894ms',
      '# Subtest: test/bad.js',
      '    ok 1 - first',
      '    not ok 2 - second',
      '      ---',
      '      wanted: 3',
      '      ...',
      '    1..2',
      'not ok 2 - test/bad.js # time=3ms',
      '# Subtest: test/a.test.js',
      '    # Subtest: top',
      '        ok 1 - should be equal',
      '        1..1',
      '    ok 1 - top # time=1ms',
      '    1..1',
      'ok 3 - test/a.test.js # time=3ms',
      '1..3',
      '',
    ].join('\n');
    const results = parseTapResults(tap, '/r');
    expect(results.map((r) => [r.id, r.file, r.titlePath, r.status])).toEqual([
      ['test/index.js', 'test/index.js', [], 'passed'],
      ['test/bad.js', 'test/bad.js', [], 'failed'],
      ['test/a.test.js > top', 'test/a.test.js', ['top'], 'passed'],
    ]);
    expect(results[1]!.error).toContain('second');
  });
});

// npm/node-semver's test/index.js and test/internal/constants.js assert at their top level only (no
// `t.test`): each file is one test, with the file's id, which a selection runs by running the file.
describe('tap files that only assert at their top level (fixtures/tap-esm on tap 16, as node-semver)', () => {
  let repo: TempRepo;
  beforeAll(async () => {
    repo = await copyFixtureVariant('tap-esm', TAP16);
    await writeFile(path.join(repo.root, 'test', 'top.test.js'), "import t from 'tap';\nimport { decodePart } from '../src/query.js';\n\nt.equal(decodePart('a+b'), 'a b');\nt.equal(decodePart('x%26y'), 'x&y');\n");
    await writeFile(path.join(repo.root, 'test', 'top-bad.test.js'), "import t from 'tap';\nimport { decodePart } from '../src/query.js';\n\nt.equal(decodePart('a+b'), 'a+b');\n");
  });
  afterAll(async () => {
    await repo?.dispose();
  });

  it('reports each as one test with the file\'s id and status, run by selecting that id', async () => {
    const run = await runPlain(tapAdapter, repo, { files: [], testIds: ['test/top.test.js', 'test/top-bad.test.js'] });
    expect(run.results.map((r) => [r.id, r.titlePath, r.status]).sort()).toEqual([
      ['test/top-bad.test.js', [], 'failed'],
      ['test/top.test.js', [], 'passed'],
    ]);
  });

  // Their module body is their test: what it calls is not frozen as module load, unless another file's load calls it too.
  it('leaves what only their top level calls out of the module-load functions (npm/ini, npm/node-semver)', async () => {
    await writeFile(path.join(repo.root, 'test', 'load-then-test.test.js'), "import t from 'tap';\nimport { encodePart } from '../src/encode.js';\n\nconst sample = encodePart('a b');\nt.test('sample', async (t) => {\n  t.equal(sample, 'a+b');\n});\n");
    await writeFile(path.join(repo.root, 'test', 'top-encode.test.js'), "import t from 'tap';\nimport { encodePart } from '../src/encode.js';\n\nt.equal(encodePart('x y'), 'x+y');\n");
    const added = ['test/top.test.js', 'test/top-bad.test.js', 'test/load-then-test.test.js', 'test/top-encode.test.js'];
    const traceDir = await mkdtemp(path.join(os.tmpdir(), 'sweflow-tap-top-'));
    const traced = await tapAdapter.runTraced({ facts: { ...repo.facts, files: [...repo.facts.files, ...added] }, traceDir, timeoutMs: 240_000, logger: silentLogger });
    expect(traced.results.filter((r) => added.includes(r.id)).map((r) => [r.id, r.status]).sort()).toEqual([['test/top-bad.test.js', 'failed'], ['test/top-encode.test.js', 'passed'], ['test/top.test.js', 'passed']]);
    const loaded = traced.moduleLoadFunctions.map(shortId);
    expect(loaded).not.toContain('src/query.js:decodePart');
    // A test file's own top level counts with that file's tests (its setup), not as module load: what
    // load-then-test calls before its subtest is charged to its tests too.
    expect(loaded).not.toContain('src/encode.js:encodePart');
    expect(traced.setup.find((s) => s.file === 'test/load-then-test.test.js')?.edges.map(([, callee]) => shortId(callee))).toContain('src/encode.js:encodePart');
    expect(traced.setup.find((s) => s.file === 'test/top.test.js')?.edges.map(([, callee]) => shortId(callee))).toContain('src/query.js:decodePart');
  });
});

// npm/ini: snapshot tests (`t.matchSnapshot`) read `tap-snapshots/<test file relative to the cwd>.test.cjs`.
// A batch runs many trees' files from the workspace root; each test process must start in its tree's
// folder, or every snapshot test of a batch fails ("Snapshot file not found") and the original is judged flaky.
describe.each([
  ['tap 16', () => copyFixtureVariant('tap-esm', TAP16), '--no-coverage'],
  ['tap 21', () => copyFixture('tap-esm'), '--disable-coverage'],
])('tap snapshot tests in a batch of trees (%s, as npm/ini)', (_label, copy, noCoverage) => {
  let repo: TempRepo;
  let ws: Workspace;
  const SNAP_TEST = 'test/snap.test.js';
  beforeAll(async () => {
    repo = await copy();
    await writeFile(path.join(repo.root, SNAP_TEST), "import t from 'tap';\nimport { decodePart } from '../src/query.js';\n\nt.test('decodes', async (t) => {\n  t.matchSnapshot(decodePart('a+b%26c'));\n});\n");
    const bin = path.join(repo.root, 'node_modules', '.bin', 'tap');
    const made = await execa(bin, [noCoverage, SNAP_TEST], { cwd: repo.root, env: { TAP_SNAPSHOT: '1' }, reject: false });
    if (made.exitCode !== 0) throw new Error(`tap could not write the snapshot: ${made.stdout}\n${made.stderr}`);
    await execa('sh', ['-c', 'git init -q && git add -A && git -c user.name=t -c user.email=t@t commit -qm fixture'], { cwd: repo.root });
    ws = await createLocalRuntime().open({ taskRepo: repo.root, commit: 'HEAD', dependenciesDir: repo.root, label: 'tap-tree-cwd' });
    await ws.exec({ command: 'sh', args: ['-c', 'for t in t0 t1; do mkdir -p .swe-flow/trees/$t && git archive --format=tar HEAD | tar -x -C .swe-flow/trees/$t; done'] }, { timeoutMs: 60_000 });
  }, 300_000);
  afterAll(async () => {
    await ws?.dispose();
    await repo?.dispose();
  });

  it('lists no snapshot file as a test file', async () => {
    const files = (await execa('git', ['ls-files'], { cwd: repo.root })).stdout.split('\n');
    expect(files.some((f) => f.startsWith('tap-snapshots/'))).toBe(true);
    const listed = await tapAdapter.listTestFiles({ ...repo.facts, files });
    expect(listed).toContain(SNAP_TEST);
    expect(listed.filter((f) => f.startsWith('tap-snapshots/'))).toEqual([]);
  });

  it('passes every tree\'s snapshot test, each test process in its own tree\'s folder', async () => {
    const trees = ['t0', 't1'].map((t) => ({ dir: `.swe-flow/trees/${t}`, selection: { files: [SNAP_TEST], testIds: [`${SNAP_TEST} > decodes`] } }));
    const byTree = await treeRunnerFor(tapAdapter)!.run(ws, trees, { timeoutMs: 120_000, maxWorkers: 1, shareWorkers: false });
    for (const t of trees) {
      const results = byTree.get(t.dir) ?? [];
      expect(results.map((r) => [r.id, r.status, r.error ?? '']), t.dir).toEqual([[`${SNAP_TEST} > decodes`, 'passed', '']]);
    }
  });
});

// isaacs/node-lru-cache: `.taprc` names `@tapjs/clock`, in no package.json; tap 18+ installs such a plugin
// on its first run, at the version made for the installed @tapjs/core, and stops when the registry has
// none. The run leaves an empty result file: say so with tap's own words and what to change.
describe('a tap 21 config naming a plugin tap cannot install (as isaacs/node-lru-cache)', () => {
  let repo: TempRepo;
  beforeAll(async () => {
    repo = await copyFixture('tap-esm');
    // No @tapjs/clock 1.x is made for @tapjs/core 4: tap finds no version to install, as for lru-cache's.
    await writeFile(path.join(repo.root, '.taprc'), 'plugin:\n  - "@tapjs/clock@1"\n');
  }, 300_000);
  afterAll(async () => {
    await repo?.dispose();
  });

  it('fails the traced run with SWEFLOW_RUNNER_PLUGIN_UNAVAILABLE, naming the plugin and showing tap\'s output', async () => {
    const traceDir = await mkdtemp(path.join(os.tmpdir(), 'sweflow-tap-plugin-'));
    const run = tapAdapter.runTraced({ facts: repo.facts, traceDir, timeoutMs: 240_000, logger: silentLogger });
    await expect(run).rejects.toMatchObject({ code: ErrorCodes.RUNNER_PLUGIN_UNAVAILABLE, details: { plugin: '@tapjs/clock@1' } });
    await expect(run).rejects.toThrow(/Version not found, or incompatible with the current tap version/);
  });
});
