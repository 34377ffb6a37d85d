import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTapResults, tapAdapter } from './tap.js';
import { describeAdapterOnFixture, FIXTURE_RUNS, runPlain } from './runner-kit.suite.js';
import { copyFixtureVariant, type TempRepo } from './runner-kit.testing.js';

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
});
