/** Task summaries and details from dataset rows, rejects and stored verification records. */
import type { EvalResult, TaskDetail, TaskSummary } from './model.js';
import { diffFiles, diffSize } from './read.js';

/** The fields of a dataset row the site reads (rows carry more; all of them are shown as facts). */
export interface RowLike {
  instance_id: string;
  repo?: string;
  mode?: string;
  step?: number;
  patch?: string;
  problem_statement?: string;
  FAIL_TO_PASS?: string[];
  PASS_TO_PASS?: string[];
  nodes_to_develop?: string[];
  difficulty?: string;
  [key: string]: unknown;
}

export interface RejectLike {
  instance_id: string;
  step?: number;
  mode?: string;
  reason: string;
  detail?: string;
  tests?: string[];
}

/** Long text fields stay out of the facts table: they have sections of their own. */
const OWN_SECTIONS = new Set(['patch', 'problem_statement', 'FAIL_TO_PASS', 'PASS_TO_PASS', 'test_patch']);

function gradesOf(evals: readonly EvalResult[]): Record<string, string> {
  return Object.fromEntries(evals.map((e) => [e.run_id, e.grade]));
}

export function taskFromRow(row: RowLike, extra: { split?: string; verification?: Record<string, unknown>; evals: EvalResult[]; repo: string }): TaskDetail {
  const size = diffSize(row.patch);
  const task = (extra.verification?.task ?? {}) as Record<string, unknown>;
  const summary: TaskSummary = {
    instance_id: row.instance_id,
    repo: row.repo ?? extra.repo,
    mode: row.mode ?? '',
    step: row.step ?? 0,
    verdict: 'verified',
    ...(row.difficulty ? { difficulty: row.difficulty } : {}),
    ...(extra.split ? { split: extra.split } : {}),
    failToPass: row.FAIL_TO_PASS?.length ?? 0,
    passToPass: row.PASS_TO_PASS?.length ?? 0,
    functions: row.nodes_to_develop?.length ?? 0,
    addedLines: size.added,
    removedLines: size.removed,
    files: diffFiles(row.patch),
    grades: gradesOf(extra.evals),
  };
  return {
    summary,
    ...(row.problem_statement !== undefined ? { problem_statement: row.problem_statement } : {}),
    ...(row.patch !== undefined ? { patch: row.patch } : {}),
    FAIL_TO_PASS: row.FAIL_TO_PASS ?? [],
    PASS_TO_PASS: row.PASS_TO_PASS ?? [],
    ...(typeof task.passToPassRun === 'number' ? { passToPassRun: task.passToPassRun } : {}),
    ...(typeof task.passToPassProvenUnaffected === 'number' ? { passToPassProvenUnaffected: task.passToPassProvenUnaffected } : {}),
    droppedFailToPass: Array.isArray(task.droppedFailToPass) ? (task.droppedFailToPass as string[]) : [],
    meta: Object.fromEntries(Object.entries(row).filter(([k]) => !OWN_SECTIONS.has(k))),
    ...(extra.verification ? { verification: extra.verification } : {}),
    evals: extra.evals,
  };
}

export function taskFromReject(reject: RejectLike, repo: string, evals: EvalResult[]): TaskDetail {
  return {
    summary: {
      instance_id: reject.instance_id,
      repo,
      mode: reject.mode ?? '',
      step: reject.step ?? 0,
      verdict: reject.reason,
      failToPass: reject.tests?.length ?? 0,
      passToPass: 0,
      functions: 0,
      addedLines: 0,
      removedLines: 0,
      files: [],
      grades: gradesOf(evals),
    },
    FAIL_TO_PASS: reject.tests ?? [],
    PASS_TO_PASS: [],
    droppedFailToPass: [],
    reject: { reason: reject.reason, detail: reject.detail ?? '' },
    meta: { ...reject },
    evals,
  };
}
