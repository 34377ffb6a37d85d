import { cp, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { expect, it } from 'vitest';
import { ErrorCodes } from '@swe-flow/core';
import { synthesize, type RepoJson } from '../src/index.js';

const FIXTURES = fileURLToPath(new URL('../../../fixtures/install', import.meta.url));

async function copyOf(name: string): Promise<{ src: string; out: string }> {
  const root = await mkdtemp(path.join(os.tmpdir(), `swf-${name}-`));
  await cp(path.join(FIXTURES, name), path.join(root, 'repo'), { recursive: true });
  return { src: path.join(root, 'repo'), out: path.join(root, 'out') };
}

it('scripts off, and the tests need what the failing script makes: synth fails and says the scripts are why, with their own error', { timeout: 240_000 }, async () => {
  const { src, out } = await copyOf('scripts-needed');
  const error = await synthesize(src, { out, config: { skipImage: true } }).then(() => undefined, (e: unknown) => e);
  expect(error).toMatchObject({ code: ErrorCodes.ALL_TESTS_FAIL });
  const message = (error as Error).message;
  expect(message).toContain('lifecycle scripts off');
  expect(message).toContain('swe-flow-fixture-missing-tool');
  const repo = JSON.parse(await readFile(path.join(out, 'repo.json'), 'utf8')) as RepoJson;
  expect(repo.install.fallbacks).toEqual(['install scripts off (a lifecycle script failed)']);
});

it("a dropped dependency leaves the task repository's package.json as the repository wrote it", { timeout: 240_000 }, async () => {
  const { src, out } = await copyOf('missing-dev-dependency');
  await mkdir(path.join(src, 'src'));
  await writeFile(path.join(src, 'src/sign.js'), [
    'exports.sign = function sign(n) {',
    "  if (typeof n !== 'number' || Number.isNaN(n)) throw new TypeError('not a number: ' + n);",
    "  if (n === 0) return 'zero';",
    "  const word = n > 0 ? 'positive' : 'negative';",
    '  return Math.abs(n) >= 1000 ? `large ${word}` : word;',
    '};',
    '',
  ].join('\n'));
  await writeFile(path.join(src, 'test/sign.test.js'), "const test = require('node:test');\nconst assert = require('node:assert');\nconst { sign } = require('../src/sign.js');\ntest('signs', () => { assert.strictEqual(sign(-5), 'negative'); assert.strictEqual(sign(5000), 'large positive'); assert.strictEqual(sign(0), 'zero'); });\n");
  const result = await synthesize(src, { out, config: { skipImage: true, maxSteps: 1 } });
  const repo = JSON.parse(await readFile(path.join(out, 'repo.json'), 'utf8')) as RepoJson;
  expect(repo.install.droppedDependencies).toEqual(['swe-flow-fixture-no-such-package-7f3a9c2e']);
  expect(result.rows.length).toBeGreaterThan(0);
  const shown = await execa('git', ['show', `${result.rows[0]!.base_commit}:package.json`], { cwd: path.join(out, 'task-repo.git') });
  expect(shown.stdout).toBe((await readFile(path.join(src, 'package.json'), 'utf8')).trimEnd());
});
