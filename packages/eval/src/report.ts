/** The run report (`<out>/<run-id>/report.json`) and its Markdown rendering (`summary.md`). */
import type { Grade, InstanceReport } from './evaluate.js';

export interface RateRow {
  /** Instances graded, infrastructure errors excluded: they are ours, not the model's. */
  graded: number;
  resolved: number;
  /** resolved / graded, 0 when nothing was graded. */
  rate: number;
}

export interface RunReport {
  schemaVersion: 1;
  run_id: string;
  dataset: string;
  predictions: string;
  runtime: 'local' | 'docker';
  image?: string;
  workers: number;
  startedAt: string;
  durationMs: number;
  /** Predictions graded in this run. */
  total: number;
  /** Of those, how many were evaluated now (the rest were read from the stored reports: same patch). */
  evaluated: number;
  cached: number;
  counts: Record<Grade, number>;
  /** resolved / (total - error). */
  resolved_rate: number;
  overall: RateRow;
  per_repo: Record<string, RateRow>;
  per_difficulty: Record<string, RateRow>;
  /** Infrastructure failures, reported apart and left out of every rate. */
  errors: { instance_id: string; reason: string }[];
  unresolved: { instance_id: string; grade: Grade; reason: string; failing: string[] }[];
  /** Dataset rows selected but with no prediction (not graded). */
  without_prediction: string[];
  /** Predictions whose instance id is not in the dataset (ignored). */
  unknown_predictions: string[];
  instances: { instance_id: string; grade: Grade; cached: boolean; patch_sha256: string }[];
  /** Where the reports were written (not stored in the file). */
  reportDir?: string;
}

export interface RunFacts {
  runId: string;
  dataset: string;
  predictions: string;
  runtime: 'local' | 'docker';
  image?: string;
  workers: number;
  evaluated: number;
  withoutPrediction: string[];
  unknownPredictions: string[];
  startedAt: string;
  durationMs: number;
}

const rateRow = (list: readonly InstanceReport[]): RateRow => {
  const graded = list.filter((r) => r.grade !== 'error');
  const resolved = graded.filter((r) => r.grade === 'resolved').length;
  return { graded: graded.length, resolved, rate: graded.length ? resolved / graded.length : 0 };
};

const groupBy = (list: readonly InstanceReport[], key: (r: InstanceReport) => string): Record<string, RateRow> => {
  const groups = new Map<string, InstanceReport[]>();
  for (const r of list) groups.set(key(r), [...(groups.get(key(r)) ?? []), r]);
  return Object.fromEntries([...groups.keys()].sort().map((k) => [k, rateRow(groups.get(k)!)]));
};

export function summarize(reports: readonly InstanceReport[], facts: RunFacts): RunReport {
  const counts: Record<Grade, number> = { resolved: 0, unresolved: 0, patch_failed: 0, error: 0, timeout: 0 };
  for (const r of reports) counts[r.grade]++;
  const overall = rateRow(reports);
  return {
    schemaVersion: 1,
    run_id: facts.runId,
    dataset: facts.dataset,
    predictions: facts.predictions,
    runtime: facts.runtime,
    ...(facts.image ? { image: facts.image } : {}),
    workers: facts.workers,
    startedAt: facts.startedAt,
    durationMs: facts.durationMs,
    total: reports.length,
    evaluated: facts.evaluated,
    cached: reports.length - facts.evaluated,
    counts,
    resolved_rate: overall.rate,
    overall,
    per_repo: groupBy(reports, (r) => r.repo),
    per_difficulty: groupBy(reports, (r) => r.difficulty),
    errors: reports.filter((r) => r.grade === 'error').map((r) => ({ instance_id: r.instance_id, reason: r.reason ?? '' })),
    unresolved: reports
      .filter((r) => r.grade !== 'resolved' && r.grade !== 'error')
      .map((r) => ({
        instance_id: r.instance_id,
        grade: r.grade,
        reason: r.reason ?? '',
        failing: [...r.FAIL_TO_PASS.failed, ...r.FAIL_TO_PASS.missing, ...r.PASS_TO_PASS.failed, ...r.PASS_TO_PASS.missing],
      })),
    without_prediction: facts.withoutPrediction,
    unknown_predictions: facts.unknownPredictions,
    instances: reports.map((r) => ({ instance_id: r.instance_id, grade: r.grade, cached: r.cached === true, patch_sha256: r.patch_sha256 })),
  };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export function renderSummary(run: RunReport): string {
  const lines: string[] = [];
  lines.push(`# Evaluation ${run.run_id}`, '');
  lines.push(`Dataset \`${run.dataset}\`, predictions \`${run.predictions}\`, runtime ${run.runtime}${run.image ? ` (\`${run.image}\`)` : ''}, ${run.workers} worker(s).`);
  lines.push(`${run.total} predictions: ${run.evaluated} evaluated now, ${run.cached} read from stored reports (patch unchanged). ${(run.durationMs / 1000).toFixed(1)} s.`, '');
  lines.push(`**Resolved: ${run.overall.resolved} / ${run.overall.graded} = ${pct(run.overall.rate)}** (infrastructure errors excluded: ${run.counts.error})`, '');
  lines.push('| grade | count |', '|---|---|');
  for (const [g, n] of Object.entries(run.counts)) lines.push(`| ${g} | ${n} |`);
  const table = (title: string, rows: Record<string, RateRow>) => {
    lines.push('', `## ${title}`, '', '| | resolved | graded | rate |', '|---|---|---|---|');
    for (const [k, r] of Object.entries(rows)) lines.push(`| ${k} | ${r.resolved} | ${r.graded} | ${pct(r.rate)} |`);
  };
  table('Per repository', run.per_repo);
  table('Per difficulty', run.per_difficulty);
  lines.push('', '## Infrastructure errors (not counted against the model)', '');
  if (run.errors.length === 0) lines.push('None.');
  for (const e of run.errors) lines.push(`- \`${e.instance_id}\`: ${e.reason}`);
  if (run.unresolved.length) {
    lines.push('', '## Not resolved', '');
    for (const u of run.unresolved) {
      lines.push(`- \`${u.instance_id}\` — ${u.grade}: ${u.reason}`);
      for (const t of u.failing.slice(0, 10)) lines.push(`  - ${t}`);
      if (u.failing.length > 10) lines.push(`  - … ${u.failing.length - 10} more`);
    }
  }
  if (run.without_prediction.length) lines.push('', `Rows without a prediction (not graded): ${run.without_prediction.length}.`);
  if (run.unknown_predictions.length) lines.push('', `Predictions for unknown instances (ignored): ${run.unknown_predictions.join(', ')}.`);
  return `${lines.join('\n')}\n`;
}
