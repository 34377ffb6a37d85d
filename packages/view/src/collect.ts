/** Which kind of folder was given, and its site data. */
import path from 'node:path';
import { ErrorCodes, SweFlowError } from '@swe-flow/core';
import { collectEvaluation, isEvaluationDir } from './collect-eval.js';
import { collectRelease, isReleaseDir } from './collect-release.js';
import { isRunDir } from './collect-run.js';
import { collectRun } from './collect-run.js';
import type { Overview, SiteModel, TaskDetail, ViewKind } from './model.js';
import { isDir, readJsonl } from './read.js';
import { taskFromRow, type RowLike } from './tasks.js';

export async function detectKind(dir: string): Promise<ViewKind> {
  if (!(await isDir(dir))) throw new SweFlowError(ErrorCodes.PATH_MISSING, `${dir} is not a folder; give the output folder of swe-flow synth, release or eval`);
  if (await isRunDir(dir)) return 'run';
  if (await isReleaseDir(dir)) return 'release';
  if (await isEvaluationDir(dir)) return 'evaluation';
  throw new SweFlowError(ErrorCodes.INPUT_INVALID, `${dir} holds no swe-flow output (no summary.json or schedule.json, no release.json or data/*.jsonl, no <run>/report.json); give the --out folder of synth, release build or eval`);
}

/** An evaluation folder on its own; rows come from the dataset beside it when there is one. */
async function collectEvaluationSite(dir: string): Promise<SiteModel> {
  const evaluation = await collectEvaluation(dir);
  const rows = new Map((await readJsonl<RowLike>(path.join(path.dirname(dir), 'dataset.jsonl'))).map((r) => [r.instance_id, r]));
  const details = new Map<string, TaskDetail>();
  for (const [id, evals] of evaluation.results) {
    const row: RowLike = rows.get(id) ?? { instance_id: id };
    details.set(id, taskFromRow(row, { repo: row.repo ?? '', evals }));
  }
  const tasks = [...details.values()].map((d) => d.summary).sort((a, b) => a.instance_id.localeCompare(b.instance_id));
  const overview: Overview = {
    kind: 'evaluation',
    title: `evaluation: ${evaluation.runs.map((r) => r.model).join(', ')}`,
    source: dir,
    generatedAt: new Date().toISOString(),
    counts: { runs: evaluation.runs.length, instances: tasks.length },
    rejectReasons: {},
    stages: [],
    facts: {},
    evalRuns: evaluation.runs,
    pages: { graph: false, schedule: false, tasks: tasks.length > 0, evaluation: true },
  };
  return { overview, tasks, details };
}

export async function collectSite(dir: string): Promise<SiteModel> {
  const abs = path.resolve(dir);
  const kind = await detectKind(abs);
  if (kind === 'run') return collectRun(abs);
  if (kind === 'release') return collectRelease(abs);
  return collectEvaluationSite(abs);
}
