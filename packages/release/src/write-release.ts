/** The release folder's files: data (Parquet + JSONL per split), card, release record, drops, checksums. */
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { collectAudits, type RepoAudit } from './audit.js';
import type { RepoResult } from './build-repo.js';
import { renderCard } from './card.js';
import { sha256 } from './keys.js';
import type { DroppedRow, ReleaseRow } from './merge.js';
import { columnsOf, writeParquet } from './parquet.js';
import type { SplitAssignment } from './splits.js';

export const RELEASE_SCHEMA_VERSION = 1;

export interface ReleaseRecord {
  schemaVersion: typeof RELEASE_SCHEMA_VERSION;
  name: string;
  version: string;
  generator: { name: 'swe-flow'; version: string; commit: string | null };
  manifestSha256: string;
  splits: Record<string, { rows: number; repositories: string[]; parquet: string; jsonl: string; sha256: string }>;
  repositories: {
    name: string; url: string; commit: string | null; package: string | null; sourceCommit: string | null; status: 'ok' | 'failed';
    split: string | null; splitWhy: string | null; license: string; runner: string | null; packageManager: string | null; nodeVersion: string | null;
    lockfile: string | null; lockfileSha256: string | null; rows: number; code: string | null; images: string[];
    gold: RepoResult['gold'] | null; empty: RepoResult['empty'] | null;
    /** The environment audit of its tasks (report in `audit/`); null for a failed repository. */
    audit: RepoAudit | null;
    /** The swe-flow commit that built its rows (it may be older than `generator.commit`: unchanged repositories are reused); null if unrecorded. */
    builtBy: string | null;
  }[];
  dropped: Record<string, number>;
}

async function writeAtomic(file: string, data: string | Buffer): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, file);
}

export const toJsonl = (rows: readonly unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : '');

export const dataFileNames = (split: string) => ({ parquet: `data/${split}-00000-of-00001.parquet`, jsonl: `data/${split}-00000-of-00001.jsonl` });

export interface WriteReleaseInput {
  dir: string;
  name: string;
  description: string;
  version: string;
  generator: ReleaseRecord['generator'];
  manifestText: string;
  splits: Record<string, ReleaseRow[]>;
  assignment: ReadonlyMap<string, SplitAssignment>;
  repos: RepoResult[];
  dropped: DroppedRow[];
  lockfileHashes: ReadonlyMap<string, string | null>;
}

/** Every file of the folder but MANIFEST.sha256 itself, sorted, with its hash. */
export async function checksums(dir: string): Promise<[string, string][]> {
  const out: [string, string][] = [];
  async function walk(rel: string) {
    for (const e of await readdir(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${e.name}` : e.name;
      if (e.name.startsWith('.')) continue; // .build and other working state are not part of the release
      if (e.isDirectory()) await walk(child);
      else if (e.isFile() && child !== 'MANIFEST.sha256') out.push([child, sha256(await readFile(path.join(dir, child)))]);
    }
  }
  await walk('');
  return out.sort((a, b) => a[0].localeCompare(b[0]));
}

export async function writeRelease(input: WriteReleaseInput): Promise<ReleaseRecord> {
  const { dir } = input;
  await rm(path.join(dir, 'data'), { recursive: true, force: true });
  const all = Object.values(input.splits).flat();
  // lite repeats rows of test: a repository's rows are counted once, from train and test.
  const published = Object.entries(input.splits).filter(([split]) => split !== 'lite').flatMap(([, rows]) => rows);
  const columns = columnsOf(all as unknown as Record<string, unknown>[]);
  const present = Object.keys(input.splits).filter((s) => input.splits[s]!.length > 0);
  const splits: ReleaseRecord['splits'] = {};
  for (const split of present) {
    const rows = input.splits[split]!;
    const files = dataFileNames(split);
    await mkdir(path.join(dir, 'data'), { recursive: true });
    await writeParquet(path.join(dir, files.parquet), rows as unknown as Record<string, unknown>[], columns);
    const jsonl = toJsonl(rows);
    await writeAtomic(path.join(dir, files.jsonl), jsonl);
    splits[split] = { rows: rows.length, repositories: [...new Set(rows.map((r) => r.repo))].sort(), ...files, sha256: sha256(await readFile(path.join(dir, files.parquet))) };
  }
  const splitOf = new Map([...input.assignment].map(([repo, a]) => [repo, a.split]));
  const audits = await collectAudits(dir, input.repos);
  const dropped: Record<string, number> = {};
  for (const d of input.dropped) dropped[d.reason] = (dropped[d.reason] ?? 0) + 1;
  const record: ReleaseRecord = {
    schemaVersion: RELEASE_SCHEMA_VERSION,
    name: input.name,
    version: input.version,
    generator: input.generator,
    manifestSha256: sha256(input.manifestText),
    splits,
    repositories: [...input.repos].sort((a, b) => a.name.localeCompare(b.name)).map((r) => ({
      name: r.name, url: r.url, commit: r.commit, package: r.package, sourceCommit: r.sourceCommit ?? null, status: r.status,
      split: r.status === 'ok' ? (input.assignment.get(r.name)?.split ?? null) : null, splitWhy: r.status === 'ok' ? (input.assignment.get(r.name)?.why ?? null) : null,
      license: r.license, runner: r.runner ?? null, packageManager: r.packageManager ?? null, nodeVersion: r.nodeVersion ?? null,
      lockfile: r.lockfile ?? null, lockfileSha256: input.lockfileHashes.get(r.name) ?? null, rows: published.filter((x) => x.repo === r.name).length,
      code: r.code ?? null, images: [...new Set(published.filter((x) => x.repo === r.name).map((x) => String((x as { image_name?: string }).image_name ?? x.image)))].sort(), gold: r.gold ?? null, empty: r.empty ?? null,
      audit: audits.get(r.name) ?? null,
      builtBy: r.generator?.commit ?? null,
    })),
    dropped,
  };
  await writeAtomic(path.join(dir, 'release.json'), `${JSON.stringify(record, null, 2)}\n`);
  await writeAtomic(path.join(dir, 'dropped.jsonl'), toJsonl(input.dropped));
  await writeAtomic(path.join(dir, 'README.md'), renderCard({
    name: input.name, description: input.description, version: input.version, generator: `swe-flow ${input.generator.version}`,
    splits: input.splits, dataFiles: Object.fromEntries(present.map((s) => [s, dataFileNames(s)])), columns, repos: input.repos, splitOf, dropped: input.dropped, audits, dir,
  }));
  const sums = await checksums(dir);
  await writeAtomic(path.join(dir, 'MANIFEST.sha256'), sums.map(([f, h]) => `${h}  ${f}`).join('\n') + '\n');
  return record;
}
