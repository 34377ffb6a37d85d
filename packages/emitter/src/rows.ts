import { createRequire } from 'node:module';
import { writeFileAtomic } from '@swe-flow/runtime';
import path from 'node:path';
import AjvModule from 'ajv';
import { DATASET_SCHEMA_VERSION, ErrorCodes, SweFlowError, type DatasetRow, type DifficultyEvidence, type RejectRow, type RunnerName } from '@swe-flow/core';
import type { VerifiedTask } from './verify/index.js';
import { addedLines, difficultyEvidence, difficultyOf } from './difficulty.js';

const require = createRequire(import.meta.url);
/** The JSON Schema of a dataset row, shipped with the package (`schema/dataset-row.schema.json`). */
export const datasetRowSchema = require('../schema/dataset-row.schema.json') as Record<string, unknown>;
export const DATASET_ROW_SCHEMA_PATH = require.resolve('../schema/dataset-row.schema.json');

const Ajv = (AjvModule as unknown as { default?: typeof AjvModule }).default ?? AjvModule;
const validate = new (Ajv as unknown as new (o: object) => { compile(s: object): ((d: unknown) => boolean) & { errors?: { instancePath: string; message?: string }[] | null } })({ allErrors: true }).compile(datasetRowSchema);

/** Throws SWEFLOW_SCHEMA_INVALID with every violation when a row does not match the schema. */
export function validateRow(row: unknown): asserts row is DatasetRow {
  if (!validate(row)) {
    const errors = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`).join('; ');
    throw new SweFlowError(ErrorCodes.SCHEMA_INVALID, `dataset row does not match its schema: ${errors}`, { details: { row } });
  }
}

/** The evidence of a verified task: its patch, functions, files and FAIL_TO_PASS tests, and its step's place in the RDG. */
export function evidenceOf(task: VerifiedTask): DifficultyEvidence {
  const c = task.candidate;
  return difficultyEvidence({
    added_lines: addedLines(c.patch),
    functions: c.nodesToDevelop.length,
    files: c.changedFiles.length,
    fail_to_pass: task.failToPass.length,
    call_depth: c.callDepth ?? 1,
    callers: c.callers ?? 0,
  });
}

export interface RowContext {
  repo: string;
  runner: RunnerName;
  image: string;
  version: string;
  createdAt: string;
  problemStatement: string;
  testCommand: string;
}

export function buildRow(task: VerifiedTask, ctx: RowContext): DatasetRow {
  const c = task.candidate;
  const evidence = evidenceOf(task);
  const row: DatasetRow = {
    instance_id: c.instanceId,
    repo: ctx.repo,
    base_commit: c.baseCommit,
    reference_commit: c.referenceCommit,
    patch: c.patch,
    test_patch: '',
    problem_statement: ctx.problemStatement,
    FAIL_TO_PASS: task.failToPass,
    PASS_TO_PASS: task.passToPass,
    image: ctx.image,
    version: ctx.version,
    created_at: ctx.createdAt,
    environment_setup_commit: c.originalCommit,
    step: c.step,
    mode: c.mode,
    nodes_to_develop: c.nodesToDevelop,
    target_core_nodes: c.targetCore,
    dependent_core_nodes: c.dependentCore,
    test_files: c.testFiles,
    test_command: ctx.testCommand,
    difficulty: difficultyOf(evidence),
    difficulty_evidence: evidence,
    runner: ctx.runner,
    schema_version: DATASET_SCHEMA_VERSION,
  };
  validateRow(row);
  return row;
}

/** Writes a file atomically: a temp file in the same folder, then a rename. */

export function toJsonl(rows: readonly object[]): string {
  return rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : '');
}

/** Writes `dataset.jsonl` (every row validated) and `rejects.jsonl`. */
export async function writeDataset(outDir: string, rows: readonly DatasetRow[], rejects: readonly RejectRow[]): Promise<void> {
  for (const row of rows) validateRow(row);
  await writeFileAtomic(path.join(outDir, 'dataset.jsonl'), toJsonl(rows));
  await writeFileAtomic(path.join(outDir, 'rejects.jsonl'), toJsonl(rejects));
}

