/** Task and dataset contracts: `tasks/<id>/meta.json`, `dataset.jsonl`, `rejects.jsonl`. */

export const DATASET_SCHEMA_VERSION = 1;

export type TaskMode = 'isolated' | 'incremental';

export type RejectReason =
  | 'no-new-functions'
  | 'patch-too-small'
  | 'f2p-passing-on-base'
  | 'f2p-failing-on-reference'
  | 'p2p-broken-on-base'
  | 'p2p-failing-on-reference'
  | 'flaky'
  | 'module-load-stub'
  | 'timeout'
  | 'type-check-error'
  | 'stub-failed'
  | 'tests-missing'
  | 'infrastructure-error'
  /** The task's solution can be found in its environment (swe-flow audit). */
  | 'solution-reachable'
  /** The problem statement leaves out a function to implement or a FAIL_TO_PASS test, or exceeds the length budget. */
  | 'statement-check-failed';

export interface DatasetRow {
  instance_id: string;
  repo: string;
  base_commit: string;
  reference_commit: string;
  patch: string;
  test_patch: string;
  problem_statement: string;
  FAIL_TO_PASS: string[];
  PASS_TO_PASS: string[];
  image: string;
  /** The task's instance image (docker runtime): /testbed holds only base_commit. SWE-smith's field name. */
  image_name?: string;
  /** Runs the task's tests in its instance image and prints a verdict: `docker run ... sh /eval.sh`. */
  eval_command?: string;
  version: string;
  created_at: string;
  environment_setup_commit: string;
  step: number;
  mode: TaskMode;
  nodes_to_develop: string[];
  target_core_nodes: string[];
  dependent_core_nodes: string[];
  test_files: string[];
  test_command: string;
  difficulty: 'easy' | 'medium' | 'hard';
  /** What `difficulty` was derived from (absent in rows written before it existed). */
  difficulty_evidence?: DifficultyEvidence;
  runner: string;
  schema_version: typeof DATASET_SCHEMA_VERSION;
}

/** The measures a task's difficulty is derived from (thresholds: `DIFFICULTY_THRESHOLDS` in @swe-flow/emitter). */
export interface DifficultyEvidence {
  /** Non-blank lines the reference patch adds. */
  added_lines: number;
  /** Functions to implement (`nodes_to_develop`). */
  functions: number;
  /** Files the patch changes. */
  files: number;
  fail_to_pass: number;
  /** Functions on the longest core → core call chain a developed function starts, in the RDG (1: calls no core function). */
  call_depth: number;
  /** Distinct functions (tests or core, outside the task) that call a developed function in the RDG. */
  callers: number;
  /** Weighted sum of the measures' levels (0–14): easy ≤ 3, medium 4–7, hard ≥ 8. */
  score: number;
}

export interface RejectRow {
  instance_id: string;
  step: number;
  mode: TaskMode;
  reason: RejectReason;
  detail: string;
  tests?: string[];
}
