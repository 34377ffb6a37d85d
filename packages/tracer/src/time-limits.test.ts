import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { baseTestTimeout, traceTimeLimitApplies } from './time-limits.js';

const fileOf = (id: string) => id.split(' > ')[0]!;
const durations = new Map([
  ['a.test.js > fast', 20],
  ['a.test.js > slow', 900],
  ['b.test.js > one', 300],
  ['b.test.js > two', 400],
]);
const limit = { factor: 5, floorMs: 1000 };

describe('baseTestTimeout', () => {
  it.each([
    ['the floor when every test is fast', ['a.test.js > fast'], 'test', 1000],
    ['factor times the slowest test', ['a.test.js > fast', 'a.test.js > slow'], 'test', 4500],
    ['per file: factor times the slowest file, its tests summed', ['a.test.js > fast', 'b.test.js > one', 'b.test.js > two'], 'file', 5000],
    ['per file: at least five floors', ['a.test.js > fast'], 'file', 5000],
  ] as const)('%s', (_what, ids, scope, expected) => {
    expect(baseTestTimeout(ids, durations, scope, limit, fileOf)).toBe(expected);
  });

  it('per file with a lower floor: factor times the longest file', () => {
    expect(baseTestTimeout(['a.test.js > slow', 'a.test.js > fast', 'b.test.js > one'], durations, 'file', { factor: 5, floorMs: 200 }, fileOf)).toBe(4600);
  });

  it('leaves the repository limits when a test has no traced duration, or the factor is 0', () => {
    expect(baseTestTimeout(['a.test.js > fast', 'c.test.js > new'], durations, 'test', limit, fileOf)).toBeUndefined();
    expect(baseTestTimeout(['a.test.js > slow'], durations, 'test', { factor: 0, floorMs: 1000 }, fileOf)).toBeUndefined();
  });
});

describe('traceTimeLimitApplies', () => {
  /** A checkout whose node_modules holds the given packages at the given versions. */
  async function checkout(installed: Record<string, string>): Promise<string> {
    const root = await mkdtemp(path.join(os.tmpdir(), 'swf-limit-'));
    await writeFile(path.join(root, 'package.json'), '{}');
    for (const [pkg, version] of Object.entries(installed)) {
      await mkdir(path.join(root, 'node_modules', pkg), { recursive: true });
      await writeFile(path.join(root, 'node_modules', pkg, 'package.json'), JSON.stringify({ name: pkg, version }));
    }
    return root;
  }

  it('vitest, mocha and ava always; tape, uvu, jasmine, node-tap and node:test never', async () => {
    for (const runner of ['vitest', 'mocha', 'ava']) expect(await traceTimeLimitApplies(runner, '/nonexistent'), runner).toBe(true);
    for (const runner of ['tape', 'uvu', 'jasmine', 'tap', 'node-test']) expect(await traceTimeLimitApplies(runner, '/nonexistent'), runner).toBe(false);
  });

  it('jest from 24.9 (its CLI has --testTimeout), read from jest or else jest-cli; not without an installed jest', async () => {
    const roots = await Promise.all([checkout({ jest: '24.8.0' }), checkout({ jest: '24.9.0' }), checkout({ jest: '29.7.0' }), checkout({ 'jest-cli': '25.1.0' }), checkout({})]);
    try {
      expect(await Promise.all(roots.map((r) => traceTimeLimitApplies('jest', r)))).toEqual([false, true, true, true, false]);
    } finally {
      await Promise.all(roots.map((r) => rm(r, { recursive: true, force: true })));
    }
  });
});
