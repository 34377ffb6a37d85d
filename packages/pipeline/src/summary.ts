import { renderTaskShape, type TaskShape } from './quality.js';
import path from 'node:path';
import { writeFileAtomic } from '@swe-flow/runtime';
import type { StatementStats } from '@swe-flow/statements';
import type { SourceInfo } from '@swe-flow/workspace';
import type { LostTest } from '@swe-flow/core';
import type { BatchTiming, TreeTiming } from '@swe-flow/emitter';
import type { NoTasks } from './no-tasks.js';

export interface StageTiming {
  stage: string;
  ms: number;
  skipped: boolean;
  /** CPU time of swe-flow and the processes it ran during the stage, and the unused share of the machine (0–1). */
  cpuMs?: number;
  idleShare?: number;
}

/** `summary.json`: what a run did, in numbers. */
import type { EnvironmentsSummary } from './environments.js';

export interface Summary {
  schemaVersion: 1;
  sweFlowVersion: string;
  repo: string;
  source: SourceInfo;
  runner: string;
  /** The environment of test runs and, when the test script runs the suite several times, which run was taken. */
  testRun?: string;
  runtime: string;
  modes: string[];
  image: string | null;
  /** eval.sh files, instance images and the audit (absent in outputs of older versions). */
  environments?: EnvironmentsSummary;
  environment: {
    node: string;
    platform: string;
    packageManager: string;
    /** Why this Node (repo.json `node.reason`). */
    nodeReason?: string;
    /** The install fallbacks the working install needed, in order (none: the plain install worked). */
    installFallbacks?: string[];
    /** The build run before the tests, and why when swe-flow chose the repository's build script. */
    build?: string;
    /** Copies of the repository's own package in node_modules, replaced by links to its own folder (repo.json `ownPackageCopies`). */
    ownPackageCopies?: string[];
  };
  counts: {
    testsTraced: number;
    testsPassing: number;
    testsExcluded: number;
    steps: number;
    skippedGroups: number;
    candidates: number;
    verified: number;
    rejected: number;
    /** The size floor's fallback: merged steps rejected, the parts tried in their place, and those verified (absent when none was tried). */
    retriedParts?: { steps: number; parts: number; verified: number };
  };
  rejectReasons: Record<string, number>;
  /** Why the run yielded no verified task (a stable code and what to do); absent when it yielded some. */
  noTasks?: NoTasks;
  /** Tests the runner never reported apart (a file that did not load or exited early, shared names), with the reason. */
  lostTests?: LostTest[];
  verification: {
    passToPassRun: number;
    passToPassProvenUnaffected: number;
    /** Of those, not run on base because their traced run called no stubbed function. */
    passToPassProvenByTrace?: number;
    testRuns: number;
    /** Distinct base/reference trees run, and candidate runs answered by another candidate's run of the same tree. */
    treeRuns?: number;
    sharedRuns?: number;
    /** Runner processes that ran many trees at once, and the tree runs they answered. */
    batches?: number;
    batchedTrees?: number;
    /** Batches that shared workers between trees (vitest without per-file isolation), and trees a batch left in doubt that ran again alone. */
    sharedBatches?: number;
    batchDoubtTrees?: number;
    /** Runs answered by a warm runner session, runs made as plain processes, sessions that failed. */
    sessionRuns: number;
    plainRuns: number;
    sessionFailures: number;
    /** Base runs (trees) whose tests ran under the per-test limit derived from the traced durations, and that limit's settings. */
    baseRunsTimeLimited?: number;
    baseTimeLimit?: { factor: number; floorMs: number };
    /** The tests run build output: trees built before their tests, restored from the build cache, builds that failed, and their time. */
    treeBuilds?: { built: number; cached: number; failed: number; ms: number };
    /** Every tree batch: trees, test files, wall and CPU time, idle share, trees settled and left in doubt. */
    batchTimes?: BatchTiming[];
    /** The trees that took longest, slowest first. */
    slowestTrees?: TreeTiming[];
    flakyTests: string[];
    stubStyle: string;
  };
  statements: StatementStats;
  /** The shape of the tasks: difficulty distribution, medians, anonymous-only rows, size-floor merges, statement checks (absent in older outputs). */
  tasks?: TaskShape;
  stages: StageTiming[];
  totalMs: number;
}

export function renderSummaryMarkdown(s: Summary): string {
  const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const lines = [
    `# swe-flow synthesis: ${s.repo}`,
    '',
    `Source: \`${s.source.input}\`${s.source.commit ? ` at \`${s.source.commit.slice(0, 12)}\`` : ''}${s.source.dirty ? ' (with uncommitted changes)' : ''}${s.source.mirror ? ` (cloned from the mirror \`${s.source.mirror}\`)` : ''}; runner **${s.runner}**; runtime **${s.runtime}**; modes ${s.modes.join(', ')}.`,
    '',
    ...(s.testRun ? [`Test runs: ${s.testRun}.`, ''] : []),
    '| | count |',
    '|---|---:|',
    `| tests traced | ${s.counts.testsTraced} |`,
    `| tests passing | ${s.counts.testsPassing} |`,
    `| tests excluded (fail untraced, differ traced) | ${s.counts.testsExcluded} |`,
    `| steps | ${s.counts.steps} |`,
    `| candidate tasks | ${s.counts.candidates} |`,
    `| **verified tasks** | **${s.counts.verified}** |`,
    `| rejected | ${s.counts.rejected} |`,
    ...(s.counts.retriedParts ? [`| merged steps rejected, tried again as their parts | ${s.counts.retriedParts.steps} → ${s.counts.retriedParts.parts} parts, ${s.counts.retriedParts.verified} verified |`] : []),
    '',
    ...(s.noTasks ? [`**No task: ${s.noTasks.code}.** ${s.noTasks.message}`, ''] : []),
    '## Rejections',
    '',
    ...(Object.keys(s.rejectReasons).length === 0 ? ['None.'] : ['| reason | count |', '|---|---:|', ...Object.entries(s.rejectReasons).map(([r, n]) => `| ${r} | ${n} |`)]),
    '',
    ...renderLostTests(s.lostTests ?? []),
    ...renderTaskShape(s.tasks),
    '## Verification',
    '',
    `Test runs: ${s.verification.testRuns} (${s.verification.batchedTrees ?? 0} in ${s.verification.batches ?? 0} tree batches${s.verification.sharedBatches ? `, ${s.verification.sharedBatches} of them sharing workers between trees` : ''}${s.verification.batchDoubtTrees ? `, ${s.verification.batchDoubtTrees} trees left in doubt ran again alone` : ''}, ${s.verification.sessionRuns} in warm runner sessions, ${s.verification.plainRuns} as plain runner processes${s.verification.sessionFailures ? `, ${s.verification.sessionFailures} session failures fell back to plain runs` : ''}). Distinct trees run: ${s.verification.treeRuns ?? 0} (${s.verification.sharedRuns ?? 0} candidate runs shared a tree with another candidate). PASS_TO_PASS tests run: ${s.verification.passToPassRun}; proven unaffected and not run: ${s.verification.passToPassProvenUnaffected} (by the trace, over all candidates: ${s.verification.passToPassProvenByTrace ?? 0} whose traced run called no stubbed function). Flaky tests dropped: ${s.verification.flakyTests.length}. Stub style: ${s.verification.stubStyle}.`,
    '',
    ...renderBatchTimes(s.verification.batchTimes ?? [], s.verification.slowestTrees ?? [], s.verification),
    '## Time per stage',
    '',
    '| stage | time | CPU (children included) | idle |',
    '|---|---:|---:|---:|',
    ...s.stages.map((t) => `| ${t.stage} | ${t.skipped ? 'skipped (resumed)' : secs(t.ms)} | ${t.cpuMs !== undefined && !t.skipped ? secs(t.cpuMs) : '—'} | ${t.idleShare !== undefined && !t.skipped ? `${Math.round(t.idleShare * 100)}%` : '—'} |`),
    `| **total** | **${secs(s.totalMs)}** | | |`,
    '',
    ...environmentLines(s.environments),
    `Environment: Node ${s.environment.node}, ${s.environment.platform}, ${s.environment.packageManager}${s.image ? `; image \`${s.image}\`` : ''}.`,
    ...(s.environment.nodeReason ? [`Node choice: ${s.environment.nodeReason}.`] : []),
    ...(s.environment.installFallbacks?.length ? [`Install fallbacks: ${s.environment.installFallbacks.join('; then ')}.`] : []),
    ...(s.environment.build ? [`Build before tests: ${s.environment.build}.`] : []),
    ...(s.environment.ownPackageCopies?.length ? [`Copies of the repository's own package in node_modules, linked to its own folder as in every task environment: ${s.environment.ownPackageCopies.join(', ')}.`] : []),
    `Statements: ${s.statements.offline} offline, ${s.statements.llm} LLM, ${s.statements.cached} cached, ${s.statements.fallback} fallback, ${s.statements.leakRejected} leak-rejected.`,
    '',
  ];
  return lines.join('\n');
}

/** Batches and the slowest trees, under "Verification". */
function renderBatchTimes(batches: readonly BatchTiming[], slowest: readonly TreeTiming[], v: Summary['verification']): string[] {
  const secs = (ms: number) => (ms / 1000).toFixed(1);
  const limit = v.baseTimeLimit ? `Base runs limit each test to ${v.baseTimeLimit.factor}× its traced time, at least ${v.baseTimeLimit.floorMs} ms (${v.baseRunsTimeLimited ?? 0} base trees ran so).` : 'Base runs keep the repository\'s own test time limits.';
  const lines = [limit, ''];
  if (v.treeBuilds) lines.push(`The tests run build output: ${v.treeBuilds.built} trees were built before their tests (${v.treeBuilds.failed} builds failed) and ${v.treeBuilds.cached} restored from the build cache of an identical tree, in ${secs(v.treeBuilds.ms)} s.`, '');
  if (batches.length > 0) {
    lines.push('| batch | runner | trees | test files | per-test limit | wall (s) | CPU (s) | idle | settled | run again alone |', '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const [i, b] of batches.entries()) {
      lines.push(`| ${i + 1} | ${b.runner}${b.sharedWorkers ? ' (shared workers)' : ''}${b.failed ? ' (failed)' : ''} | ${b.trees} | ${b.testFiles} | ${b.testTimeoutMs ? `${b.testTimeoutMs} ms` : '—'} | ${secs(b.wallMs)} | ${secs(b.cpuMs)} | ${Math.round(b.idleShare * 100)}% | ${b.settled} | ${b.doubt} |`);
    }
    lines.push('');
  }
  if (slowest.length > 0) lines.push(`Slowest trees: ${slowest.map((t) => `${t.label} ${secs(t.ms)} s (${t.how})`).join('; ')}.`, '');
  return lines;
}

/** The "Lost tests" section: every test file or name the runner lost, with why and what to do. */
export function renderLostTests(lost: readonly LostTest[]): string[] {
  const lines = ['## Lost tests', ''];
  if (lost.length === 0) return [...lines, 'None: the runner reported every test file and every test under a name of its own.', ''];
  const byReason = new Map<string, number>();
  for (const l of lost) byReason.set(l.reason, (byReason.get(l.reason) ?? 0) + 1);
  lines.push(`${lost.length} lost (${[...byReason].map(([r, n]) => `${r}: ${n}`).join(', ')}); no task can use them.`, '', '| file or test | reason | tests | what to do |', '|---|---|---:|---|');
  for (const l of lost) lines.push(`| \`${(l.id ?? l.file).replace(/\|/g, '\\|')}\` | ${l.reason} | ${l.count ?? 'all of the file'} | ${l.detail.replace(/\|/g, '\\|')} |`);
  return [...lines, ''];
}

export async function writeSummary(out: string, summary: Summary): Promise<void> {
  await writeFileAtomic(path.join(out, 'summary.json'), JSON.stringify(summary, null, 2));
  await writeFileAtomic(path.join(out, 'summary.md'), renderSummaryMarkdown(summary));
}

function environmentLines(e: EnvironmentsSummary | undefined): string[] {
  if (!e) return [];
  const audit = e.audit.ran
    ? `Audit (${e.audit.runtime}): ${e.audit.tasks} tasks searched for their solutions, ${e.audit.failed} rejected as solution-reachable, in ${(e.audit.durationMs / 1000).toFixed(1)} s.`
    : `Audit: NOT RUN (${e.audit.skippedBecause ?? 'skipped'}); no task environment was searched for its solution.`;
  const d = e.dependencyCopies;
  const copies = d && d.found > 0
    ? ` Dependency copies (${d.policy}): ${d.found} file(s) of other packages held a copy of a solution, ${d.stubbed} stubbed (dependency-copies.json).`
    : '';
  return [`Task environments: ${e.instances} instance images, ${e.evalScripts} eval.sh scripts. ${audit}${copies}`, ''];
}
