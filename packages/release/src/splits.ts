/**
 * Splits by repository (pure): no repository is in two splits; a repository keeps the split an earlier
 * release gave it; named repositories go to test; the rest by a stable hash. `lite` is a subset of test
 * with at most N tasks per repository, chosen by a stable hash of the instance id.
 */
import { sha256 } from './keys.js';
import type { SplitPolicy } from './manifest.js';
import type { ReleaseRow } from './merge.js';

export type SplitName = 'train' | 'test';

export interface SplitAssignment {
  split: SplitName;
  /** Why: frozen from the previous release, named in the manifest, or by hash. */
  why: 'previous-release' | 'manifest' | 'hash';
}

/** A number in [0, 1) from a string, the same on every machine. */
export function stableFraction(s: string): number {
  return parseInt(sha256(s).slice(0, 12), 16) / 2 ** 48;
}

export function assignSplits(repos: readonly string[], policy: Required<SplitPolicy>, previous: ReadonlyMap<string, SplitName> = new Map()): Map<string, SplitAssignment> {
  const named = new Set(policy.test);
  const out = new Map<string, SplitAssignment>();
  for (const repo of [...repos].sort()) {
    const before = previous.get(repo);
    if (before) out.set(repo, { split: before, why: 'previous-release' });
    else if (named.has(repo)) out.set(repo, { split: 'test', why: 'manifest' });
    else out.set(repo, { split: stableFraction(`${policy.seed}:${repo}`) < policy.testFraction ? 'test' : 'train', why: 'hash' });
  }
  return out;
}

export function splitRows(rows: readonly ReleaseRow[], assignment: ReadonlyMap<string, SplitAssignment>, liteMaxPerRepo: number): Record<'train' | 'test' | 'lite', ReleaseRow[]> {
  const sorted = [...rows].sort((a, b) => a.instance_id.localeCompare(b.instance_id));
  const train = sorted.filter((r) => assignment.get(r.repo)?.split === 'train');
  const test = sorted.filter((r) => assignment.get(r.repo)?.split === 'test');
  const perRepo = new Map<string, ReleaseRow[]>();
  for (const r of test) perRepo.set(r.repo, [...(perRepo.get(r.repo) ?? []), r]);
  const lite = [...perRepo.values()]
    .flatMap((list) => [...list].sort((a, b) => stableFraction(a.instance_id) - stableFraction(b.instance_id)).slice(0, liteMaxPerRepo))
    .sort((a, b) => a.instance_id.localeCompare(b.instance_id));
  return { train, test, lite };
}
