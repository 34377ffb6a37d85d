import { describe, expect, it } from 'vitest';
import { avaAdapter, parseAvaResults } from './ava.js';
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
