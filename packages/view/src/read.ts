/** Tolerant readers for swe-flow's output files: a missing file is `undefined`, a broken one an error naming it. */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCodes, SweFlowError } from '@swe-flow/core';

export async function isFile(p: string): Promise<boolean> {
  return stat(p).then((s) => s.isFile(), () => false);
}

export async function isDir(p: string): Promise<boolean> {
  return stat(p).then((s) => s.isDirectory(), () => false);
}

export async function readText(p: string): Promise<string | undefined> {
  return readFile(p, 'utf8').catch(() => undefined);
}

export async function readJson<T>(p: string): Promise<T | undefined> {
  const text = await readText(p);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new SweFlowError(ErrorCodes.INPUT_INVALID, `${p} is not valid JSON (${(error as Error).message}); rerun the command that wrote it`);
  }
}

export async function readJsonl<T>(p: string): Promise<T[]> {
  const text = await readText(p);
  if (text === undefined) return [];
  return text.split('\n').filter((l) => l.trim()).map((line, i) => {
    try {
      return JSON.parse(line) as T;
    } catch (error) {
      throw new SweFlowError(ErrorCodes.INPUT_INVALID, `${p} line ${i + 1} is not valid JSON (${(error as Error).message})`);
    }
  });
}

export async function listDirs(p: string): Promise<string[]> {
  const entries = await readdir(p, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory()).map((e) => path.join(p, e.name)).sort();
}

export async function listFiles(p: string, suffix: string): Promise<string[]> {
  const entries = await readdir(p, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile() && e.name.endsWith(suffix)).map((e) => path.join(p, e.name)).sort();
}

/** Added and removed lines of a unified diff (file headers not counted). */
export function diffSize(patch: string | undefined): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const line of (patch ?? '').split('\n')) {
    if (line.startsWith('+++') || line.startsWith('---')) continue;
    if (line.startsWith('+')) added++;
    else if (line.startsWith('-')) removed++;
  }
  return { added, removed };
}

/** Files a unified diff changes. */
export function diffFiles(patch: string | undefined): string[] {
  const files = new Set<string>();
  for (const m of (patch ?? '').matchAll(/^diff --git a\/(\S+) b\//gm)) files.add(m[1]!);
  return [...files];
}
