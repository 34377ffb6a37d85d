import { describe, expect, it } from 'vitest';
import { parseTapResults, tapAdapter } from './tap.js';
import { describeAdapterOnFixture, FIXTURE_RUNS } from './runner-kit.suite.js';

describeAdapterOnFixture(tapAdapter, FIXTURE_RUNS['tap-esm']);

// npm/ini, npm/node-semver: tap 16 (nyc-based; other option names, no `tap list`).
describeAdapterOnFixture(tapAdapter, {
  ...FIXTURE_RUNS['tap-esm'],
  variant: {
    label: 'tap 16 (nyc coverage, --dump-config)',
    devDependencies: { tap: '16.3.10' },
    files: { 'package.json': `${JSON.stringify({ name: 'fixture-tap16-esm', version: '1.0.0', private: true, type: 'module', scripts: { test: 'tap' }, devDependencies: { tap: '16.3.10' } }, null, 2)}\n` },
  },
});

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
});
