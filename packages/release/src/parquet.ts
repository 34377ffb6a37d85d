/**
 * Rows to Parquet with hyparquet-writer (pure JavaScript: no native build, same bytes on every machine,
 * list columns the Hugging Face viewer shows as sequences) and back with hyparquet, a separate reader.
 * Column types come from the values: strings, integers, lists of strings; anything else is JSON text.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parquetReadObjects } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';

export type ColumnKind = 'string' | 'int' | 'list' | 'json';

export interface Column {
  name: string;
  kind: ColumnKind;
}

/** Columns in the rows' own key order (first row first, keys seen later after it, sorted). */
export function columnsOf(rows: readonly Record<string, unknown>[]): Column[] {
  const names: string[] = [];
  const seen = new Set<string>();
  for (const row of rows) for (const k of Object.keys(row)) if (!seen.has(k)) { seen.add(k); names.push(k); }
  return names.map((name) => {
    const values = rows.map((r) => r[name]).filter((v) => v !== undefined && v !== null);
    const kind: ColumnKind = values.every((v) => typeof v === 'string') ? 'string'
      : values.every((v) => Number.isInteger(v)) ? 'int'
      : values.every((v) => Array.isArray(v) && v.every((x) => typeof x === 'string')) ? 'list'
      : 'json';
    return { name, kind };
  });
}

/** The `dataset_info.features` of the dataset card, for these columns. */
export function hubFeatures(columns: readonly Column[]): Record<string, unknown>[] {
  return columns.map((c) => c.kind === 'list' ? { name: c.name, sequence: 'string' } : { name: c.name, dtype: c.kind === 'int' ? 'int64' : 'string' });
}

function schemaOf(columns: readonly Column[]): Record<string, unknown>[] {
  const schema: Record<string, unknown>[] = [{ name: 'root', num_children: columns.length }];
  for (const c of columns) {
    if (c.kind === 'list') {
      schema.push({ name: c.name, repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 });
      schema.push({ name: 'list', repetition_type: 'REPEATED', num_children: 1 });
      schema.push({ name: 'element', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' });
    } else if (c.kind === 'int') {
      schema.push({ name: c.name, type: 'INT64', repetition_type: 'OPTIONAL' });
    } else {
      schema.push({ name: c.name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' });
    }
  }
  return schema;
}

function cell(value: unknown, kind: ColumnKind): unknown {
  if (value === undefined || value === null) return null;
  if (kind === 'int') return BigInt(value as number);
  if (kind === 'json') return JSON.stringify(value);
  return value;
}

export function rowsToParquet(rows: readonly Record<string, unknown>[], columns: readonly Column[] = columnsOf(rows)): Buffer {
  const buffer = parquetWriteBuffer({
    columnData: columns.map((c) => ({ name: c.name, data: rows.map((r) => cell(r[c.name], c.kind)) as never })),
    schema: schemaOf(columns) as never,
    createdBy: 'swe-flow release (hyparquet-writer)',
    statistics: false,
  });
  return Buffer.from(buffer);
}

export async function writeParquet(file: string, rows: readonly Record<string, unknown>[], columns?: readonly Column[]): Promise<void> {
  await writeFile(file, rowsToParquet(rows, columns));
}

/** Reads a Parquet file back into plain rows (int64 as numbers, JSON text left as text). */
export async function readParquet(file: string): Promise<Record<string, unknown>[]> {
  const bytes = await readFile(file);
  const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const rows = (await parquetReadObjects({ file: ab as ArrayBuffer })) as Record<string, unknown>[];
  return rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])));
}
