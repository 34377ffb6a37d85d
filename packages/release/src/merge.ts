/**
 * Merging the repositories' rows (pure): duplicates, rows that failed their proof runs and rows with
 * empty statements are dropped, each with its reason, never silently.
 */
import type { DatasetRow } from '@swe-flow/core';
import { sha256, stableJson } from './keys.js';

export type ReleaseRow = DatasetRow & { license: string };

export type DropReason = 'duplicate-task' | 'duplicate-repository' | 'gold-failed' | 'empty-resolved' | 'empty-statement';

export interface DroppedRow {
  instance_id: string;
  repo: string;
  reason: DropReason;
  detail: string;
}

export interface RepoRows {
  name: string;
  /** The tree of the source as synthesized: two entries with the same tree are one repository (a fork, a second URL). */
  sourceTree?: string;
  license: string;
  rows: DatasetRow[];
  goldFailing: readonly string[];
  emptyResolving: readonly string[];
}

/** What makes two tasks the same task: the patch and the tests that decide it. */
export function taskFingerprint(row: Pick<DatasetRow, 'patch' | 'FAIL_TO_PASS' | 'PASS_TO_PASS'>): string {
  return sha256(stableJson([row.patch, [...row.FAIL_TO_PASS].sort(), [...row.PASS_TO_PASS].sort()]));
}

export function mergeRows(repos: readonly RepoRows[]): { rows: ReleaseRow[]; dropped: DroppedRow[] } {
  const rows: ReleaseRow[] = [];
  const dropped: DroppedRow[] = [];
  const byTree = new Map<string, string>();
  const byFingerprint = new Map<string, string>();
  const ids = new Set<string>();
  for (const repo of [...repos].sort((a, b) => a.name.localeCompare(b.name))) {
    const drop = (row: DatasetRow, reason: DropReason, detail: string) => dropped.push({ instance_id: row.instance_id, repo: repo.name, reason, detail });
    const twin = repo.sourceTree ? byTree.get(repo.sourceTree) : undefined;
    if (twin) {
      for (const row of repo.rows) drop(row, 'duplicate-repository', `${repo.name} has the same source tree as ${twin} (${repo.sourceTree})`);
      continue;
    }
    if (repo.sourceTree) byTree.set(repo.sourceTree, repo.name);
    const goldFailing = new Set(repo.goldFailing);
    const emptyResolving = new Set(repo.emptyResolving);
    for (const row of [...repo.rows].sort((a, b) => a.instance_id.localeCompare(b.instance_id))) {
      if (goldFailing.has(row.instance_id)) { drop(row, 'gold-failed', 'the reference patch did not resolve the task in the release\'s gold run'); continue; }
      if (emptyResolving.has(row.instance_id)) { drop(row, 'empty-resolved', 'the task was resolved without any change in the release\'s empty run'); continue; }
      if (!row.problem_statement.trim()) { drop(row, 'empty-statement', 'the problem statement is empty'); continue; }
      const fp = taskFingerprint(row);
      const first = byFingerprint.get(fp);
      if (first || ids.has(row.instance_id)) { drop(row, 'duplicate-task', `same patch and tests as ${first ?? row.instance_id}`); continue; }
      byFingerprint.set(fp, row.instance_id);
      ids.add(row.instance_id);
      rows.push({ ...row, license: repo.license });
    }
  }
  return { rows, dropped };
}
