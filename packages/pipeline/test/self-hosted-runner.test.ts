/**
 * A test runner's own repository (jasmine/jasmine-npm runs its specs with `node ./bin/jasmine.js`,
 * lukeed/uvu with `node test` through a module alias to its `src`): prepare stops with
 * SWEFLOW_SELF_HOSTED_RUNNER and a message that says why, before installing anything, instead of a
 * trace that finds "jasmine not installed" and ends in SWEFLOW_NO_TESTS, or SWEFLOW_UNKNOWN_RUNNER
 * advising a `--runner` that cannot help.
 */
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCodes } from '@swe-flow/core';
import { synthesize } from '../src/index.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function synthFailure(name: string, files: Record<string, string>): Promise<unknown> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'swf-self-hosted-'));
  dirs.push(root);
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    await writeFile(path.join(root, rel), text);
  }
  const out = `${root}-out`;
  dirs.push(out);
  return synthesize(root, { out, stopAfter: 'trace', config: { name } }).catch((e: unknown) => e);
}

/** Whether the last synth's copy of the repository got its dependencies installed. */
async function installed(): Promise<boolean> {
  return stat(path.join(dirs.at(-1)!, '.work', 'repo', 'node_modules')).then(() => true, () => false);
}

const jasmineSpecs = {
  'bin/jasmine.js': "require('../lib/runner.js').run();\n",
  'lib/runner.js': 'function run() {\n  return 0;\n}\nmodule.exports = { run };\n',
  'spec/support/jasmine.json': JSON.stringify({ spec_dir: 'spec', spec_files: ['*[sS]pec.js'] }),
  'spec/runner_spec.js': "const { run } = require('../lib/runner.js');\ndescribe('run', () => { it('returns 0', () => expect(run()).toBe(0)); });\n",
};

describe('a test runner’s own repository', () => {
  it('stops in prepare with SWEFLOW_SELF_HOSTED_RUNNER', async () => {
    const failure = await synthFailure('local/jasmine', {
      ...jasmineSpecs,
      'package.json': JSON.stringify({ name: 'jasmine', version: '7.0.0', bin: './bin/jasmine.js', scripts: { test: 'node ./bin/jasmine.js' } }, null, 2),
    });
    expect(failure).toMatchObject({ code: ErrorCodes.SELF_HOSTED_RUNNER });
    expect((failure as Error).message).toMatch(/is the jasmine test runner itself \(package\.json name "jasmine";.*--runner NAME/);
  }, 120_000);

  it('recognises uvu, whose test script (`node test`) names no runner and whose dependencies hold none', async () => {
    const failure = await synthFailure('local/uvu', {
      'package.json': JSON.stringify({ name: 'uvu', version: '0.5.6', bin: { uvu: 'bin.js' }, scripts: { test: 'node test' }, devDependencies: { 'module-alias': '2.2.2' }, _moduleAliases: { uvu: 'src/index.js' } }, null, 2),
      'bin.js': "require('./src/index.js');\n",
      'src/index.js': 'exports.test = function test(name, fn) {\n  fn();\n};\n',
      'test/index.js': "require('./basic.js');\n",
      'test/basic.js': "const { test } = require('../src/index.js');\ntest('runs', () => {});\n",
    });
    expect(failure).toMatchObject({ code: ErrorCodes.SELF_HOSTED_RUNNER, details: { runner: 'uvu' } });
    expect((failure as Error).message).toMatch(/is the uvu test runner itself \(package\.json name "uvu"; the test script is `node test`\)/);
    // Stopped before installing: nothing is installed for a repository that yields nothing.
    expect(await installed()).toBe(false);
  }, 120_000);

  it('recognises a renamed fork by the test script starting its own bin of a runner’s name', async () => {
    const failure = await synthFailure('local/jasmine-fork', {
      ...jasmineSpecs,
      'package.json': JSON.stringify({ name: '@acme/jasmine-fork', version: '1.0.0', bin: { jasmine: './bin/jasmine.js' }, scripts: { test: 'node bin/jasmine.js' } }, null, 2),
    });
    expect(failure).toMatchObject({ code: ErrorCodes.SELF_HOSTED_RUNNER, details: { runner: 'jasmine' } });
    expect((failure as Error).message).toMatch(/its test script starts its own bin "jasmine" \(\.\/bin\/jasmine\.js\)/);
  }, 120_000);
});
