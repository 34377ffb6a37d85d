/**
 * Tree batches on vitest before 3.2 (no inline projects): vitest 2 takes a generated workspace file on
 * its command line, vitest 1 reads a `vitest.workspace.mjs` written next to where it runs for the batch
 * (vitest 4, with inline projects, for comparison).
 * A tiny repository is installed with each version from the registry; its candidates must get the same
 * verdicts batched as tree by tree, with every tree (the original included) answered by a batch.
 * With the stub's error known, vitest >= 2 batches share workers between trees (one project without
 * per-file isolation, a tree per test file); a repository config applies per tree there: its include
 * patterns, an alias to an absolute path of the repository's own source and a setup file that imports it
 * must reach the tree's (stubbed) copy, or the verdicts would differ from tree-by-tree runs.
 * A test that swallows the stub's error fails on its base without it: its tree must run again alone.
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
  // Fails on capitalize's base with an assertion error, not the stub's.
  'test/safe.test.js': [
    "import { expect, it } from 'vitest';",
    "import { capitalize } from '../src/text.js';",
    '',
    "it('capitalizes or gives nothing', () => {",
    "  let out;",
    "  try { out = capitalize('wORLD'); } catch { out = ''; }",
    "  expect(out).toBe('World');",
    '});',
    '',
  ].join('\n'),
};

const CONFIG = [
  "import path from 'node:path';",
  "import { fileURLToPath } from 'node:url';",
  'const here = path.dirname(fileURLToPath(import.meta.url));',
  "export default { test: { include: ['test/**/*.test.js'], alias: { '#text': path.join(here, 'src/text.js') }, setupFiles: ['./test/setup.js'] } };",
  '',
].join('\n');

/** With the config: a test through the alias, and one through what the setup file imported. */
const CONFIG_FILES: Record<string, string> = {
  'vitest.config.js': CONFIG,
  'test/setup.js': "import { words } from '../src/text.js';\nglobalThis.splitWords = words;\n",
  'test/alias.test.js': [
    "import { expect, it } from 'vitest';",
    "import { initials } from '#text';",
    '',
    "it('takes initials through the alias', () => expect(initials('grace hopper')).toBe('G.H.'));",
    "it('splits through the setup file', () => expect(globalThis.splitWords('a b')).toEqual(['a', 'b']));",
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

describe.each([
  ['2.1.9', false],
  ['2.1.9', true],
  ['4.1.12', true],
  // The vitest change-case uses: no --maxWorkers on its command line.
  ['1.0.1', false],
  // vitest >= 3.2 batches through inline projects; sharing runs the plain command, as on vitest 2.
  ['4.1.12', false],
] as const)('tree batches with vitest %s (config file: %s)', (version, withConfig) => {
  it('give the verdicts of tree-by-tree runs, also when sharing workers', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), `swf-batch-vitest${version.split('.')[0]}-`));
    dirs.push(dir);
    const fixture = path.join(dir, 'fixture');
    const files = { ...SOURCES, ...(withConfig ? CONFIG_FILES : {}), 'package.json': JSON.stringify({ name: 'tiny-text', version: '1.0.0', private: true, type: 'module', scripts: { test: 'vitest run' }, devDependencies: { vitest: version } }, null, 2) };
    for (const [file, text] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(fixture, file)), { recursive: true });
      await writeFile(path.join(fixture, file), text);
    }
    const { src, traced, schedule, candidates, taskRepo } = await fixtureCandidates(fixture, dir, 'vitest', 10, ['package.json', 'src', 'test', ...(withConfig ? ['vitest.config.js'] : [])]);
    const base = {
      runtime: createLocalRuntime(), adapter: getAdapter('vitest'), taskRepo, dependenciesDir: src, reruns: 2, workers: 1,
      testFunctions: testFunctionsFromTrace(traced), changedFunctions: changedFunctionsOf(schedule, traced.moduleLoadFunctions),
    };
    const oneByOne = await verifyCandidates(candidates, { ...base, batch: false });
    const batched = await verifyCandidates(candidates, { ...base, batch: true });
    const shared = await verifyCandidates(candidates, { ...base, batch: true, stubMarker: 'Not implemented: ' });

    expect(oneByOne.verified.length).toBeGreaterThanOrEqual(3);
    // The swallowed stub error makes capitalize's task verify with both test files failing on base.
    const capitalize = oneByOne.verified.find((v) => v.failToPass.includes('test/safe.test.js > capitalizes or gives nothing'));
    expect(capitalize?.failToPass).toContain('test/text.test.js > text > capitalizes a word');
    // Runs one by one go through a warm session from vitest 3 on; before it, plain runs without trying one.
    if (version.startsWith('4.')) expect(oneByOne.stats.sessionRuns).toBeGreaterThan(0);
    else expect([oneByOne.stats.sessionRuns, oneByOne.stats.sessionFailures]).toEqual([0, 0]);
    expect(signature(batched)).toEqual(signature(oneByOne));
    expect(batched.stats.batches).toBeGreaterThanOrEqual(1);
    expect(batched.stats.batchedTrees).toBe(batched.stats.treeRuns);
    expect(batched.stats.sharedBatches).toBe(0);

    expect(signature(shared)).toEqual(signature(oneByOne));
    if (withConfig) {
      // The setup file's import and the alias reached each tree's own (stubbed) copy.
      const viaSetup = oneByOne.verified.find((v) => v.failToPass.includes('test/alias.test.js > splits through the setup file'));
      expect(viaSetup?.candidate.nodesToDevelop.some((id) => id.endsWith(':words'))).toBe(true);
      expect(oneByOne.verified.some((v) => v.failToPass.includes('test/alias.test.js > takes initials through the alias'))).toBe(true);
      // ... in batches that shared workers with the config applied per tree (no fallback to projects).
      expect(shared.stats.sharedBatchFallbacks).toBe(0);
    }
    if (version.startsWith('1.')) {
      expect(shared.stats.sharedBatches).toBe(0);
      expect(shared.stats.batchDoubtTrees).toBe(0);
    } else {
      expect(shared.stats.sharedBatches).toBe(shared.stats.batches);
      expect(shared.stats.batches).toBeGreaterThanOrEqual(1);
      // The bases on which the swallowing test fails (capitalize's, isolated and incremental) failed
      // without the stub's error in the batch: they ran again alone; the rest were answered by the batch.
      const swallowing = new Set(oneByOne.verified.filter((v) => v.failToPass.includes('test/safe.test.js > capitalizes or gives nothing')).map((v) => v.candidate.baseCommit));
      expect(swallowing.size).toBeGreaterThanOrEqual(1);
      expect(shared.stats.batchDoubtTrees).toBe(swallowing.size);
      expect(shared.stats.batchedTrees).toBe(batched.stats.batchedTrees - swallowing.size);
    }
  }, 600_000);
});
