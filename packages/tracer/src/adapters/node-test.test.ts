import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execLocal } from '../exec.js';
import { copyFixture, makeRepo, type TempRepo } from './runner-kit.testing.js';
import { nodeTestAdapter, nodeTestRunsListedFiles, parseNodeTestResults, scriptTestArgs } from './node-test.js';
import { describeAdapterOnFixture, runPlain } from './runner-kit.suite.js';
import { detectRunner } from './index.js';
import { withDefaultFiles } from './runner-kit.js';

describeAdapterOnFixture(nodeTestAdapter, {
  fixture: 'node-test-esm',
  testFiles: ['test/queue.test.js', 'test/task.test.js'],
  // No existing ancestor: a selected id's ancestor titles are part of the name pattern (subtests), and a
  // matching suite runs all its tests.
  missing: { file: 'test/task.test.js', id: 'test/task.test.js > No such suite > no such test' },
});

describe('node:test result parsing', () => {
  it('rebuilds title paths from finished-events, treating suites and tests with subtests as containers', () => {
    const f = '/r/test/a.test.js';
    const lines = [
      { type: 'test:pass', name: 'deep', nesting: 2, file: f },
      { type: 'test:pass', name: 'inner', nesting: 1, file: f, suite: true },
      { type: 'test:fail', name: 'fails', nesting: 1, file: f, error: 'boom' },
      { type: 'test:pass', name: 'outer', nesting: 0, file: f, suite: true },
      { type: 'test:pass', name: 'sub', nesting: 1, file: f },
      { type: 'test:pass', name: 'parent test', nesting: 0, file: f },
      { type: 'test:pass', name: 'other', nesting: 0, file: f, skip: 'test name does not match pattern' },
      { type: 'test:pass', name: 'todo', nesting: 0, file: f, todo: true },
    ];
    const results = parseNodeTestResults(lines.map((l) => JSON.stringify(l)).join('\n'), '/r');
    expect(results.map((r) => [r.id, r.status])).toEqual([
      ['test/a.test.js > outer > inner > deep', 'passed'],
      ['test/a.test.js > outer > fails', 'failed'],
      ['test/a.test.js > parent test > sub', 'passed'],
      ['test/a.test.js > todo', 'skipped'],
    ]);
  });

  it('reads file arguments from the test script', () => {
    expect(scriptTestArgs('node --test test/*.test.js')).toEqual(['test/*.test.js']);
    expect(scriptTestArgs('c8 node --experimental-vm-modules --test --test-concurrency=1 test/ && eslint .')).toEqual(['test/']);
  });
});

describe('node:test selection of subtests', () => {
  it('runs a t.test() subtest selected by its id (its parent test must run too)', async () => {
    const repo = await makeRepo({
      'package.json': JSON.stringify({ name: 'nt-sub', version: '1.0.0', type: 'module', scripts: { test: 'node --test' } }),
      'test/a.test.js': [
        "import { test } from 'node:test';",
        "test('parent', async (t) => {",
        "  await t.test('child a', () => {});",
        "  await t.test('child b', () => { throw new Error('b fails'); });",
        '});',
        "test('other', () => {});",
      ].join('\n'),
    });
    try {
      const resultFile = '.swe-flow/sel.jsonl';
      const id = 'test/a.test.js > parent > child a';
      const spec = nodeTestAdapter.plainCommand({ resultFile, selection: { files: [], testIds: [id] } });
      const res = await execLocal(repo.root, spec, 60_000);
      expect(res.timedOut).toBe(false);
      const results = nodeTestAdapter.parseResults(await readFile(path.join(repo.root, resultFile), 'utf8'), repo.root);
      const byId = new Map(results.map((r) => [r.id, r.status]));
      expect(byId.get(id)).toBe('passed');
      expect(byId.get('test/a.test.js > parent > child b')).toBe('failed');
      expect(byId.has('test/a.test.js > other')).toBe(false);
    } finally {
      await repo.dispose();
    }
  });
});

// ai/nanoid: `"test": "pnpm run /^test:/"`, `"test:coverage": "bnt ..."`: better-node-test starts
// `node --test`, so no script names it; the test files import node:test, and test/ also holds scripts
// that are no tests (a benchmark, here one that exits 3), which Node's default discovery would run.
describe('node:test started by a wrapper (fixtures/node-test-esm, no script calls node --test)', () => {
  let repo: TempRepo;
  beforeAll(async () => {
    repo = await copyFixture('node-test-esm');
    repo.facts.packageJson = { ...repo.facts.packageJson, scripts: { test: 'pnpm run /^test:/', 'test:coverage': 'bnt --coverage 100' } };
    await writeFile(path.join(repo.root, 'package.json'), JSON.stringify(repo.facts.packageJson, null, 2));
    await writeFile(path.join(repo.root, 'test', 'benchmark.js'), "console.log('not a test');\nprocess.exit(3);\n");
    repo.facts.files = [...repo.facts.files, 'test/benchmark.js'].sort();
  });
  afterAll(async () => {
    await repo?.dispose();
  });

  it('is detected from the test files\' imports, and runs only the files that import node:test', async () => {
    expect(detectRunner(repo.facts).name).toBe('node-test');
    expect(nodeTestRunsListedFiles(repo.facts.packageJson)).toBe(true);
    const files = await nodeTestAdapter.listTestFiles(repo.facts);
    expect(files).toEqual(['test/queue.test.js', 'test/task.test.js']);
    const { results } = await runPlain(withDefaultFiles(nodeTestAdapter, files), repo, { files: [], testIds: [] });
    expect(new Set(results.map((r) => r.file))).toEqual(new Set(files));
    expect(results.filter((r) => r.status === 'failed').map((r) => r.id)).toEqual(['test/task.test.js > Task > known failure: a new task starts in the running state']);
    expect(results.filter((r) => r.status === 'passed').length).toBe(16);
  });
});
