import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

export const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));
export const BIN = path.join(REPO_ROOT, 'packages/cli/bin/swe-flow.js');

export function tmp(prefix: string): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), `swf-cli-${prefix}-`));
}

/** Runs the real CLI (built `dist/`) as a user would. */
export async function swf(args: string[], options: { cwd?: string; timeoutMs?: number } = {}) {
  const result = await execa('node', [BIN, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    reject: false,
    timeout: options.timeoutMs ?? 600_000,
    env: { CI: 'true', FORCE_COLOR: '0' },
  });
  return { code: result.exitCode, stdout: result.stdout, stderr: result.stderr };
}

/** A git repository made of `files`, committed once. */
export async function gitRepo(files: Record<string, string>): Promise<string> {
  const dir = await tmp('repo');
  for (const [f, c] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, f)), { recursive: true });
    await writeFile(path.join(dir, f), c);
  }
  await execa('git', ['init', '-q'], { cwd: dir });
  await execa('git', ['add', '-A'], { cwd: dir });
  await execa('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'init'], { cwd: dir });
  return dir;
}

/** A node:test project (no dependencies to install) with the given test file body. */
export function nodeTestRepo(testBody: string | null, extra: Record<string, string> = {}): Promise<string> {
  return gitRepo({
    'package.json': JSON.stringify({ name: 'nt', version: '1.0.0', type: 'module', scripts: { test: 'node --test test/' } }),
    'package-lock.json': JSON.stringify({ name: 'nt', version: '1.0.0', lockfileVersion: 3, requires: true, packages: { '': { name: 'nt', version: '1.0.0' } } }),
    'src/math.js': 'export function add(a, b) {\n  return a + b;\n}\n',
    ...(testBody === null ? {} : { 'test/math.test.js': `import test from 'node:test';\nimport assert from 'node:assert/strict';\nimport { add } from '../src/math.js';\n${testBody}\n` }),
    ...extra,
  });
}
