/**
 * `swe-flow release verify DIR`: checksums, rows against the row schema, Parquet (read with hyparquet,
 * not the writer) and JSONL holding the same rows, splits disjoint by repository, lite inside test,
 * and every row's image present when a Docker engine is asked.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { validateRow } from '@swe-flow/emitter';
import { checksums, type ReleaseRecord } from './write-release.js';
import { columnsOf, readParquet } from './parquet.js';
import { stableJson } from './keys.js';

export interface VerifyProblem {
  check: 'checksums' | 'schema' | 'parquet-jsonl' | 'splits' | 'record' | 'images';
  detail: string;
}

export interface ReleaseVerifyResult {
  ok: boolean;
  problems: VerifyProblem[];
  rows: Record<string, number>;
  checked: string[];
}

export interface ReleaseVerifyOptions {
  /** Names of images present (e.g. from `docker images`); when given, every row's image must be among them. */
  images?: ReadonlySet<string>;
}

export async function verifyRelease(dir: string, options: ReleaseVerifyOptions = {}): Promise<ReleaseVerifyResult> {
  const problems: VerifyProblem[] = [];
  const checked: string[] = [];
  const abs = path.resolve(dir);
  const manifestText = await readFile(path.join(abs, 'MANIFEST.sha256'), 'utf8').catch(() => undefined);
  if (manifestText === undefined) problems.push({ check: 'checksums', detail: 'MANIFEST.sha256 is missing' });
  else {
    const listed = new Map(manifestText.trim().split('\n').filter(Boolean).map((l) => { const [h, ...f] = l.split('  '); return [f.join('  '), h!] as const; }));
    const actual = new Map(await checksums(abs));
    for (const [file, hash] of listed) {
      if (!actual.has(file)) problems.push({ check: 'checksums', detail: `${file} is listed but missing` });
      else if (actual.get(file) !== hash) problems.push({ check: 'checksums', detail: `${file} does not match its checksum` });
    }
    for (const file of actual.keys()) if (!listed.has(file)) problems.push({ check: 'checksums', detail: `${file} is not listed in MANIFEST.sha256` });
    checked.push(`checksums of ${actual.size} files`);
  }
  const recordText = await readFile(path.join(abs, 'release.json'), 'utf8').catch(() => undefined);
  if (!recordText) return { ok: false, problems: [...problems, { check: 'record', detail: 'release.json is missing' }], rows: {}, checked };
  const record = JSON.parse(recordText) as ReleaseRecord;
  const rows: Record<string, number> = {};
  const reposOf: Record<string, Set<string>> = {};
  const idsOf: Record<string, Set<string>> = {};
  for (const [split, info] of Object.entries(record.splits)) {
    const jsonl = (await readFile(path.join(abs, info.jsonl), 'utf8').catch(() => '')).split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Record<string, unknown>);
    const parquet = await readParquet(path.join(abs, info.parquet)).catch((error: Error) => {
      problems.push({ check: 'parquet-jsonl', detail: `${info.parquet} cannot be read: ${error.message}` });
      return [] as Record<string, unknown>[];
    });
    rows[split] = jsonl.length;
    if (jsonl.length !== info.rows) problems.push({ check: 'record', detail: `${info.jsonl} has ${jsonl.length} rows, release.json says ${info.rows}` });
    if (parquet.length !== jsonl.length) problems.push({ check: 'parquet-jsonl', detail: `${split}: ${parquet.length} Parquet rows, ${jsonl.length} JSONL rows` });
    const stored = asStored(jsonl);
    parquet.forEach((p, i) => {
      if (stored[i] && stableJson(p) !== stableJson(stored[i])) problems.push({ check: 'parquet-jsonl', detail: `${split} row ${i + 1} (${String(jsonl[i]!.instance_id)}) differs between Parquet and JSONL` });
    });
    for (const row of jsonl) {
      const { license, ...datasetRow } = row;
      try {
        validateRow(datasetRow);
      } catch (error) {
        problems.push({ check: 'schema', detail: `${split} ${String(row.instance_id)}: ${(error as Error).message}` });
      }
      if (typeof license !== 'string' || !license) problems.push({ check: 'schema', detail: `${split} ${String(row.instance_id)}: no license` });
      if (options.images && !options.images.has(String(row.image))) problems.push({ check: 'images', detail: `${split} ${String(row.instance_id)}: image ${String(row.image)} is not present` });
    }
    reposOf[split] = new Set(jsonl.map((r) => String(r.repo)));
    idsOf[split] = new Set(jsonl.map((r) => String(r.instance_id)));
    checked.push(`${split}: ${jsonl.length} rows, schema, Parquet = JSONL`);
  }
  for (const repo of reposOf.train ?? []) if (reposOf.test?.has(repo)) problems.push({ check: 'splits', detail: `${repo} is in both train and test` });
  for (const id of idsOf.lite ?? []) if (!idsOf.test?.has(id)) problems.push({ check: 'splits', detail: `lite row ${id} is not in test` });
  checked.push('splits disjoint by repository; lite inside test');
  return { ok: problems.length === 0, problems, rows, checked };
}

/** JSONL rows as their Parquet file holds them: values of JSON-text columns (objects, mixed values) as JSON text. */
function asStored(rows: readonly Record<string, unknown>[]): Record<string, unknown>[] {
  const json = new Set(columnsOf(rows).filter((c) => c.kind === 'json').map((c) => c.name));
  if (json.size === 0) return [...rows];
  return rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, json.has(k) && v !== null && v !== undefined ? JSON.stringify(v) : v])));
}
