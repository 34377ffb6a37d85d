/**
 * A test runner's own repository (jasmine/jasmine-npm runs its specs with `node ./bin/jasmine.js`):
 * prepare stops with SWEFLOW_SELF_HOSTED_RUNNER and a message that says why, instead of a trace that
 * finds "jasmine not installed" and ends in SWEFLOW_NO_TESTS.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCodes } from '@swe-flow/core';
import { synthesize } from '../src/index.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('a test runner’s own repository', () => {
  it('stops in prepare with SWEFLOW_SELF_HOSTED_RUNNER', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'swf-self-hosted-'));
    dirs.push(root);
    const files: Record<string, string> = {
      'package.json': JSON.stringify({ name: 'jasmine', version: '7.0.0', bin: './bin/jasmine.js', scripts: { test: 'node ./bin/jasmine.js' } }, null, 2),
      'bin/jasmine.js': "require('../lib/runner.js').run();\n",
      'lib/runner.js': 'function run() {\n  return 0;\n}\nmodule.exports = { run };\n',
      'spec/support/jasmine.json': JSON.stringify({ spec_dir: 'spec', spec_files: ['*[sS]pec.js'] }),
      'spec/runner_spec.js': "const { run } = require('../lib/runner.js');\ndescribe('run', () => { it('returns 0', () => expect(run()).toBe(0)); });\n",
    };
    for (const [rel, text] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
      await writeFile(path.join(root, rel), text);
    }
    const out = `${root}-out`;
    dirs.push(out);
    const failure = await synthesize(root, { out, stopAfter: 'trace', config: { name: 'local/jasmine' } }).catch((e: unknown) => e);
    expect(failure).toMatchObject({ code: ErrorCodes.SELF_HOSTED_RUNNER });
    expect((failure as Error).message).toMatch(/is the jasmine test runner itself .*--runner NAME/);
  }, 120_000);
});
