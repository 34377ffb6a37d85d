import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFixture, type TempRepo } from './adapters/runner-kit.testing.js';
import { mapBuiltFile } from './instrument/built-map.js';
import { locateFunctions } from '@swe-flow/skeleton';
import { trace } from './trace.js';

/** Every function id the tests' edges name, by the file part of the id. */
function calledFiles(t: Awaited<ReturnType<typeof trace>>): Set<string> {
  const files = new Set<string>();
  for (const test of t.tests) for (const [, callee] of test.edges) files.add(callee.replace(/:\d+:\d+:.*$/, ''));
  return files;
}

describe('tests that run build output (fixtures/build-output: tsc with source maps into dist/, tests import dist/)', () => {
  let repo: TempRepo;
  beforeAll(async () => {
    repo = await copyFixture('build-output');
    await execa('npm', ['run', 'build'], { cwd: repo.root });
  }, 180_000);
  afterAll(async () => repo?.dispose());

  it('records the source functions the built code was compiled from, and nothing without the build output named', async () => {
    const mapped = await trace({ root: repo.root, runner: 'node-test', skipUntraced: true, builtOutput: [{ dir: 'dist', map: 'source-map' }] });
    const slugify = mapped.tests.find((t) => t.id === 'test/slug.test.js > slugify cuts at a word boundary');
    expect(slugify?.edges).toEqual(
      expect.arrayContaining([
        ['test/slug.test.js:10:41:<anonymous>', 'src/slug.ts:10:8:slugify', 1],
        ['src/slug.ts:10:8:slugify', 'src/words.ts:2:8:splitWords', 1],
      ]),
    );
    // Built functions are never recorded under their dist/ ids; the manifest is the sources'.
    expect([...calledFiles(mapped)].filter((f) => f.startsWith('dist/'))).toEqual([]);
    expect(Object.keys(mapped.functions)).toEqual(expect.arrayContaining(['src/slug.ts', 'src/words.ts']));
    expect(mapped.functions['src/slug.ts']?.map((f) => f.name)).toEqual(expect.arrayContaining(['slugify', 'SlugRegistry#register']));

    const plain = await trace({ root: repo.root, runner: 'node-test', skipUntraced: true });
    expect([...calledFiles(plain)].filter((f) => f.startsWith('src/'))).toEqual([]);
  }, 180_000);
});

describe('a plain transpile without source maps (same-names map)', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'sweflow-same-names-'));
    const files: Record<string, string> = {
      'lib/esm/util.js': ['export function pad(s, n) {', "  return s.padStart(n, ' ');", '}', 'export const twice = (x) => [x, x].map((y) => y);', ''].join('\n'),
      // What a transpile to CommonJS makes of it: helpers first, lines moved.
      'lib/cjs/util.js': ['"use strict";', 'var __helper = function () { return 1; };', 'exports.twice = void 0;', 'exports.pad = pad;', 'function pad(s, n) {', "    return s.padStart(n, ' ');", '}', 'var twice = function (x) { return [x, x].map(function (y) { return y; }); };', 'exports.twice = twice;', ''].join('\n'),
    };
    for (const [rel, text] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
      await writeFile(path.join(root, rel), text);
    }
  });
  afterAll(async () => rm(root, { recursive: true, force: true }));

  it('maps each built function to the source function of the same qualified name, in order; helpers the build adds to none', async () => {
    const abs = path.join(root, 'lib/cjs/util.js');
    const code = await readFile(abs, 'utf8');
    const map = mapBuiltFile(code, abs, root, { dir: 'lib/cjs', map: 'same-names', from: 'lib/esm' });
    expect(map?.source).toBe('lib/esm/util.js');
    const ids = locateFunctions(code, 'lib/cjs/util.js').map((f) => [f.name, map?.idOf(f)]);
    expect(ids).toEqual([
      ['__helper', undefined],
      ['pad', 'lib/esm/util.js:1:8:pad'],
      ['twice', 'lib/esm/util.js:4:22:twice'],
      ['twice/<anonymous>', 'lib/esm/util.js:4:40:twice/<anonymous>'],
    ]);
  });
});
