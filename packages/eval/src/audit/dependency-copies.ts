/**
 * Copies of a task's solution bundled in other installed packages (prettier's bundle holding
 * change-case's `isObject`, consola's holding defu's `isPlainObject`): the files of the prepared copy's
 * dependencies that hold the reference body of some candidate's function. The same search as the
 * audit's (same normalization, same minimum size, same folders less what the env tier removes), run
 * before verification so that those files can be stubbed in every task environment.
 */
import path from 'node:path';
import type { DatasetRow } from '@swe-flow/core';
import { TaskRepo } from '@swe-flow/emitter';
import { scanDependencies } from './dependencies.js';
import { DEFAULT_MIN_TOKENS, tasksNeedles, type Needle } from './needles.js';

export interface DependencyCopy {
  /** The file, relative to the prepared copy (POSIX), e.g. `node_modules/prettier/index.mjs`. */
  path: string;
  /** The functions whose reference bodies it holds. */
  ids: string[];
}

export interface DependencyCopiesScan {
  copies: DependencyCopy[];
  needles: number;
  files: number;
  bytes: number;
  durationMs: number;
}

export interface DependencyCopiesOptions {
  taskRepo: string;
  tasks: ReadonlyArray<Pick<DatasetRow, 'patch' | 'base_commit' | 'reference_commit'>>;
  /** The prepared copy whose node_modules folders the workspaces link. */
  dependenciesDir: string;
  minTokens?: number;
  /** The scanner's cache of this prepared copy's dependency folders (see `scanDependencies`), shared with the audit. */
  scanCacheFile?: string;
}

export async function findDependencyCopies(options: DependencyCopiesOptions): Promise<DependencyCopiesScan> {
  const started = Date.now();
  const repo = await TaskRepo.open(options.taskRepo);
  const needles = new Map<string, Needle>();
  try {
    for (const found of await tasksNeedles(repo, options.tasks, options.minTokens ?? DEFAULT_MIN_TOKENS)) {
      for (const n of found.needles) needles.set(n.id, n);
    }
  } finally {
    await repo.dispose();
  }
  if (needles.size === 0) return { copies: [], needles: 0, files: 0, bytes: 0, durationMs: Date.now() - started };
  const dir = path.resolve(options.dependenciesDir);
  const { scan } = await scanDependencies(dir, [...needles.values()], options.scanCacheFile);
  const byFile = new Map<string, Set<string>>();
  for (const hit of scan.hits) {
    if (hit.kind === 'git-object') continue;
    const rel = path.relative(dir, hit.path).split(path.sep).join('/');
    if (rel.startsWith('..')) continue;
    byFile.set(rel, (byFile.get(rel) ?? new Set()).add(hit.id));
  }
  const copies = [...byFile].map(([file, ids]) => ({ path: file, ids: [...ids].sort() })).sort((a, b) => (a.path < b.path ? -1 : 1));
  return { copies, needles: needles.size, files: scan.files, bytes: scan.bytes, durationMs: Date.now() - started };
}
