import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes } from '@swe-flow/core';
import { collectRepoFacts } from '../facts.js';
import { detectRunner } from './index.js';
import { findWrappedRunners, scriptCommands } from './wrapper-runner.js';

describe('the commands of a test script', () => {
  it('takes the first word of each command, past env assignments, cross-env and npx', () => {
    expect(scriptCommands('kcd-scripts test')).toEqual(['kcd-scripts']);
    expect(scriptCommands('TZ=UTC cross-env A=1 my-scripts test --ci && npx other run | tee x; node a.js')).toEqual(['my-scripts', 'other', 'tee', 'node']);
  });
});

/**
 * kentcdodds/match-sorter as a small repository: `"test": "my-scripts test"`, where my-scripts is a
 * package of the repository's (installed from a folder) that depends on a runner (uvu, small to
 * install); nothing else names the runner.
 */
describe('a runner started through a wrapper package', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'swf-wrapper-runner-'));
    const files: Record<string, string> = {
      'package.json': JSON.stringify({ name: 'wrapped', version: '1.0.0', private: true, scripts: { test: 'my-scripts test' }, devDependencies: { 'my-scripts': 'file:./my-scripts' } }),
      'my-scripts/package.json': JSON.stringify({ name: 'my-scripts', version: '2.0.0', bin: { 'my-scripts': 'cli.js' }, dependencies: { uvu: '0.5.6' } }),
      'my-scripts/cli.js': "#!/usr/bin/env node\nrequire('child_process').spawnSync('uvu', ['test'], { stdio: 'inherit' });\n",
      'test/a.js': "const { test } = require('uvu');\ntest('a', () => {});\ntest.run();\n",
    };
    for (const [rel, text] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
      await writeFile(path.join(root, rel), text);
    }
    await execa('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: root });
  }, 180_000);
  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('names the runner the wrapper depends on, and the flag, in SWEFLOW_UNKNOWN_RUNNER', async () => {
    const facts = await collectRepoFacts(root);
    expect(findWrappedRunners(root, facts.packageJson)).toEqual([{ command: 'my-scripts', wrapper: 'my-scripts@2.0.0', runner: 'uvu' }]);
    let failure: unknown;
    try {
      detectRunner(facts);
    } catch (e) {
      failure = e;
    }
    expect(failure).toMatchObject({ code: ErrorCodes.UNKNOWN_RUNNER });
    expect((failure as Error).message).toMatch(/the test script runs `my-scripts` \(my-scripts@2\.0\.0\), which depends on uvu: .*pass --runner uvu/);
  });
});
