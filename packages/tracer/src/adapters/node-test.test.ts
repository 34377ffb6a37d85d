import { describe, expect, it } from 'vitest';
import { nodeTestAdapter, parseNodeTestResults, scriptTestArgs } from './node-test.js';
import { describeAdapterOnFixture } from './runner-kit.suite.js';

describeAdapterOnFixture(nodeTestAdapter, {
  fixture: 'node-test-esm',
  testFiles: ['test/queue.test.js', 'test/task.test.js'],
  missing: { file: 'test/task.test.js', id: 'test/task.test.js > Task > no such test' },
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
