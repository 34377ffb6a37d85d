import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { execLocal } from '../exec.js';
import { avaAdapter, parseAvaResults } from './ava.js';
import { makeRepo } from './runner-kit.testing.js';
import { describeAdapterOnFixture } from './runner-kit.suite.js';

describeAdapterOnFixture(avaAdapter, {
  fixture: 'ava-esm',
  testFiles: ['test/money.test.js', 'test/rates.test.js', 'test/units.test.js'],
  missing: { file: 'test/units.test.js', id: 'test/units.test.js > no such test' },
});

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
