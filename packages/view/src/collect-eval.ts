/** Evaluation runs (`swe-flow eval` output: `<dir>/<run-id>/report.json` and one folder per instance). */
import path from 'node:path';
import type { EvalResult, EvalRunSummary } from './model.js';
import { isFile, listDirs, readJson, readText } from './read.js';

interface RunReportFile {
  run_id: string;
  total: number;
  counts: Record<string, number>;
  overall: { graded: number; resolved: number; rate: number };
  per_repo: Record<string, { graded: number; resolved: number; rate: number }>;
  instances: { instance_id: string; grade: string }[];
}

interface InstanceReportFile {
  instance_id: string;
  model_name_or_path: string;
  grade: string;
  reason?: string;
  FAIL_TO_PASS?: EvalResult['failToPass'];
  PASS_TO_PASS?: EvalResult['passToPass'];
  durationMs?: number;
}

export interface EvaluationData {
  runs: EvalRunSummary[];
  /** instance id → one result per run. */
  results: Map<string, EvalResult[]>;
}

const LOG_FILES = ['apply.log', 'test-stdout.log', 'test-stderr.log', 'patch.diff'];
/** Logs are cut to their end on the page; the full files stay in the evaluation folder. */
const LOG_LIMIT = 32 * 1024;

export async function isEvaluationDir(dir: string): Promise<boolean> {
  for (const run of await listDirs(dir)) if (await isFile(path.join(run, 'report.json'))) return true;
  return false;
}

export async function collectEvaluation(dir: string): Promise<EvaluationData> {
  const runs: EvalRunSummary[] = [];
  const results = new Map<string, EvalResult[]>();
  for (const runDir of await listDirs(dir)) {
    const report = await readJson<RunReportFile>(path.join(runDir, 'report.json'));
    if (!report) continue;
    let model = report.run_id;
    for (const inst of report.instances ?? []) {
      const instDir = path.join(runDir, inst.instance_id.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 100));
      const file = await readJson<InstanceReportFile>(path.join(instDir, 'report.json'));
      if (file?.model_name_or_path) model = file.model_name_or_path;
      const logs: EvalResult['logs'] = [];
      for (const name of LOG_FILES) {
        const text = await readText(path.join(instDir, name));
        if (text) logs.push({ name, text: text.length > LOG_LIMIT ? `[… ${text.length - LOG_LIMIT} characters before]\n${text.slice(-LOG_LIMIT)}` : text });
      }
      const result: EvalResult = {
        run_id: report.run_id,
        model: file?.model_name_or_path ?? report.run_id,
        grade: file?.grade ?? inst.grade,
        ...(file?.reason ? { reason: file.reason } : {}),
        ...(file?.FAIL_TO_PASS ? { failToPass: file.FAIL_TO_PASS } : {}),
        ...(file?.PASS_TO_PASS ? { passToPass: file.PASS_TO_PASS } : {}),
        ...(file?.durationMs !== undefined ? { durationMs: file.durationMs } : {}),
        logs,
      };
      results.set(inst.instance_id, [...(results.get(inst.instance_id) ?? []), result]);
    }
    runs.push({
      run_id: report.run_id,
      model,
      total: report.total,
      graded: report.overall?.graded ?? 0,
      resolved: report.overall?.resolved ?? 0,
      rate: report.overall?.rate ?? 0,
      counts: report.counts ?? {},
      perRepo: report.per_repo ?? {},
    });
  }
  return { runs, results };
}
