/** Content keys of release work: a repository is built again only when one of its inputs changes. */
import { createHash } from 'node:crypto';
import type { ResolvedManifest } from './manifest.js';

export const sha256 = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');

/** JSON with sorted keys, so equal inputs hash equally whatever their key order. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export type RepoEntry = ResolvedManifest['repositories'][number];

/** What decides a repository's rows: where it comes from, its overrides, the release options and the generator. */
export function repoKey(repo: RepoEntry, options: ResolvedManifest['options'], generator: string): string {
  const { split: _split, ...decisive } = options;
  return sha256(stableJson({ source: repo.source, commit: repo.commit ?? null, package: repo.package ?? null, runner: repo.runner ?? null, name: repo.name, config: repo.config ?? {}, license: repo.license ?? null, options: decisive, generator })).slice(0, 16);
}

/** A folder name for a repository's build: readable, and unique per entry. */
export function repoSlug(repo: RepoEntry): string {
  const base = `${repo.name.replace('/', '__')}${repo.package ? `.${repo.package.replace(/[^A-Za-z0-9._-]+/g, '-')}` : ''}`;
  return `${base}-${sha256(`${repo.source}#${repo.commit ?? ''}#${repo.package ?? ''}`).slice(0, 8)}`;
}
