/** The dataset card (`README.md`) with the YAML header the Hugging Face hub reads (pure). */
import { stringify as yaml } from 'yaml';
import { DIFFICULTY_SCORE_BANDS, DIFFICULTY_THRESHOLDS, DIFFICULTY_WEIGHTS, addedLines } from '@swe-flow/emitter';
import type { Column } from './parquet.js';
import { hubFeatures } from './parquet.js';
import type { ReleaseRow, DroppedRow } from './merge.js';
import type { RepoResult } from './build-repo.js';
import { auditTotals, type RepoAudit } from './audit.js';

export interface CardInput {
  name: string;
  description: string;
  version: string;
  generator: string;
  splits: Record<string, ReleaseRow[]>;
  dataFiles: Record<string, { parquet: string; jsonl: string }>;
  columns: Column[];
  repos: RepoResult[];
  splitOf: ReadonlyMap<string, string>;
  dropped: DroppedRow[];
  /** Per repository, the environment audit of its tasks. */
  audits?: ReadonlyMap<string, RepoAudit>;
  /** The release folder, left out of the messages the card quotes (the builder's paths are not the dataset's). */
  dir?: string;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A failure's message as the card shows it: its first line, without the builder's own folders (a
 * repository's working copy `<dir>/.build/<repo>/synth/.work/repo` reads `the repository`, the rest of
 * the release folder is left relative), so the card does not depend on where the release was built.
 */
export function publicMessage(message: string, dir: string | undefined): string {
  let line = message.split('\n')[0]!;
  if (dir) {
    const root = dir.replace(/\/+$/, '');
    line = line.replace(new RegExp(`${escapeRegExp(root)}/\\.build/[^/\\s]+/synth/\\.work/repo`, 'g'), 'the repository')
      .replace(new RegExp(`${escapeRegExp(root)}/`, 'g'), '');
  }
  return line;
}

function table(head: string[], rows: (string | number)[][]): string {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

const count = <T>(list: readonly T[], key: (x: T) => string) => {
  const out = new Map<string, number>();
  for (const x of list) out.set(key(x), (out.get(key(x)) ?? 0) + 1);
  return out;
};

function median(values: number[]): number {
  if (!values.length) return 0;
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

function auditSection(audits: CardInput['audits']): string {
  if (!audits || audits.size === 0) return '- audit: no repository with tasks.';
  const t = auditTotals(audits);
  const rows = [...audits.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, a]) => [name, a.ran ? (a.runtime ?? '') : 'not audited', a.tasks, a.solutionReachable, a.report ? `\`${a.report}\`` : '—']);
  return `- audit of the task environments (\`swe-flow audit\`: each task's solution searched for in every file and git object of its environment): ${t.tasks} tasks in ${t.repositories} repositories, ${t.solutionReachable} with the solution reachable (rejected as \`solution-reachable\`, not published)${t.notAudited.length ? `; not audited: ${t.notAudited.join(', ')}` : ''}; ${(t.durationMs / 1000).toFixed(1)} s in all.

${table(['repository', 'audit', 'tasks audited', 'solution reachable', 'report'], rows)}`;
}

/** What each difficulty measure is called on the card. */
const MEASURE_NAMES: Record<keyof typeof DIFFICULTY_THRESHOLDS, string> = {
  added_lines: 'added lines',
  functions: 'functions to implement',
  files: 'files changed',
  fail_to_pass: 'FAIL_TO_PASS tests',
  call_depth: 'call depth of the developed functions in the runtime dependency graph',
  callers: 'distinct callers',
};

/** How a row's difficulty is derived, from @swe-flow/emitter's thresholds, weights and bands (also in the row schema). */
function difficultyNote(): string {
  const keys = Object.keys(DIFFICULTY_THRESHOLDS) as (keyof typeof DIFFICULTY_THRESHOLDS)[];
  const measures = keys.map((k) => `${MEASURE_NAMES[k]} (≥ ${DIFFICULTY_THRESHOLDS[k][0]}, ≥ ${DIFFICULTY_THRESHOLDS[k][1]})`);
  const twice = keys.filter((k) => DIFFICULTY_WEIGHTS[k] === 2).map((k) => `the ${MEASURE_NAMES[k]}`);
  const maxScore = keys.reduce((n, k) => n + 2 * DIFFICULTY_WEIGHTS[k], 0);
  const { easyAtMost, hardAtLeast } = DIFFICULTY_SCORE_BANDS;
  return `Difficulty comes from each row's \`difficulty_evidence\`: every measure gets a level 0, 1 or 2 — ${measures.slice(0, -1).join(', ')} and ${measures.at(-1)}; ` +
    `the score is the sum of the levels${twice.length ? ` with ${twice.join(', ')} counted twice` : ''} (0–${maxScore}): ` +
    `easy ≤ ${easyAtMost}, medium ${easyAtMost + 1}–${hardAtLeast - 1}, hard ≥ ${hardAtLeast}. Per repository:`;
}

export function renderCard(input: CardInput): string {
  const splitNames = Object.keys(input.dataFiles);
  const all = [...(input.splits.train ?? []), ...(input.splits.test ?? [])];
  const licenses = [...new Set(input.repos.filter((r) => r.status === 'ok').map((r) => r.license))].sort();
  const header = {
    pretty_name: input.name,
    license: licenses.length === 1 ? licenses[0]!.toLowerCase() : 'other',
    task_categories: ['text-generation'],
    tags: ['code', 'software-engineering', 'swe-flow', 'javascript', 'typescript'],
    configs: [{ config_name: 'default', data_files: splitNames.map((s) => ({ split: s, path: input.dataFiles[s]!.parquet })) }],
    dataset_info: {
      features: hubFeatures(input.columns),
      splits: splitNames.map((s) => ({ name: s, num_examples: input.splits[s]?.length ?? 0 })),
    },
  };
  const okRepos = input.repos.filter((r) => r.status === 'ok');
  const failed = input.repos.filter((r) => r.status === 'failed');
  const difficulty = count(all, (r) => r.difficulty);
  const gold = okRepos.reduce((a, r) => ({ total: a.total + (r.gold?.total ?? 0), resolved: a.resolved + (r.gold?.resolved ?? 0) }), { total: 0, resolved: 0 });
  const empty = okRepos.reduce((a, r) => ({ total: a.total + (r.empty?.total ?? 0), resolved: a.resolved + (r.empty?.resolved ?? 0) }), { total: 0, resolved: 0 });
  const lines = all.map((r) => addedLines(r.patch));
  const dropped = count(input.dropped, (d) => d.reason);
  return `---
${yaml(header, { lineWidth: 0 }).trimEnd()}
---

# ${input.name} ${input.version}

${input.description || 'Verified, incremental software-engineering tasks synthesized from the unit tests of JavaScript and TypeScript repositories.'}

Each row is one task: a repository whose functions of one step are stubbed (\`base_commit\`), the reference
patch that restores them (\`patch\`), the tests that must go from failing to passing (\`FAIL_TO_PASS\`) and those
that must keep passing (\`PASS_TO_PASS\`), and a problem statement written from the tests.

## How it was made

Built by ${input.generator} with \`swe-flow release build\` from a manifest of ${input.repos.length} repositories:
each repository's test suite was traced once into a Runtime Dependency Graph, its functions scheduled into steps
(callees before callers), every step stubbed and verified (FAIL_TO_PASS fail on base and pass on the reference,
PASS_TO_PASS pass on both, the reference run several times), following SWE-Flow (Zhang et al., ICML 2025).
Then every task's reference patch was run again (gold) and no patch at all (empty); rows that failed either
were dropped, as were duplicates and empty statements (\`dropped.jsonl\` lists each with its reason).

## Splits

Splits are by repository, so no repository is in two splits; a repository keeps the split an earlier version
gave it. \`lite\` is a subset of \`test\` with at most a fixed number of tasks per repository.

${table(['split', 'tasks', 'repositories'], splitNames.map((s) => [s, input.splits[s]?.length ?? 0, new Set((input.splits[s] ?? []).map((r) => r.repo)).size]))}

## Repositories

${table(['repository', 'split', 'tasks', 'license', 'runner', 'source commit'], okRepos.map((r) => [r.name, input.splitOf.get(r.name) ?? '—', all.filter((x) => x.repo === r.name).length, r.license, r.runner ?? '', r.sourceCommit ? `\`${r.sourceCommit.slice(0, 12)}\`` : '']))}
${failed.length ? `\nRepositories that yielded nothing:\n\n${table(['repository', 'error code', 'message'], failed.map((r) => [r.name, r.code ?? '', publicMessage(r.message ?? '', input.dir).replace(/\|/g, '\\|').slice(0, 160)]))}\n` : ''}
## Licenses

Each row carries the \`license\` of its repository (from its package.json or LICENSE file):

${table(['license', 'repositories'], licenses.map((l) => [l, okRepos.filter((r) => r.license === l).map((r) => r.name).join(', ')]))}

## Distributions

${table(['difficulty', 'tasks'], ['easy', 'medium', 'hard'].map((d) => [d, difficulty.get(d) ?? 0]))}

${difficultyNote()}

${table(['repository', 'easy', 'medium', 'hard'], okRepos.map((r) => [r.name, ...(['easy', 'medium', 'hard'] as const).map((d) => all.filter((x) => x.repo === r.name && x.difficulty === d).length)]))}

Added lines per task: median ${median(lines)}, max ${lines.length ? Math.max(...lines) : 0}. FAIL_TO_PASS per task: median ${median(all.map((r) => r.FAIL_TO_PASS.length))}. Functions per task: median ${median(all.map((r) => r.nodes_to_develop.length))}.

## Proof runs

- gold (reference patches): ${gold.resolved}/${gold.total} resolved before dropping; every published row resolved.
- empty (no patch): ${empty.resolved}/${empty.total} resolved before dropping; no published row is resolved by nothing.
- dropped rows: ${input.dropped.length}${dropped.size ? ` (${[...dropped.entries()].map(([k, v]) => `${k} ${v}`).join(', ')})` : ''}.
${auditSection(input.audits)}

## How to evaluate

Predictions come in the SWE-bench format (\`instance_id\`, \`model_name_or_path\`, \`model_patch\`). Each row's
\`image\` names the environment its tests run in; on the machine that built the release, a repository's tasks are
graded with \`swe-flow eval --dataset .build/<repository>/synth --predictions preds.jsonl\` (the synth output
folder, which holds the task repository the rows' commits live in).

\`swe-flow release verify .\` checks this folder: checksums (\`MANIFEST.sha256\`), every row against the row schema,
Parquet and JSONL holding the same rows, and splits disjoint by repository.
`;
}
