/**
 * A dataset release folder (`release.json` and `data/<split>-*.jsonl`, the layout the Hugging Face hub
 * reads) as site data: splits, repositories and a searchable table of every row.
 */
import path from 'node:path';
import { collectEvaluation, type EvaluationData } from './collect-eval.js';
import { countBy } from './collect-run.js';
import type { Overview, SiteModel, TaskDetail } from './model.js';
import { isDir, isFile, listFiles, readJson, readJsonl } from './read.js';
import { taskFromRow, type RowLike } from './tasks.js';

export async function isReleaseDir(dir: string): Promise<boolean> {
  return (await isFile(path.join(dir, 'release.json'))) || (await listFiles(path.join(dir, 'data'), '.jsonl')).length > 0;
}

export async function collectRelease(dir: string): Promise<SiteModel> {
  const release = (await readJson<Record<string, unknown>>(path.join(dir, 'release.json'))) ?? {};
  const evalDir = ['evaluation', 'reports'].map((d) => path.join(dir, d));
  let evaluation: EvaluationData = { runs: [], results: new Map() };
  for (const d of evalDir) if (await isDir(d)) { evaluation = await collectEvaluation(d); if (evaluation.runs.length) break; }
  const details = new Map<string, TaskDetail>();
  const splitOfRepo = new Map<string, string>();
  for (const file of await listFiles(path.join(dir, 'data'), '.jsonl')) {
    const split = path.basename(file).split('-')[0]!;
    for (const row of await readJsonl<RowLike>(file)) {
      const repo = row.repo ?? '';
      if (split !== 'lite') splitOfRepo.set(repo, split);
      if (details.has(row.instance_id)) continue;
      details.set(row.instance_id, taskFromRow(row, { repo, split, evals: evaluation.results.get(row.instance_id) ?? [] }));
    }
  }
  const tasks = [...details.values()].map((d) => d.summary).sort((a, b) => a.repo.localeCompare(b.repo) || a.step - b.step || a.mode.localeCompare(b.mode));
  const perRepo = countBy(tasks.map((t) => t.repo));
  const version = typeof release.version === 'string' ? release.version : '';
  const overview: Overview = {
    kind: 'release',
    title: `${typeof release.name === 'string' ? release.name : path.basename(dir)}${version ? ` ${version}` : ''}`,
    source: dir,
    generatedAt: new Date().toISOString(),
    counts: { tasks: tasks.length, repositories: Object.keys(perRepo).length },
    rejectReasons: {},
    stages: [],
    facts: Object.fromEntries(Object.entries(release).filter((e): e is [string, string] => typeof e[1] === 'string')),
    splits: countBy(tasks.map((t) => t.split ?? 'train')),
    repositories: Object.entries(perRepo).map(([repo, n]) => ({ repo, tasks: n, ...(splitOfRepo.has(repo) ? { split: splitOfRepo.get(repo)! } : {}) })),
    evalRuns: evaluation.runs,
    pages: { graph: false, schedule: false, tasks: tasks.length > 0, evaluation: evaluation.runs.length > 0 },
  };
  return { overview, tasks, details };
}
