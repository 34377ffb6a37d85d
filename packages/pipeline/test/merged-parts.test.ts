/**
 * The size floor's fallback. In a small node:test repository, `register` (one line) and `unregister`
 * (two) share a test, so the floor merges them into one step. An earlier test of that file counts on
 * the entry `register` left behind (a test that depends on the one before it, as real suites do):
 * stubbing `register` breaks it, so the merged step is rejected `p2p-broken-on-base`, and so would be
 * `register` alone. `unregister` alone verifies: without the fallback the merged step takes it down.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import type { ScheduleJson } from '@swe-flow/core';
import { synthesize } from '../src/index.js';

const REGISTRY = `export const registry = [];

/** How many names start with the prefix (all of them without one). */
export function count(prefix = '') {
  let n = 0;
  for (const name of registry) {
    if (name.startsWith(prefix)) n++;
  }
  return n;
}

export function register(name) {
  registry.push(name);
}

export function unregister(name) {
  const i = registry.indexOf(name);
  if (i >= 0) registry.splice(i, 1);
}
`;

// In file order: b registers, a counts what b left, c registers and unregisters. Test ids sort a, b, c.
const TESTS = `import { test } from 'node:test';
import assert from 'node:assert/strict';
import { count, register, registry, unregister } from '../src/registry.js';

test('b register adds a name', () => {
  register('alpha');
  assert.ok(registry.includes('alpha'));
});

test('a count sees the names registered before', () => {
  assert.equal(count('al'), 1);
});

test('c unregister removes a name', () => {
  register('beta');
  unregister('beta');
  assert.equal(registry.includes('beta'), false);
});
`;

let dir: string | undefined;
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

it('a merged step that fails verification is tried again as its parts, and the part that verifies is a task', async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'swf-merged-parts-'));
  const repo = path.join(dir, 'repo');
  await mkdir(path.join(repo, 'src'), { recursive: true });
  await mkdir(path.join(repo, 'test'));
  await writeFile(path.join(repo, 'package.json'), JSON.stringify({ name: 'merged-parts', version: '1.0.0', private: true, type: 'module', scripts: { test: 'node --test test/*.test.js' } }, null, 2));
  await writeFile(path.join(repo, 'src/registry.js'), REGISTRY);
  await writeFile(path.join(repo, 'test/registry.test.js'), TESTS);
  const out = path.join(dir, 'out');
  const result = await synthesize(repo, { out, config: { name: 'fixtures/merged-parts', skipImage: true, reruns: 2 } });

  // The floor merged register into unregister's step; its parts are numbered after the last step.
  const schedule = JSON.parse(await readFile(path.join(out, 'schedule.json'), 'utf8')) as ScheduleJson;
  const merged = schedule.steps.find((s) => s.nodesToDevelop.some((n) => n.endsWith(':unregister')))!;
  expect(merged.nodesToDevelop.map((n) => n.split(':').pop())).toEqual(['register', 'unregister']);
  expect(merged.parts?.map((p) => [p.step, p.nodesToDevelop.map((n) => n.split(':').pop())])).toEqual([
    [schedule.steps.length + 1, ['register']],
    [schedule.steps.length + 2, ['unregister']],
  ]);

  // The merged step is rejected; the part that verifies on its own is a task, the other part is rejected.
  const mergedReject = result.rejects.find((r) => r.step === merged.step)!;
  expect(mergedReject.reason).toBe('p2p-broken-on-base');
  expect(mergedReject.detail).toMatch(/tried again as its parts/);
  const developed = result.rows.map((r) => r.nodes_to_develop.map((n) => n.split(':').pop()).join('+')).sort();
  expect(developed).toEqual(['count', 'unregister']);
  const part = result.rows.find((r) => r.step === merged.parts![1]!.step)!;
  expect(part.FAIL_TO_PASS).toEqual(['test/registry.test.js > c unregister removes a name']);
  expect(part.PASS_TO_PASS).toContain('test/registry.test.js > a count sees the names registered before');
  expect(result.rejects.some((r) => r.step === merged.parts![0]!.step)).toBe(true);
  expect(result.summary?.counts.retriedParts).toEqual({ steps: 1, parts: 2, verified: 1 });
}, 240_000);
