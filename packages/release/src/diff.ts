/** `swe-flow release diff A B`: rows added, removed and changed (by field), repositories that moved split. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { stableJson } from './keys.js';
import type { ReleaseRecord } from './write-release.js';

export interface ReleaseDiff {
  from: string;
  to: string;
  added: string[];
  removed: string[];
  changed: { instance_id: string; fields: string[] }[];
  moved: { repo: string; from: string | null; to: string | null }[];
  unchanged: number;
}

async function rowsOf(dir: string): Promise<{ record: ReleaseRecord; rows: Map<string, Record<string, unknown>> }> {
  const record = JSON.parse(await readFile(path.join(dir, 'release.json'), 'utf8')) as ReleaseRecord;
  const rows = new Map<string, Record<string, unknown>>();
  for (const [split, info] of Object.entries(record.splits)) {
    if (split === 'lite') continue; // lite repeats test rows
    const text = await readFile(path.join(dir, info.jsonl), 'utf8');
    for (const line of text.split('\n').filter((l) => l.trim())) {
      const row = JSON.parse(line) as Record<string, unknown>;
      rows.set(String(row.instance_id), row);
    }
  }
  return { record, rows };
}

export async function diffReleases(a: string, b: string): Promise<ReleaseDiff> {
  const A = await rowsOf(path.resolve(a));
  const B = await rowsOf(path.resolve(b));
  const added = [...B.rows.keys()].filter((id) => !A.rows.has(id)).sort();
  const removed = [...A.rows.keys()].filter((id) => !B.rows.has(id)).sort();
  const changed: ReleaseDiff['changed'] = [];
  let unchanged = 0;
  for (const [id, rowA] of [...A.rows].sort((x, y) => x[0].localeCompare(y[0]))) {
    const rowB = B.rows.get(id);
    if (!rowB) continue;
    const fields = [...new Set([...Object.keys(rowA), ...Object.keys(rowB)])].filter((k) => stableJson(rowA[k]) !== stableJson(rowB[k])).sort();
    if (fields.length) changed.push({ instance_id: id, fields });
    else unchanged++;
  }
  const splitA = new Map(A.record.repositories.map((r) => [r.name, r.split]));
  const splitB = new Map(B.record.repositories.map((r) => [r.name, r.split]));
  const moved = [...new Set([...splitA.keys(), ...splitB.keys()])].sort()
    .filter((repo) => (splitA.get(repo) ?? null) !== (splitB.get(repo) ?? null))
    .map((repo) => ({ repo, from: splitA.get(repo) ?? null, to: splitB.get(repo) ?? null }));
  return { from: `${A.record.name} ${A.record.version}`, to: `${B.record.name} ${B.record.version}`, added, removed, changed, moved, unchanged };
}
