/**
 * Tree batches on vitest before 3.2 (no inline projects): vitest 2 takes a generated workspace file on
 * its command line, vitest 1 reads a `vitest.workspace.mjs` written next to where it runs for the batch.
 * A tiny repository is installed with each version from the registry; its candidates must get the same
 * verdicts batched as tree by tree, with every tree (the original included) answered by a batch.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RejectRow } from '@swe-flow/core';
import { createLocalRuntime } from '@swe-flow/runtime';
import { getAdapter } from '@swe-flow/tracer';
import { changedFunctionsOf, testFunctionsFromTrace, verifyCandidates, type VerifyResult } from '../src/index.js';
import { fixtureCandidates } from './fixture-candidates.js';

const SOURCES: Record<string, string> = {
  'src/text.js': [
    'export function words(s) {',
    '  return String(s).split(/[^A-Za-z0-9]+/).filter(Boolean);',
    '}',
    '',
    'export function capitalize(w) {',
    '  return w.charAt(0).toUpperCase() + w.slice(1).toLowerCase();',
    '}',
    '',
    'export function titleCase(s) {',
    "  return words(s).map((w) => capitalize(w)).join(' ');",
    '}',
    '',
    'export function initials(s) {',
    "  return words(s).map((w) => w.charAt(0).toUpperCase() + '.').join('');",
    '}',
    '',
  ].join('\n'),
  'test/text.test.js': [
    "import { describe, expect, it } from 'vitest';",
    "import { capitalize, initials, titleCase, words } from '../src/text.js';",
    '',
    "describe('text', () => {",
    "  it('splits words', () => expect(words('hello, big world')).toEqual(['hello', 'big', 'world']));",
    "  it('capitalizes a word', () => expect(capitalize('hELLO')).toBe('Hello'));",
    "  it('title-cases a sentence', () => expect(titleCase('the quick fox')).toBe('The Quick Fox'));",
    "  it('takes initials', () => expect(initials('ada lovelace')).toBe('A.L.'));",
    '});',
    '',
  ].join('\n'),
};

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function signature(r: VerifyResult) {
  return {
    verified: r.verified.map((v) => ({ id: v.candidate.instanceId, f2p: v.failToPass, p2p: v.passToPass })),
    rejects: r.rejects.map((x: RejectRow) => ({ id: x.instance_id, reason: x.reason })),
  };
}

describe.each(['2.1.9', '1.6.1'])('tree batches with vitest %s', (version) => {
  it('give the verdicts of tree-by-tree runs through a workspace file', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), `swf-batch-vitest${version.split('.')[0]}-`));
    dirs.push(dir);
    const fixture = path.join(dir, 'fixture');
    const files = { ...SOURCES, 'package.json': JSON.stringify({ name: 'tiny-text', version: '1.0.0', private: true, type: 'module', scripts: { test: 'vitest run' }, devDependencies: { vitest: version } }, null, 2) };
    for (const [file, text] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(fixture, file)), { recursive: true });
      await writeFile(path.join(fixture, file), text);
    }
    const { src, traced, schedule, candidates, taskRepo } = await fixtureCandidates(fixture, dir, 'vitest', 10, ['package.json', 'src', 'test']);
    const base = {
      runtime: createLocalRuntime(), adapter: getAdapter('vitest'), taskRepo, dependenciesDir: src, reruns: 2, workers: 1,
      testFunctions: testFunctionsFromTrace(traced), changedFunctions: changedFunctionsOf(schedule, traced.moduleLoadFunctions),
    };
    const oneByOne = await verifyCandidates(candidates, { ...base, batch: false });
    const batched = await verifyCandidates(candidates, { ...base, batch: true });

    expect(oneByOne.verified.length).toBeGreaterThanOrEqual(3);
    expect(signature(batched)).toEqual(signature(oneByOne));
    expect(batched.stats.batches).toBeGreaterThanOrEqual(1);
    expect(batched.stats.batchedTrees).toBe(batched.stats.treeRuns);
  }, 600_000);
});
