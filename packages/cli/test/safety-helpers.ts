import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { lstat, mkdir, readdir, readFile, readlink } from 'node:fs/promises';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { BIN, REPO_ROOT, gitRepo, tmp } from './helpers.js';

/** The instrumentation cache is shared across runs on purpose; every other temp entry is a leftover. */
export const SHARED_TEMP_ENTRIES = new Set(['sweflow-instrument-cache']);

/**
 * A fingerprint of every byte of a folder: tracked, untracked and ignored files, symlinks, modes and
 * the git directory (but `.git/index`, whose stat cache git may refresh on a read-only `git status`).
 */
export async function fingerprint(dir: string): Promise<string> {
  const hash = createHash('sha256');
  const walk = async (rel: string): Promise<void> => {
    const entries = (await readdir(path.join(dir, rel))).sort();
    for (const name of entries) {
      const r = path.join(rel, name);
      if (r === path.join('.git', 'index')) continue;
      const abs = path.join(dir, r);
      const st = await lstat(abs);
      hash.update(`${r}\0${st.mode}\0`);
      if (st.isSymbolicLink()) hash.update(await readlink(abs));
      else if (st.isDirectory()) await walk(r);
      else hash.update(await readFile(abs));
      hash.update('\0');
    }
  };
  await walk('');
  return hash.digest('hex');
}

/** A small node:test repository (no dependencies) whose tests take a moment, with an untracked file. */
export async function slowTinyRepo(): Promise<string> {
  const pause = 'const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));\n';
  const test = (name: string, body: string) => `\ntest('${name}', async () => {\n  await pause(800);\n  ${body}\n});\n`;
  const dir = await gitRepo({
    'package.json': JSON.stringify({ name: 'tiny', version: '1.0.0', type: 'module', scripts: { test: 'node --test test/' } }),
    'package-lock.json': JSON.stringify({ name: 'tiny', version: '1.0.0', lockfileVersion: 3, requires: true, packages: { '': { name: 'tiny', version: '1.0.0' } } }),
    '.gitignore': 'ignored.log\n',
    'src/math.js': [
      'export function add(a, b) {',
      '  const values = [a, b].map((value) => Number(value));',
      '  return values.reduce((sum, value) => sum + value, 0);',
      '}',
      '',
      'export function twice(a) {',
      '  const result = add(a, a);',
      "  if (!Number.isFinite(result)) throw new RangeError('twice needs a finite number');",
      '  return result;',
      '}',
      '',
      'export function mean(values) {',
      "  if (values.length === 0) throw new RangeError('mean of nothing');",
      '  const total = values.reduce((sum, value) => add(sum, value), 0);',
      '  return total / values.length;',
      '}',
      '',
    ].join('\n'),
    'test/math.test.js':
      "import test from 'node:test';\nimport assert from 'node:assert/strict';\nimport { add, twice, mean } from '../src/math.js';\n" +
      pause +
      test('add sums', 'assert.equal(add(2, 3), 5);') +
      test('twice doubles', 'assert.equal(twice(4), 8);') +
      test('mean averages', 'assert.equal(mean([2, 4, 6]), 4);'),
  });
  const { writeFile } = await import('node:fs/promises');
  await writeFile(path.join(dir, 'notes.txt'), 'an untracked file\n');
  await writeFile(path.join(dir, 'ignored.log'), 'an ignored file\n');
  return dir;
}

/** A private temp folder for one CLI run: whatever the run leaves in it is a leftover. */
export async function privateTemp(): Promise<string> {
  const dir = path.join(await tmp('tmpdir'), 't');
  await mkdir(dir);
  return dir;
}

export function startCli(args: string[], tempDir: string, cwd = REPO_ROOT): ResultPromise<{ reject: false; all: true; env: Record<string, string> }> {
  return execa('node', [BIN, ...args], {
    cwd,
    reject: false,
    all: true,
    timeout: 600_000,
    env: { CI: 'true', FORCE_COLOR: '0', TMPDIR: tempDir },
  });
}

export async function runCli(args: string[], tempDir: string, cwd?: string) {
  const r = await startCli(args, tempDir, cwd);
  return { code: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr), signal: r.signal };
}

/** Live (not zombie) processes whose environment carries this TMPDIR: the run and everything it started. */
export async function processesOf(tempDir: string): Promise<number[]> {
  const needle = Buffer.from(`\0TMPDIR=${tempDir}\0`);
  const out: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const env = await readFile(`/proc/${name}/environ`).catch(() => null);
    if (!env || !Buffer.concat([Buffer.from([0]), env]).includes(needle)) continue;
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state && state !== 'Z' && state !== 'X') out.push(Number(name));
  }
  return out;
}

/** Polls until no process of the run is alive (SIGKILLed groups take a moment to be reaped). */
export async function waitNoProcesses(tempDir: string, ms = 5_000): Promise<number[]> {
  const end = Date.now() + ms;
  let alive = await processesOf(tempDir);
  while (alive.length > 0 && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 100));
    alive = await processesOf(tempDir);
  }
  return alive;
}

export async function tempLeftovers(tempDir: string): Promise<string[]> {
  if (!existsSync(tempDir)) return [];
  return (await readdir(tempDir)).filter((e) => !SHARED_TEMP_ENTRIES.has(e));
}

/** Resolves once `pattern` appears in the child's combined output. */
export function waitForOutput(child: ResultPromise, pattern: RegExp, ms = 240_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`no ${String(pattern)} within ${ms} ms; output:\n${seen}`)), ms);
    const onData = (d: Buffer) => {
      seen += String(d);
      if (pattern.test(seen)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void child.then(() => {
      clearTimeout(timer);
      if (!pattern.test(seen)) reject(new Error(`the run ended before ${String(pattern)}:\n${seen}`));
    });
  });
}

/** Resolves once the run has a child process (a runner) alive besides itself. */
export async function waitForChild(tempDir: string, self: number, ms = 60_000): Promise<number[]> {
  const end = Date.now() + ms;
  for (;;) {
    const others = (await processesOf(tempDir)).filter((p) => p !== self);
    if (others.length > 0) return others;
    if (Date.now() > end) throw new Error('the run started no child process');
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function readRows(out: string): Promise<Array<Record<string, unknown>>> {
  const text = await readFile(path.join(out, 'dataset.jsonl'), 'utf8');
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** What a dataset row says about its task (commit ids and dates aside). */
export function taskFacts(row: Record<string, unknown>): unknown {
  const { instance_id, FAIL_TO_PASS, PASS_TO_PASS, patch, nodes_to_develop } = row;
  return { instance_id, FAIL_TO_PASS, PASS_TO_PASS, patch, nodes_to_develop };
}

export { tmp };
