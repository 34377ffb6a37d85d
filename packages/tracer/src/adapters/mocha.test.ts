import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mochaAdapter } from './mocha.js';
import { describeAdapterOnFixture, FIXTURE_RUNS } from './runner-kit.suite.js';
import { esmHooksEnv, needsEsmHooks } from './runner-kit.js';
import { mochaRunArgs, readMochaOptsWords, splitMochaArgs } from './mocha-options.js';

describeAdapterOnFixture(mochaAdapter, FIXTURE_RUNS['mocha-cjs']);

describe('ES module hooks in traced runs', () => {
  const facts = (packageJson: Record<string, unknown>, files: string[]) => ({ root: '/nonexistent', packageJson, files });
  it('are off for a CommonJS-only repository and on when anything can load as ESM', async () => {
    expect(await needsEsmHooks(facts({ name: 'x' }, ['package.json', 'index.js', 'test/a.js', 'node_modules/m/x.mjs']))).toBe(false);
    expect(await esmHooksEnv(facts({ name: 'x' }, ['package.json', 'index.js']))).toEqual({ SWEFLOW_ESM_HOOKS: '0' });
    expect(await needsEsmHooks(facts({ name: 'x', type: 'module' }, ['package.json', 'index.js']))).toBe(true);
    expect(await needsEsmHooks(facts({ name: 'x' }, ['package.json', 'lib/a.mjs']))).toBe(true);
    expect(await needsEsmHooks(facts({ name: 'x' }, ['package.json', 'src/a.ts']))).toBe(true);
    // A nested package.json that cannot be read might say "type": "module".
    expect(await needsEsmHooks(facts({ name: 'x' }, ['package.json', 'sub/package.json', 'sub/a.js']))).toBe(true);
  });

  it('read nested package.json files for their "type"', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'sweflow-esm-hooks-'));
    try {
      await mkdir(path.join(root, 'bench'), { recursive: true });
      await writeFile(path.join(root, 'bench', 'package.json'), JSON.stringify({ private: true }));
      const files = ['package.json', 'bench/package.json', 'bench/a.js', 'index.js'];
      expect(await needsEsmHooks({ root, packageJson: { name: 'x' }, files })).toBe(false);
      await writeFile(path.join(root, 'bench', 'package.json'), JSON.stringify({ type: 'module' }));
      expect(await needsEsmHooks({ root, packageJson: { name: 'x' }, files })).toBe(true);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe("mocha's command line in a test script", () => {
  it('tells spec files from option values with mocha\'s own table, and drops what swe-flow sets itself', () => {
    // expressjs/express: `-r test/support/env` is a module to require, not a spec folder.
    expect(splitMochaArgs(['--require', 'test/support/env', '--reporter', 'spec', '--check-leaks', 'test/', 'test/acceptance/'])).toEqual({
      files: ['test/', 'test/acceptance/'],
      options: ['--require', 'test/support/env', '--check-leaks'],
    });
    expect(splitMochaArgs(['--u', 'tdd'])).toEqual({ files: [], options: ['--u', 'tdd'] });
    expect(splitMochaArgs(['-u', 'tdd', '--timeout=5000', '-R', 'dot', '--spec', 'a.js', '--spec=b.js', '-b', '--exit', '--recursive'])).toEqual({
      files: ['a.js', 'b.js'],
      options: ['-u', 'tdd', '--timeout=5000', '--exit', '--recursive'],
    });
    expect(splitMochaArgs(['--parallel', '--jobs', '4', '--grep', 'slow', '--watch', 'test/*.mjs'])).toEqual({ files: ['test/*.mjs'], options: [] });
  });

  it('falls back to the conventional test files when nothing names a spec (node-fs-extra starts mocha from its own test.js)', () => {
    const files = ['package.json', 'test.js', 'lib/index.js', 'lib/copy/__tests__/copy.test.js', 'lib/move/__tests__/move.test.js', 'docs/x.md'];
    const facts = (more: string[], packageJson: Record<string, unknown> = { name: 'x' }) => ({ root: '/nonexistent', packageJson, files: [...files, ...more] });
    expect(mochaRunArgs(facts([]), [])).toEqual({ files: ['lib/**/*.{test,spec}.{js,cjs,mjs}'], options: [] });
    // mocha's own default (./test) or config finds the specs: nothing added.
    expect(mochaRunArgs(facts(['test/a.js']), []).files).toEqual([]);
    expect(mochaRunArgs(facts(['.mocharc.json']), []).files).toEqual([]);
    expect(mochaRunArgs(facts([]), ['--timeout', '30000', 'lib/copy']).files).toEqual(['lib/copy']);
  });

  it('reads the words of a mocha.opts file', () => {
    expect(readMochaOptsWords('--ui tdd\n# a comment\n--reporter spec\n  --check-leaks  \n')).toEqual(['--ui', 'tdd', '--reporter', 'spec', '--check-leaks']);
  });
});
