/** Reading a dataset (a synth output directory or its dataset.jsonl) and SWE-bench predictions. */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCodes, SweFlowError, type DatasetRow } from '@swe-flow/core';
import type { InstallRecordForImage } from '@swe-flow/runtime';

export interface Prediction {
  instance_id: string;
  model_name_or_path: string;
  model_patch: string;
}

export interface LoadedDataset {
  /** The synth output directory (holds task-repo.git, repo.json, trace.json). */
  dir: string;
  rows: DatasetRow[];
  /** `repo.json`, when present. */
  repo?: { name?: string; runner?: string; workDir?: string; nodeVersion?: string; testEnv?: Record<string, string>; install?: InstallRecordForImage; build?: string[]; builtOutput?: { dir: string }[] };
  /** `trace.json`'s `testFiles`, when present. */
  traceTestFiles: string[];
}

async function readJson<T>(file: string): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text) as T;
  } catch (cause) {
    throw new SweFlowError(ErrorCodes.INPUT_INVALID, `${file} is not valid JSON; regenerate it with swe-flow synth`, { cause });
  }
}

/** JSONL or a JSON array; blank lines are skipped. */
export function parseJsonRecords(text: string, source: string): unknown[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  if (trimmed.startsWith('[')) {
    try {
      return JSON.parse(trimmed) as unknown[];
    } catch (cause) {
      throw new SweFlowError(ErrorCodes.INPUT_INVALID, `${source} is not a valid JSON array`, { cause });
    }
  }
  return trimmed.split('\n').flatMap((line, i) => {
    if (!line.trim()) return [];
    try {
      return [JSON.parse(line) as unknown];
    } catch (cause) {
      throw new SweFlowError(ErrorCodes.INPUT_INVALID, `${source} line ${i + 1} is not JSON; expected one object per line`, { cause });
    }
  });
}

export async function loadDataset(input: string): Promise<LoadedDataset> {
  const abs = path.resolve(input);
  let info;
  try {
    info = await stat(abs);
  } catch (cause) {
    throw new SweFlowError(ErrorCodes.PATH_MISSING, `dataset ${abs} does not exist; pass a synth output directory or its dataset.jsonl`, { cause });
  }
  const dir = info.isDirectory() ? abs : path.dirname(abs);
  const file = info.isDirectory() ? path.join(abs, 'dataset.jsonl') : abs;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new SweFlowError(ErrorCodes.PATH_MISSING, `${file} does not exist; run swe-flow synth first`, { cause });
  }
  const rows = parseJsonRecords(text, file) as DatasetRow[];
  for (const [i, r] of rows.entries()) {
    if (typeof r?.instance_id !== 'string' || typeof r.base_commit !== 'string' || !Array.isArray(r.FAIL_TO_PASS) || !Array.isArray(r.PASS_TO_PASS)) {
      throw new SweFlowError(ErrorCodes.INPUT_INVALID, `${file} record ${i + 1} is not a dataset row (instance_id, base_commit, FAIL_TO_PASS, PASS_TO_PASS)`);
    }
  }
  const repo = await readJson<LoadedDataset['repo']>(path.join(dir, 'repo.json'));
  if (repo) repo.workDir = installedCopyOf(dir, repo.workDir);
  const trace = await readJson<{ testFiles?: string[] }>(path.join(dir, 'trace.json'));
  return { dir, rows, ...(repo ? { repo } : {}), traceTestFiles: trace?.testFiles ?? [] };
}

/**
 * The dataset's installed copy of the repository: `workDir` is relative to the dataset folder. An
 * absolute one (datasets written before that) is never followed: it may be a folder the dataset was
 * moved from, whose node_modules are not this dataset's; the copy is looked for in this folder instead.
 */
export function installedCopyOf(datasetDir: string, workDir: string | undefined): string {
  if (workDir !== undefined && !path.isAbsolute(workDir)) return path.resolve(datasetDir, workDir);
  return path.join(datasetDir, '.work', 'repo');
}

/** `gold` (each row's reference patch), `empty` (no change), or a JSONL / JSON-array file. */
export async function loadPredictions(spec: string | readonly Prediction[], rows: readonly DatasetRow[]): Promise<Prediction[]> {
  if (typeof spec !== 'string') return [...spec];
  if (spec === 'gold') return rows.map((r) => ({ instance_id: r.instance_id, model_name_or_path: 'gold', model_patch: r.patch }));
  if (spec === 'empty') return rows.map((r) => ({ instance_id: r.instance_id, model_name_or_path: 'empty', model_patch: '' }));
  const file = path.resolve(spec);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new SweFlowError(ErrorCodes.PATH_MISSING, `predictions file ${file} does not exist; pass a JSONL file, a JSON array, gold or empty`, { cause });
  }
  const records = parseJsonRecords(text, file);
  return records.map((r, i) => {
    const p = r as Partial<Prediction>;
    if (typeof p?.instance_id !== 'string' || typeof p.model_patch !== 'string' && p.model_patch !== null) {
      throw new SweFlowError(ErrorCodes.INPUT_INVALID, `${file} record ${i + 1} lacks instance_id or model_patch (SWE-bench prediction format)`);
    }
    return { instance_id: p.instance_id, model_name_or_path: typeof p.model_name_or_path === 'string' ? p.model_name_or_path : 'unknown', model_patch: p.model_patch ?? '' };
  });
}
