/** The repository's own source files, and instrumenting them all ahead of a run into an on-disk cache. */
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FunctionInfo } from '@swe-flow/core';
import type { RepoFacts } from './adapter.js';
import { detectBuildOutputDirs, excludeDirs, shouldInstrument } from './instrument/filter.js';
import { instrumentSource } from './instrument/transform.js';

export async function listSourceFiles(facts: RepoFacts): Promise<string[]> {
  let gitignore: string | undefined;
  try {
    gitignore = await readFile(path.join(facts.root, '.gitignore'), 'utf8');
  } catch {
    gitignore = undefined;
  }
  const exclude = excludeDirs(detectBuildOutputDirs({ packageJson: facts.packageJson, files: facts.files, gitignore }));
  return facts.files.filter((f) => shouldInstrument(f, path.join(facts.root, f), exclude)).sort();
}

export interface InstrumentCacheEntry {
  sha1: string;
  /** File name of `{ code, map }` inside the cache directory. */
  out: string;
}

export interface PreparedInstrumentation {
  cacheDir: string;
  /** Absolute source path -> cache entry (written as `index.json`). */
  index: Record<string, InstrumentCacheEntry>;
  files: string[];
  functions: Record<string, FunctionInfo[]>;
  /** Files that could not be instrumented (parse errors), with the message. */
  failed: { file: string; error: string }[];
  ms: number;
}

export function sha1(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

/**
 * Instruments every file once and writes `<cacheDir>/index.json` plus one `{code, map}` JSON per file,
 * for plain-JS runner hooks (Vite plugin, loaders) that must not load Babel themselves.
 */
export async function prepareInstrumentation(root: string, files: readonly string[], cacheDir: string): Promise<PreparedInstrumentation> {
  const started = performance.now();
  await mkdir(cacheDir, { recursive: true });
  const index: Record<string, InstrumentCacheEntry> = {};
  const functions: Record<string, FunctionInfo[]> = {};
  const done: string[] = [];
  const failed: { file: string; error: string }[] = [];
  for (const file of files) {
    const abs = path.join(root, file);
    const code = await readFile(abs, 'utf8');
    let result;
    try {
      result = instrumentSource(code, abs, { root });
    } catch (error) {
      failed.push({ file, error: (error as Error).message });
      continue;
    }
    if (!result) continue;
    const hash = sha1(code);
    const out = `${hash}.json`;
    await writeFile(path.join(cacheDir, out), JSON.stringify({ file, code: result.code, map: result.map }));
    index[abs.split(path.sep).join('/')] = { sha1: hash, out };
    functions[result.file] = result.functions;
    done.push(result.file);
  }
  await writeFile(path.join(cacheDir, 'index.json'), JSON.stringify(index));
  return { cacheDir, index, files: done, functions, failed, ms: performance.now() - started };
}
