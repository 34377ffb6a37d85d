/** A `swe-flow synth` output folder as site data: overview, tasks, graph and schedule. */
import path from 'node:path';
import { parseTestId } from '@swe-flow/core';
import { collectEvaluation, type EvaluationData } from './collect-eval.js';
import { layoutGraph } from './layout.js';
import type { GraphModel, Overview, SiteModel, StageTime, StepModel, TaskDetail } from './model.js';
import { isDir, readJson, readJsonl } from './read.js';
import { taskFromReject, taskFromRow, type RejectLike, type RowLike } from './tasks.js';

interface SummaryFile {
  repo?: string;
  source?: { input?: string; commit?: string };
  runner?: string;
  runtime?: string;
  image?: string;
  modes?: string[];
  environment?: Record<string, string>;
  counts?: Record<string, number>;
  rejectReasons?: Record<string, number>;
  stages?: StageTime[];
}

interface RdgFile {
  tests: { testId: string; coreNodes: string[] }[];
  merged: { nodes: { id: string; role: string }[]; edges: [string, string, number][] };
}

interface ScheduleFile {
  steps: { step: number; testIds: string[]; nodesToDevelop: string[] }[];
}

export async function isRunDir(dir: string): Promise<boolean> {
  return (await readJson(path.join(dir, 'schedule.json')).catch(() => undefined)) !== undefined
    || (await readJson(path.join(dir, 'summary.json')).catch(() => undefined)) !== undefined;
}

/** `src/a.ts:12:3:Circle#area` → `Circle#area`. */
export function labelOf(id: string): string {
  const m = /^(.*?):(\d+):(\d+):(.*)$/.exec(id);
  return m ? m[4]! : id;
}

export function fileOf(id: string): string {
  const m = /^(.*?):(\d+):(\d+):/.exec(id);
  return m ? m[1]! : '';
}

export function buildGraph(rdg: RdgFile, steps: readonly StepModel[]): GraphModel {
  const stepOf = new Map<string, StepModel>();
  for (const s of steps) for (const id of s.nodesToDevelop) stepOf.set(id, s);
  const core = rdg.merged.nodes.filter((n) => n.role === 'core').map((n) => n.id);
  const index = new Map(core.map((id, i) => [id, i]));
  const tests: string[] = [];
  const testsOf = new Map<string, number[]>();
  rdg.tests.forEach((t) => {
    const ti = tests.push(t.testId) - 1;
    for (const id of t.coreNodes) {
      const list = testsOf.get(id);
      if (list) list.push(ti);
      else testsOf.set(id, [ti]);
    }
  });
  const coreEdges = rdg.merged.edges.filter(([a, b]) => index.has(a) && index.has(b));
  const positions = layoutGraph(core.map((id) => ({ id, group: fileOf(id) })), coreEdges.map(([a, b]) => [a, b] as const));
  return {
    tests,
    nodes: core.map((id) => {
      const p = positions.get(id)!;
      const step = stepOf.get(id);
      const status = !step ? 'none' : step.tasks.some((t) => t.verdict === 'verified') ? 'verified' : 'rejected';
      return { id, label: labelOf(id), file: fileOf(id), x: p.x, y: p.y, layer: p.layer, ...(step ? { step: step.step } : {}), status, tests: testsOf.get(id) ?? [] };
    }),
    edges: coreEdges.map(([a, b, n]) => [index.get(a)!, index.get(b)!, n]),
  };
}

async function evaluationOf(dir: string): Promise<EvaluationData> {
  const evalDir = path.join(dir, 'evaluation');
  return (await isDir(evalDir)) ? collectEvaluation(evalDir) : { runs: [], results: new Map() };
}

export async function collectRun(dir: string): Promise<SiteModel> {
  const summary = (await readJson<SummaryFile>(path.join(dir, 'summary.json'))) ?? {};
  const rows = await readJsonl<RowLike>(path.join(dir, 'dataset.jsonl'));
  const rejects = await readJsonl<RejectLike>(path.join(dir, 'rejects.jsonl'));
  const schedule = await readJson<ScheduleFile>(path.join(dir, 'schedule.json'));
  const rdg = await readJson<RdgFile>(path.join(dir, 'rdg.json'));
  const evaluation = await evaluationOf(dir);
  const repo = summary.repo ?? rows[0]?.repo ?? path.basename(dir);

  const details = new Map<string, TaskDetail>();
  for (const row of rows) {
    const verification = await readJson<Record<string, unknown>>(path.join(dir, '.swe-flow', 'verify', `${row.instance_id}.json`)).catch(() => undefined);
    details.set(row.instance_id, taskFromRow(row, { repo, evals: evaluation.results.get(row.instance_id) ?? [], ...(verification ? { verification } : {}) }));
  }
  for (const reject of rejects) {
    if (!details.has(reject.instance_id)) details.set(reject.instance_id, taskFromReject(reject, repo, evaluation.results.get(reject.instance_id) ?? []));
  }
  const tasks = [...details.values()].map((d) => d.summary).sort((a, b) => a.step - b.step || a.mode.localeCompare(b.mode));

  const steps: StepModel[] | undefined = schedule?.steps.map((s) => ({
    step: s.step,
    nodesToDevelop: s.nodesToDevelop,
    testIds: s.testIds,
    tasks: tasks.filter((t) => t.step === s.step).map((t) => ({ instance_id: t.instance_id, mode: t.mode, verdict: t.verdict })),
  }));
  const graph = rdg && steps ? buildGraph(rdg, steps) : undefined;
  const testFiles = new Set((rdg?.tests ?? []).map((t) => parseTestId(t.testId).file));

  const overview: Overview = {
    kind: 'run',
    title: repo,
    source: summary.source?.input ?? dir,
    generatedAt: new Date().toISOString(),
    counts: { ...(summary.counts ?? { verified: rows.length, rejected: rejects.length }), ...(graph ? { functions: graph.nodes.length, testFiles: testFiles.size } : {}) },
    rejectReasons: summary.rejectReasons ?? countBy(rejects.map((r) => r.reason)),
    stages: summary.stages ?? [],
    facts: Object.fromEntries(Object.entries({
      runner: summary.runner,
      runtime: summary.runtime,
      modes: summary.modes?.join(', '),
      commit: summary.source?.commit,
      image: summary.image,
      node: summary.environment?.node,
      'package manager': summary.environment?.packageManager,
    }).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== '')),
    evalRuns: evaluation.runs,
    pages: { graph: !!graph, schedule: !!steps, tasks: tasks.length > 0, evaluation: evaluation.runs.length > 0 },
  };
  return { overview, tasks, details, ...(graph ? { graph } : {}), ...(steps ? { steps } : {}) };
}

export function countBy(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}
