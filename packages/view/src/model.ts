/** What the site shows, as plain data: built in Node from an output folder, read in the browser. */

export type ViewKind = 'run' | 'release' | 'evaluation';

export interface StageTime {
  stage: string;
  ms: number;
  skipped: boolean;
}

/** `verified`, or the reason a candidate was rejected. */
export type Verdict = 'verified' | string;

export interface TaskSummary {
  instance_id: string;
  repo: string;
  mode: string;
  step: number;
  verdict: Verdict;
  difficulty?: string;
  split?: string;
  failToPass: number;
  passToPass: number;
  functions: number;
  addedLines: number;
  removedLines: number;
  files: string[];
  /** Grades per evaluation run (run id → grade). */
  grades: Record<string, string>;
}

export interface EvalResult {
  run_id: string;
  model: string;
  grade: string;
  reason?: string;
  failToPass?: { passed: string[]; failed: string[]; missing: string[] };
  passToPass?: { passed: string[]; failed: string[]; missing: string[] };
  durationMs?: number;
  logs: { name: string; text: string }[];
}

export interface TaskDetail {
  summary: TaskSummary;
  problem_statement?: string;
  patch?: string;
  FAIL_TO_PASS: string[];
  PASS_TO_PASS: string[];
  /** How PASS_TO_PASS was checked (run on base and reference, or proven unaffected by the trace). */
  passToPassRun?: number;
  passToPassProvenUnaffected?: number;
  droppedFailToPass: string[];
  reject?: { reason: string; detail: string };
  meta: Record<string, unknown>;
  /** The stored verification record of the task, as written by `synth`. */
  verification?: Record<string, unknown>;
  evals: EvalResult[];
}

export interface GraphModel {
  /** Test ids, indexed by `GraphNode.tests`. */
  tests: string[];
  nodes: GraphNode[];
  /** [source index, target index, calls] over `nodes`. */
  edges: [number, number, number][];
}

export interface GraphNode {
  id: string;
  label: string;
  file: string;
  x: number;
  y: number;
  layer: number;
  /** The step that develops the function, if any. */
  step?: number;
  /** verified: a verified task develops it; rejected: only rejected candidates do; none: no step. */
  status: 'verified' | 'rejected' | 'none';
  tests: number[];
}

export interface StepModel {
  step: number;
  nodesToDevelop: string[];
  testIds: string[];
  tasks: { instance_id: string; mode: string; verdict: Verdict }[];
}

export interface EvalRunSummary {
  run_id: string;
  model: string;
  total: number;
  graded: number;
  resolved: number;
  rate: number;
  counts: Record<string, number>;
  perRepo: Record<string, { graded: number; resolved: number; rate: number }>;
}

export interface Overview {
  kind: ViewKind;
  title: string;
  source: string;
  generatedAt: string;
  counts: Record<string, number>;
  rejectReasons: Record<string, number>;
  stages: StageTime[];
  facts: Record<string, string>;
  /** Release: rows per split and per repository. */
  splits?: Record<string, number>;
  repositories?: { repo: string; tasks: number; split?: string }[];
  evalRuns: EvalRunSummary[];
  pages: { graph: boolean; schedule: boolean; tasks: boolean; evaluation: boolean };
}

export interface SiteModel {
  overview: Overview;
  tasks: TaskSummary[];
  details: Map<string, TaskDetail>;
  graph?: GraphModel;
  steps?: StepModel[];
}
