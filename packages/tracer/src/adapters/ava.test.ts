import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { execLocal } from '../exec.js';
import { silentLogger } from '@swe-flow/core';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import { avaAdapter, avaExtensions, listAvaTestFiles, parseAvaResults } from './ava.js';
import { makeRepo } from './runner-kit.testing.js';
import { describeAdapterOnFixture, FIXTURE_RUNS } from './runner-kit.suite.js';

describeAdapterOnFixture(avaAdapter, FIXTURE_RUNS['ava-esm']);

describe('ava TAP parsing', () => {
  it('reads swe-flow names, directives and failure blocks', () => {
    const tap = [
      'TAP version 13',
      'ok 1 - ["test/a.test.js","skipped one"] # SKIP',
      'not ok 2 - ["test/a.test.js","todo one"] # TODO',
      'ok 3 - ["test/a.test.js","a › title with # SKIP inside"]',
      'not ok 4 - ["test/b.test.js","fails"]',
      '  ---',
      '    name: AssertionError',
      '  ...',
      '',
      '1..4',
    ].join('\n');
    const results = parseAvaResults(tap, '/r');
    expect(results.map((r) => [r.id, r.status])).toEqual([
      ['test/a.test.js > skipped one', 'skipped'],
      ['test/a.test.js > todo one', 'skipped'],
      ['test/a.test.js > a › title with # SKIP inside', 'passed'],
      ['test/b.test.js > fails', 'failed'],
    ]);
    expect(results[3]!.error).toContain('AssertionError');
  });
});

describe('ava selection by id', () => {
  it('selects titles that start with "!" or hold "*" (ava reads them as negation and wildcard)', async () => {
    const repo = await makeRepo({
      'package.json': JSON.stringify({ name: 'ava-match', version: '1.0.0', type: 'module', scripts: { test: 'ava' }, devDependencies: { ava: '6.4.1' } }),
      'test/a.test.js': [
        "import test from 'ava';",
        "test('!important', (t) => { t.pass(); });",
        "test('a * b', (t) => { t.pass(); });",
        "test('other', (t) => { t.fail(); });",
      ].join('\n'),
    });
    try {
      for (const id of ['test/a.test.js > !important', 'test/a.test.js > a * b']) {
        const resultFile = '.swe-flow/sel.tap';
        const spec = avaAdapter.plainCommand({ resultFile, selection: { files: [], testIds: [id] } });
        const res = await execLocal(repo.root, spec, 120_000);
        expect(res.timedOut).toBe(false);
        const results = avaAdapter.parseResults(await readFile(path.join(repo.root, resultFile), 'utf8'), repo.root);
        expect(results.filter((r) => r.id === id).map((r) => r.status)).toEqual(['passed']);
        expect(results.some((r) => r.id === 'test/a.test.js > other')).toBe(false);
      }
    } finally {
      await repo.dispose();
    }
  }, 300_000);
});

describe('ava config: extensions', () => {
  it('reads extensions as a list or as an object of loaders, and lists only files with them', async () => {
    expect(avaExtensions({})).toEqual(['cjs', 'mjs', 'js']);
    expect(avaExtensions({ extensions: ['ts', '.tsx'] })).toEqual(['ts', 'tsx']);
    expect(avaExtensions({ extensions: { ts: 'module', js: true } })).toEqual(['ts', 'js']);
    const files = ['test/a.ts', 'test/b.js', 'test/helpers/h.ts', 'src/x.ts', 'test/c.d.txt'];
    const facts = (ava: Record<string, unknown>) => ({ root: '/r', files, packageJson: { name: 'x', ava } });
    expect(await listAvaTestFiles(facts({ extensions: { ts: 'module' } }))).toEqual(['test/a.ts']);
    expect(await listAvaTestFiles(facts({ extensions: { ts: 'module' }, files: ['test/**/*'] }))).toEqual(['test/a.ts']);
    expect(await listAvaTestFiles(facts({}))).toEqual(['test/b.js']);
  });
});

/**
 * A TypeScript repository as sindresorhus/ky has it: ava runs `.ts` tests through `extensions` and a tsx
 * loader in `nodeArguments`, and one test takes longer than ava's default 10 s inactivity timeout (as a
 * healthy suite does on a loaded machine); swe-flow must find the tests, run them plain and traced, and
 * not let ava's timeout cut the run.
 */
describe('ava with TypeScript tests through a loader, and a test slower than ava\'s default timeout', () => {
  it('lists, runs plain and traces them', async () => {
    const repo = await makeRepo({
      'package.json': JSON.stringify({
        name: 'ava-ts',
        version: '1.0.0',
        type: 'module',
        scripts: { test: 'ava' },
        ava: { extensions: { ts: 'module' }, nodeArguments: ['--import=tsx/esm'], workerThreads: false },
        devDependencies: { ava: '6.4.1', tsx: '4.21.0' },
      }),
      'source/add.ts': 'export function add(a: number, b: number): number {\n  return a + b;\n}\n',
      'test/add.ts': [
        "import test from 'ava';",
        "import { add } from '../source/add.js';",
        "test('adds', (t) => { t.is(add(1, 2), 3); });",
        "test('adds slowly', async (t) => { await new Promise((r) => setTimeout(r, 11_000)); t.is(add(2, 2), 4); });",
      ].join('\n'),
      'test/helpers/util.ts': 'export const unused = 1;\n',
    });
    try {
      expect(await avaAdapter.listTestFiles(repo.facts)).toEqual(['test/add.ts']);
      const resultFile = '.swe-flow/all.tap';
      const res = await execLocal(repo.root, avaAdapter.plainCommand({ resultFile, selection: { files: [], testIds: [] } }), 120_000);
      expect(res.timedOut).toBe(false);
      const plain = avaAdapter.parseResults(await readFile(path.join(repo.root, resultFile), 'utf8'), repo.root);
      expect(Object.fromEntries(plain.map((r) => [r.id, r.status]))).toEqual({ 'test/add.ts > adds': 'passed', 'test/add.ts > adds slowly': 'passed' });
      const traceDir = await mkdtemp(path.join(os.tmpdir(), 'sweflow-ava-ts-'));
      const traced = await avaAdapter.runTraced({ facts: repo.facts, traceDir, timeoutMs: 120_000, logger: silentLogger });
      expect(Object.fromEntries(traced.results.map((r) => [r.id, r.status]))).toEqual({ 'test/add.ts > adds': 'passed', 'test/add.ts > adds slowly': 'passed' });
      const slow = traced.records.find((r) => r.testId === 'test/add.ts > adds slowly');
      expect(slow?.edges.some(([, callee]) => /^source\/add\.ts:\d+:\d+:add$/.test(callee))).toBe(true);
    } finally {
      await repo.dispose();
    }
  }, 300_000);
});
