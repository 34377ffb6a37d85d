/**
 * A FAIL_TO_PASS test that throws on base skips its own clean-up (`delete process.env.X` after the
 * assertion), and a later PASS_TO_PASS test in the same node:test process then takes the env-driven path
 * into the stub. The trace of the original is right (there the variable is always cleaned up); the
 * PASS_TO_PASS test does not need the stubbed function. Seen on tj/commander.js (options.env and
 * command.parse tests, steps 69/84/87). Verification must not reject such a step as p2p-broken-on-base.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalRuntime } from '@swe-flow/runtime';
import { getAdapter } from '@swe-flow/tracer';
import { verifyCandidates, type Candidate } from '../src/index.js';
import { inlineCandidates } from './inline-candidates.js';

const FILES: Record<string, string> = {
  'package.json': JSON.stringify({ name: 'leak', version: '1.0.0', private: true, type: 'module', scripts: { test: 'node --test test/*.test.js' } }, null, 2) + '\n',
  'src/lib.js': [
    'export function fromEnv(value) {',
    '  const trimmed = String(value).trim().toLowerCase();',
    "  if (trimmed === '') return 'env:empty';",
    '  return `env:${trimmed}`;',
    '}',
    '',
    'export function read() {',
    '  const value = process.env.SWF_LEAK_FLAG;',
    "  return value ? fromEnv(value) : 'default';",
    '}',
    '',
  ].join('\n'),
  'test/lib.test.js': [
    "import { test } from 'node:test';",
    "import assert from 'node:assert/strict';",
    "import { read } from '../src/lib.js';",
    '',
    "test('reads the variable when it is set', () => {",
    "  process.env.SWF_LEAK_FLAG = 'on';",
    "  assert.equal(read(), 'env:on');",
    '  delete process.env.SWF_LEAK_FLAG;',
    '});',
    '',
    "test('reads the default when the variable is unset', () => {",
    "  assert.equal(read(), 'default');",
    '});',
    '',
  ].join('\n'),
};

let dir: string;
let candidates: Candidate[];
let src: string;

beforeAll(async () => {
  ({ dir, src, candidates } = await inlineCandidates({ prefix: 'swf-verify-leak-', name: 'leak', files: FILES, runner: 'node-test' }));
}, 300_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('verifyCandidates: state leaked by a test failing on base', () => {
  it('keeps a step whose PASS_TO_PASS test fails on base only after a failing FAIL_TO_PASS test of its file', async () => {
    const unset = 'test/lib.test.js > reads the default when the variable is unset';
    const set = 'test/lib.test.js > reads the variable when it is set';
    // The schedule the scenario needs: read() first, then fromEnv() with the default test as PASS_TO_PASS.
    const step = candidates.find((c) => c.failToPass.includes(set));
    expect(step).toBeDefined();
    expect(step!.passToPass).toEqual([unset]);
    expect(step!.nodesToDevelop.some((id) => id.endsWith(':fromEnv'))).toBe(true);

    const r = await verifyCandidates(candidates, {
      runtime: createLocalRuntime(), adapter: getAdapter('node-test'), taskRepo: path.join(dir, 'task-repo.git'),
      dependenciesDir: src, reruns: 1, warm: false, workers: 1, fullPassToPass: true,
    });
    expect(r.rejects.filter((x) => x.reason === 'p2p-broken-on-base')).toEqual([]);
    const verified = r.verified.find((v) => v.candidate.instanceId === step!.instanceId);
    expect(verified?.failToPass).toEqual([set]);
    expect(verified?.passToPass).toEqual([unset]);
    // The base run together did fail the PASS_TO_PASS test (the leak is real), and alone it passed.
    expect(r.stats.passToPassRecheckedAlone).toBe(1);
    expect(r.stats.passToPassPassingAlone).toBe(1);
  }, 600_000);
});
