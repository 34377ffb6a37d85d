/**
 * What the test script says, end to end through synthesize's prepare and trace on a real mocha
 * repository: its env assignments reach the untraced and traced runs and the task's test command, the
 * first of two runs under different environments is taken and named, a pretest build runs before the
 * tests that read its output (the repository's `build` script when nothing else names one), and tests
 * reading a build output nobody makes stop with an error that names the config key. The runner's own command line too: mocha's options (`--ui tdd`, `-r setup`) from the
 * script or from a `test/mocha.opts` mocha 8+ ignores, and node:test's file globs, reach both runs.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCodes } from '@swe-flow/core';
import { synthesize } from '../src/index.js';
import { noPassingTests } from '../src/stages/trace.js';

const dirs: string[] = [];

async function repo(scripts: Record<string, string>): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'swf-test-script-'));
  dirs.push(root);
  const files: Record<string, string> = {
    'package.json': JSON.stringify({ name: 'clock', version: '1.0.0', private: true, scripts, devDependencies: { mocha: '11.7.5' } }, null, 2),
    '.gitignore': 'dist/\nnode_modules/\n',
    'src/clock.js': "function zone() {\n  return process.env.TZ || 'local';\n}\nfunction label(name) {\n  return `${name} (${zone()})`;\n}\nmodule.exports = { zone, label };\n",
    // Not a spec (ws keeps its autobahn server here): only the script's `test/*.test.js` keeps mocha from loading it.
    'test/server.js': "throw new Error('not a spec: loaded only when mocha runs every file in test/');\n",
    'build.js': "const fs = require('fs');\nfs.mkdirSync('dist', { recursive: true });\nfs.copyFileSync('src/clock.js', 'dist/clock.js');\n",
    'test/clock.test.js': "const assert = require('assert');\nconst { zone, label } = require('../dist/clock.js');\ndescribe('clock', () => {\n  it('runs in the zone the test script sets', () => assert.strictEqual(zone(), 'Asia/Tokyo'));\n  it('labels with the zone', () => assert.strictEqual(label('x'), 'x (Asia/Tokyo)'));\n});\n",
  };
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    await writeFile(path.join(root, rel), text);
  }
  return root;
}

afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('the test script in synth', () => {
  it('builds first, runs every test run under the chosen run’s environment and spec files, and says which run it took', async () => {
    const root = await repo({ pretest: 'node build.js', test: 'cross-env TZ=Asia/Tokyo mocha test/*.test.js && cross-env TZ=UTC mocha test/*.test.js' });
    const out = path.join(root, '..', `${path.basename(root)}-out`);
    dirs.push(out);
    const result = await synthesize(root, { out, stopAfter: 'trace', config: { name: 'local/clock' } });
    expect(result.completed).toBe('trace');
    const repoJson = JSON.parse(await readFile(path.join(out, 'repo.json'), 'utf8'));
    expect(repoJson.testEnv).toEqual({ TZ: 'Asia/Tokyo' });
    expect(repoJson.build).toEqual(['node build.js']);
    expect(repoJson.testRunNote).toMatch(/runs the suite 2 times .*run 0 was taken \(TZ=Asia\/Tokyo\).*testRun/);
    expect(repoJson.specFiles).toEqual(['test/*.test.js']);
    expect(repoJson.testCommand).toMatch(/^TZ=Asia\/Tokyo [\s\S]* 'test\/\*\.test\.js'$/);
    const trace = JSON.parse(await readFile(path.join(out, 'trace.json'), 'utf8'));
    // Both tests pass only with the build made and TZ set, in the untraced and the traced run alike.
    expect(trace.tests.map((t: { id: string; status: string }) => `${t.id}: ${t.status}`)).toEqual([
      'test/clock.test.js > clock > labels with the zone: passed',
      'test/clock.test.js > clock > runs in the zone the test script sets: passed',
    ]);
    expect(trace.excluded).toEqual([]);
  });

  it('runs the repository’s build script when the tests read its output and neither the test script nor the config names a build', async () => {
    const root = await repo({ build: 'node build.js', test: 'cross-env TZ=Asia/Tokyo mocha test/*.test.js' });
    const out = path.join(root, '..', `${path.basename(root)}-out`);
    dirs.push(out);
    await synthesize(root, { out, stopAfter: 'trace', config: { name: 'local/clock' } });
    const repoJson = JSON.parse(await readFile(path.join(out, 'repo.json'), 'utf8'));
    expect(repoJson.build).toEqual(['npm run build']);
    expect(repoJson.buildNote).toMatch(/the tests read dist\/, which the repository does not contain: its "build" script builds it/);
    const trace = JSON.parse(await readFile(path.join(out, 'trace.json'), 'utf8'));
    expect(trace.tests.map((t: { status: string }) => t.status)).toEqual(['passed', 'passed']);
  });

  it('stops with SWEFLOW_BUILD_REQUIRED naming "build" when the tests read a dist/ nothing makes', async () => {
    const root = await repo({ test: 'cross-env TZ=Asia/Tokyo mocha test/*.test.js' });
    const out = path.join(root, '..', `${path.basename(root)}-out`);
    dirs.push(out);
    const run = synthesize(root, { out, stopAfter: 'trace', config: { name: 'local/clock' } });
    await expect(run).rejects.toMatchObject({ code: ErrorCodes.BUILD_REQUIRED, message: expect.stringMatching(/tests import dist\/.*set "build" in the config/) });
  });
});

async function writeRepo(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'swf-runner-args-'));
  dirs.push(root);
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    await writeFile(path.join(root, rel), text);
  }
  return root;
}

async function traceOf(root: string): Promise<{ repoJson: Record<string, unknown>; trace: { tests: { id: string; status: string }[]; excluded: unknown[] } }> {
  const out = path.join(root, '..', `${path.basename(root)}-out`);
  dirs.push(out);
  await synthesize(root, { out, stopAfter: 'trace', config: { name: 'local/runner-args' } });
  return { repoJson: JSON.parse(await readFile(path.join(out, 'repo.json'), 'utf8')), trace: JSON.parse(await readFile(path.join(out, 'trace.json'), 'utf8')) };
}

const TDD_SOURCES = {
  'src/zone.js': "function zone() {\n  return globalThis.CLOCK_ZONE;\n}\nmodule.exports = { zone };\n",
  // tdd interface (`suite`/`test`): under mocha's default bdd these globals do not exist.
  'test/zone.test.js': "const assert = require('assert');\nconst { zone } = require('../src/zone.js');\nsuite('zone', () => {\n  test('comes from the setup module', () => assert.strictEqual(zone(), 'Asia/Tokyo'));\n});\n",
  'test/setup.js': "globalThis.CLOCK_ZONE = 'Asia/Tokyo';\n",
};

describe("the runner's command line in synth", () => {
  it("carries mocha's options from the test script (mocha --ui tdd -r ./test/setup.js), not its reporter, into every run", async () => {
    const root = await writeRepo({
      'package.json': JSON.stringify({ name: 'zone', version: '1.0.0', private: true, scripts: { test: 'mocha --ui tdd -r ./test/setup.js --reporter dot test/*.test.js' }, devDependencies: { mocha: '11.7.5' } }),
      ...TDD_SOURCES,
    });
    const { repoJson, trace } = await traceOf(root);
    expect(repoJson.specFiles).toEqual(['test/*.test.js']);
    expect(repoJson.runnerArgs).toEqual(['--ui', 'tdd', '-r', './test/setup.js']);
    expect(repoJson.testCommand).toMatch(/--ui tdd -r \.\/test\/setup\.js/);
    expect(trace.tests.map((t) => `${t.id}: ${t.status}`)).toEqual(['test/zone.test.js > zone > comes from the setup module: passed']);
    expect(trace.excluded).toEqual([]);
  });

  it('reads a test/mocha.opts that mocha 8+ ignores when the repository runs mocha from elsewhere (mde/ejs: a jakefile)', async () => {
    const root = await writeRepo({
      'package.json': JSON.stringify({ name: 'zone', version: '1.0.0', private: true, scripts: { test: 'node run-tests.js' }, devDependencies: { mocha: '11.7.5' } }),
      'run-tests.js': "require('child_process').execSync('npx mocha --ui tdd -r ./test/setup.js', { stdio: 'inherit' });\n",
      'test/mocha.opts': '--ui tdd\n--require ./test/setup.js\n--reporter spec\n',
      ...TDD_SOURCES,
    });
    const { repoJson, trace } = await traceOf(root);
    expect(repoJson.runnerArgs).toEqual(['--ui', 'tdd', '--require', './test/setup.js']);
    expect(trace.tests.map((t) => `${t.id}: ${t.status}`)).toEqual(['test/zone.test.js > zone > comes from the setup module: passed']);
  });

  it("runs the files of node --test's arguments in both runs (JedWatson/classnames: node --test ./tests/*.js)", async () => {
    const root = await writeRepo({
      'package.json': JSON.stringify({ name: 'names', version: '1.0.0', private: true, scripts: { test: 'node --test ./tests/*.js' } }),
      'index.js': "function join(...parts) {\n  return parts.filter(Boolean).join(' ');\n}\nmodule.exports = { join };\n",
      // Not where Node 20 looks by default (test/, *.test.js, ...): only the script's glob finds it.
      'tests/join.js': "const test = require('node:test');\nconst assert = require('node:assert');\nconst { join } = require('../index.js');\ntest('joins truthy parts', () => assert.strictEqual(join('a', '', 'b'), 'a b'));\n",
    });
    const { repoJson, trace } = await traceOf(root);
    expect(repoJson.specFiles).toEqual(['tests/join.js']);
    expect(trace.tests.map((t) => `${t.id}: ${t.status}`)).toEqual(['tests/join.js > joins truthy parts: passed']);
    expect(trace.excluded).toEqual([]);
  });

  it('says the runs disagreed, not that every test fails, when no test failed and none was reported by both runs', () => {
    const excluded = [
      { id: 'a > x', reason: 'not-reported' as const, error: 'reported by the traced run only' },
      { id: 'a > y', reason: 'not-reported' as const, error: 'reported by the traced run only' },
    ];
    expect(noPassingTests({ excluded }, 'trace.json')).toMatchObject({ code: ErrorCodes.TRACE_FAILED, message: expect.stringMatching(/no test failed.*2 not-reported.*did not run the same tests/) });
    expect(noPassingTests({ excluded: [...excluded, { id: 'a > z', reason: 'fails-untraced' as const }] }, 'trace.json')).toMatchObject({ code: ErrorCodes.ALL_TESTS_FAIL, message: expect.stringMatching(/2 not-reported, 1 fails-untraced/) });
  });
});
