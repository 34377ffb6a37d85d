import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtOutputImports, isBuildCommand, readTestScript, shellWords, splitCommands } from '../src/index.js';

const scripts = (s: Record<string, string>) => ({ name: 'x', scripts: s });

/** Writes `texts` (repo-relative path -> text) into a temporary checkout and hands `body` a reader of it. */
async function withFiles(texts: Record<string, string>, body: (read: (file: string) => Promise<string | undefined>) => Promise<void>): Promise<void> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'swf-built-'));
  try {
    for (const [file, text] of Object.entries(texts)) {
      await mkdir(path.dirname(path.join(root, file)), { recursive: true });
      await writeFile(path.join(root, file), text);
    }
    await body((f) => readFile(path.join(root, f), 'utf8').catch(() => undefined));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

describe('reading the test script', () => {
  it('splits commands outside quotes and keeps quoted words whole', () => {
    expect(splitCommands(`npm run build && TZ="Asia/Tokyo" jest; echo 'a && b' || true`)).toEqual(['npm run build', 'TZ="Asia/Tokyo" jest', `echo 'a && b'`, 'true']);
    expect(shellWords(`cross-env TZ="Asia/Tokyo" NODE_OPTIONS='--max-old-space-size=4096' jest --ci`)).toEqual(['cross-env', 'TZ=Asia/Tokyo', 'NODE_OPTIONS=--max-old-space-size=4096', 'jest', '--ci']);
  });

  it('carries env assignments written with cross-env, env, or bare', () => {
    expect(readTestScript(scripts({ test: 'cross-env TZ=UTC jest' })).runs).toEqual([{ env: { TZ: 'UTC' }, command: 'jest', selectsFiles: false, files: [], args: [] }]);
    expect(readTestScript(scripts({ test: 'NODE_ENV=test mocha --recursive' })).runs).toEqual([{ env: { NODE_ENV: 'test' }, command: 'mocha --recursive', selectsFiles: false, files: [], args: ['--recursive'] }]);
    expect(readTestScript(scripts({ test: 'env FOO=1 BAR=two ava' })).runs).toEqual([{ env: { FOO: '1', BAR: 'two' }, command: 'ava', selectsFiles: false, files: [], args: [] }]);
    expect(readTestScript(scripts({ test: 'nyc --reporter=lcov mocha' })).runs).toEqual([{ env: {}, command: 'nyc --reporter=lcov mocha', selectsFiles: false, files: [], args: [] }]);
    expect(readTestScript(scripts({ test: 'node --test test/' })).runs).toHaveLength(1);
  });

  it('follows npm/yarn/pnpm script calls and lists every run with its own environment', () => {
    const facts = readTestScript(scripts({ test: 'npm run test:utc && npm run test:tokyo', 'test:utc': 'cross-env TZ=UTC jest', 'test:tokyo': 'cross-env TZ=Asia/Tokyo jest' }));
    expect(facts.runs.map((r) => r.env)).toEqual([{ TZ: 'UTC' }, { TZ: 'Asia/Tokyo' }]);
    // dayjs: timezone-only runs under several zones, then the whole suite.
    const dayjs = readTestScript(scripts({ test: 'cross-env TZ=Pacific/Auckland npm run test-tz && npm run test-tz && jest --coverage --coverageThreshold="{ \\"global\\": { \\"lines\\": 100} }"', 'test-tz': 'date && jest test/timezone.test --coverage=false' }));
    expect(dayjs.runs.map((r) => [r.env, r.selectsFiles])).toEqual([[{ TZ: 'Pacific/Auckland' }, true], [{}, true], [{}, false]]);
    expect(readTestScript(scripts({ test: 'mocha -r @babel/register --timeout 5000' })).runs[0]!.selectsFiles).toBe(false);
    // ws: the spec files are on mocha's command line only.
    expect(readTestScript(scripts({ test: 'nyc --reporter=lcov --reporter=text mocha --throw-deprecation test/*.test.js' })).runs[0]!.files).toEqual(['test/*.test.js']);
    expect(readTestScript(scripts({ test: 'cross-env NODE_ENV=test yarn unit', unit: 'TZ=UTC mocha' })).runs).toEqual([{ env: { NODE_ENV: 'test', TZ: 'UTC' }, command: 'mocha', selectsFiles: false, files: [], args: [] }]);
  });

  it('follows npm-run-all, run-s and run-p to the scripts they name, patterns too', () => {
    // ramda: the suite is one of two scripts run in parallel, with its own environment and mocha options.
    const ramda = readTestScript(scripts({ test: 'npm-run-all --parallel spec lint', spec: 'cross-env BABEL_ENV=cjs mocha --require @babel/register --reporter spec', lint: 'eslint source/*.js' }));
    expect(ramda.runs).toEqual([{ env: { BABEL_ENV: 'cjs' }, command: 'mocha --require @babel/register --reporter spec', selectsFiles: false, files: [], args: ['--require', '@babel/register', '--reporter', 'spec'] }]);
    const patterns = readTestScript(scripts({ test: 'run-s build "test:* -- --bail"', build: 'tsc -p .', 'test:unit': 'NODE_ENV=test mocha', 'test:unit:slow': 'jest', lint: 'eslint .' }));
    expect(patterns.build).toEqual(['tsc -p .']);
    expect(patterns.runs.map((r) => [r.env, r.command])).toEqual([[{ NODE_ENV: 'test' }, 'mocha']]);
    expect(readTestScript(scripts({ test: 'run-p --max-parallel 2 "t:**"', 't:a': 'ava', 't:b:c': 'tape test/*.js' })).runs.map((r) => r.command)).toEqual(['ava', 'tape test/*.js']);
    // validator.js: a build through run-p runs whole (its browser build calls `npm run minify`, which no word marks as a build).
    const validator = readTestScript(scripts({ pretest: 'npm run build && npm run lint', build: 'run-p build:*', 'build:browser': 'node --require @babel/register build-browser && npm run minify', minify: 'uglifyjs validator.js -o validator.min.js', 'build:node': 'babel src -d .', lint: 'eslint src', test: 'nyc mocha --require @babel/register' }));
    expect(validator.build).toEqual(['run-p build:*']);
    expect(validator.runs.map((r) => r.command)).toEqual(['nyc mocha --require @babel/register']);
  });

  it('takes build steps from pretest and before the first run, not lint or later steps', () => {
    const facts = readTestScript(scripts({ pretest: 'npm run lint && npm run build', lint: 'eslint .', build: 'tsc -p .', test: 'tsc --noEmit && mocha && npm run build:docs', 'build:docs': 'typedoc' }));
    expect(facts.build).toEqual(['tsc -p .']);
    expect(readTestScript(scripts({ test: 'npm run build && mocha', build: 'rollup -c' })).build).toEqual(['rollup -c']);
    expect(readTestScript(scripts({ test: 'jest' })).build).toEqual([]);
  });

  it('tells build commands (tshy, tsdown, pkgroll, swc too) from lint and type-checks', () => {
    for (const c of ['tshy', 'tsdown', 'pkgroll --clean-dist', 'swc src -d lib', 'tsc -p .', 'npm run build']) expect(isBuildCommand(c), c).toBe(true);
    for (const c of ['tsc --noEmit', 'eslint .', 'npm run typecheck', 'mocha', 'prettier --check .']) expect(isBuildCommand(c), c).toBe(false);
  });

  it('finds build output folders the tests import but the repository lacks', async () => {
    await withFiles({
      'test/a.test.js': "const lib = require('../dist/index.js');\nimport x from '../src/x';\n",
      'test/b.test.js': "const own = require('../lib/util');\n",
    }, async (read) => {
      const files = ['src/x.js', 'lib/util.js', 'test/a.test.js', 'test/b.test.js'];
      expect(await builtOutputImports(files, read)).toEqual(['dist']);
      expect(await builtOutputImports(['src/x.js', 'test/b.test.js', 'lib/util.js'], read)).toEqual([]);
    });
  });

  it('counts only the files the runner runs, and the package entry a test loads with require("..")', async () => {
    await withFiles({
      // unjs/destr: a benchmark kept in test/ reads dist/, the tests read src/
      'test/bench.mjs': "import { destr } from '../dist/index.mjs';\n",
      'test/index.test.ts': "import { destr } from '../src';\n",
      // mde/ejs: the tests load the package, whose main a build makes
      'test/ejs.js': "var ejs = require('..');\n",
    }, async (read) => {
      const files = ['src/index.ts', 'test/bench.mjs', 'test/index.test.ts'];
      expect(await builtOutputImports(files, read)).toEqual(['dist']);
      expect(await builtOutputImports(files, read, { tests: ['test/index.test.ts'] })).toEqual([]);
      const ejs = ['lib/esm/ejs.js', 'test/ejs.js'];
      expect(await builtOutputImports(ejs, read, { packageJson: { main: './lib/cjs/ejs.js' } })).toEqual(['lib/cjs/ejs.js']);
      expect(await builtOutputImports(ejs, read, { packageJson: { main: './lib/esm/ejs.js' } })).toEqual([]);
      expect(await builtOutputImports(ejs, read, { packageJson: { exports: { '.': { import: './lib/esm/ejs.js', require: './lib/cjs/ejs.js' } } } })).toEqual(['lib/cjs/ejs.js']);
    });
  });
});
