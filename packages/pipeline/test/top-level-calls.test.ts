/**
 * A function a test file calls at its top level (node-semver's test files sort their fixtures with
 * `SemVer#compare` while loading) is no longer frozen as module load for the whole repository: it counts
 * with the tests of that file, so it becomes a step whose F2P tests are that file's tests, verified with
 * node:test on a real tiny repository.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import type { TraceJson } from '@swe-flow/core';
import { synthesize } from '../src/index.js';

let dir: string | undefined;
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const files: Record<string, string> = {
  'package.json': JSON.stringify({ name: 'semverish', version: '1.0.0', scripts: { test: 'node --test test/' } }, null, 2),
  'src/semver.js': `function parse(version) {
  const parts = String(version).split('.').map(Number);
  if (parts.length !== 3 || parts.some(Number.isNaN)) {
    throw new TypeError('Invalid Version: ' + version);
  }
  return parts;
}

function compare(a, b) {
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < 3; i++) {
    if (x[i] !== y[i]) return x[i] > y[i] ? 1 : -1;
  }
  return 0;
}

module.exports = { parse, compare };
`,
  'test/compare.test.js': `const test = require('node:test');
const assert = require('node:assert');
const { compare } = require('../src/semver.js');

const sorted = ['2.0.0', '1.0.0', '1.5.0'].sort(compare);

test('sorts versions', () => {
  assert.deepStrictEqual(sorted, ['1.0.0', '1.5.0', '2.0.0']);
});

test('compares two versions', () => {
  assert.strictEqual(compare('2.0.0', '1.0.0'), 1);
});
`,
  'test/parse.test.js': `const test = require('node:test');
const assert = require('node:assert');
const { parse } = require('../src/semver.js');

test('parses a version', () => {
  assert.deepStrictEqual(parse('1.2.3'), [1, 2, 3]);
});

test('rejects a bad version', () => {
  assert.throws(() => parse('x'), /Invalid Version/);
});
`,
};

it('a function the test file calls at its top level becomes a verified step with that file’s tests as F2P', async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'swf-top-level-'));
  const repo = path.join(dir, 'repo');
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(repo, rel)), { recursive: true });
    await writeFile(path.join(repo, rel), text);
  }
  const out = path.join(dir, 'out');
  const result = await synthesize(repo, { out, config: { name: 'local/semverish', skipImage: true } });
  const trace = JSON.parse(await readFile(path.join(out, 'trace.json'), 'utf8')) as TraceJson;
  expect(trace.moduleLoadFunctions.filter((id) => id.includes(':compare'))).toEqual([]);
  const withCompare = result.rows.filter((row) => JSON.stringify(row).includes('compare'));
  expect(withCompare.length).toBeGreaterThan(0);
  const f2p = withCompare.flatMap((row) => (row as unknown as { FAIL_TO_PASS: string[] }).FAIL_TO_PASS);
  expect(f2p).toEqual(expect.arrayContaining([expect.stringContaining('sorts versions'), expect.stringContaining('compares two versions')]));
}, 300_000);
