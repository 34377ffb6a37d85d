import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { DatasetRow } from '@swe-flow/core';

const run = promisify(execFile);
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = path.join(REPO_ROOT, 'packages/cli/bin/swe-flow.js');

/** Runs the real CLI: `swe-flow synth <fixture> --out <tmp> --mode both --skip-image --max-steps 4`. */
export async function synthDataset(fixture: string, extra: string[] = []): Promise<{ dir: string; rows: DatasetRow[] }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `swe-flow-eval-ds-${fixture}-`));
  await run('node', [BIN, 'synth', path.join(REPO_ROOT, 'fixtures', fixture), '--out', dir, '--force', '--mode', 'both', '--skip-image', '--max-steps', '4', '--quiet', ...extra], {
    cwd: REPO_ROOT,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { dir, rows: await readRows(path.join(dir, 'dataset.jsonl')) };
}

export async function readRows(file: string): Promise<DatasetRow[]> {
  return (await readFile(file, 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as DatasetRow);
}

/**
 * A patch made by real git: clone the task repo, check out `commit`, let `edit` change files under
 * the checkout, and return `git diff` (new files included).
 */
export async function makePatch(taskRepo: string, commit: string, edit: (root: string) => Promise<void>, diffArgs: string[] = []): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'swe-flow-eval-patch-'));
  try {
    await run('git', ['clone', '--quiet', '--shared', taskRepo, root]);
    await run('git', ['-c', 'advice.detachedHead=false', 'checkout', '--quiet', commit], { cwd: root });
    await edit(root);
    await run('git', ['add', '-A', '--intent-to-add'], { cwd: root });
    const { stdout } = await run('git', ['diff', ...diffArgs], { cwd: root, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

export async function editFile(root: string, rel: string, fn: (text: string) => string): Promise<void> {
  const file = path.join(root, rel);
  await writeFile(file, fn(await readFile(file, 'utf8')));
}

export async function writeJsonl(file: string, records: unknown[]): Promise<string> {
  await writeFile(file, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return file;
}
