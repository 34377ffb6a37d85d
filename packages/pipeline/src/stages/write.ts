import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DatasetRow, Logger, RejectRow, ScheduleJson, SynthConfig, TraceJson } from '@swe-flow/core';
import { buildRow, TaskRepo, writeDataset, type VerifiedTask } from '@swe-flow/emitter';
import { startCpuSpan, writeFileAtomic } from '@swe-flow/runtime';
import type { EnvironmentImage } from '@swe-flow/runtime';
import type { RunnerAdapter } from '@swe-flow/tracer';
import { writeSummary, type StageTiming, type Summary } from '../summary.js';
import { buildTaskEnvironments } from '../environments.js';
import { noTasksReason } from '../no-tasks.js';
import { checkRowStatement, taskShapeOf } from '../quality.js';
import { taskRepoDirOf, type Emitted } from './emit.js';
import { commandLineFromRoot, SWEFLOW_VERSION, type RepoJson } from './prepare.js';
import type { Statements } from './statements.js';
import type { Verified } from './verify.js';

export interface WriteInput {
  repo: RepoJson;
  adapter: RunnerAdapter;
  trace: TraceJson;
  schedule: ScheduleJson;
  emitted: Emitted;
  image?: EnvironmentImage;
  verified: Verified;
  statements: Statements;
}

/** Every base patch (original -> base) from one git process, and the bundle of the task repository. */
async function basePatchesAndBundle(out: string, originalCommit: string, verified: readonly VerifiedTask[], logger: Logger): Promise<string[]> {
  const taskRepo = await TaskRepo.open(taskRepoDirOf(out));
  try {
    const patches = await taskRepo.diffs(verified.map((t) => [originalCommit, t.candidate.baseCommit] as const));
    await taskRepo.bundle(path.join(out, 'task-repo.bundle')).catch((error: unknown) => logger.warn(`could not write task-repo.bundle: ${(error as Error).message}`));
    return patches;
  } finally {
    await taskRepo.dispose();
  }
}

/** 8. The dataset, per-task folders (patches, problem, meta) and the bundle; the rows written. */
export async function writeTasks(out: string, input: WriteInput, logger: Logger): Promise<{ rows: DatasetRow[]; rejects: RejectRow[] }> {
  const { repo, adapter, image, verified: { verified }, statements } = input;
  const rows: DatasetRow[] = [];
  const rejects: RejectRow[] = [];
  const basePatches = await basePatchesAndBundle(out, input.emitted.originalCommit, verified, logger);
  for (const [i, task] of verified.entries()) {
    const c = task.candidate;
    const statement = statements.statements[i]!;
    const testCommand = commandLineFromRoot(adapter.plainCommand({ resultFile: '.swe-flow/results.json', selection: { files: c.testFiles, testIds: task.failToPass } }));
    const row = buildRow(task, { repo: repo.name, runner: repo.runner, image: image?.tag ?? '', version: SWEFLOW_VERSION, createdAt: repo.preparedAt, problemStatement: statement, testCommand });
    const check = checkRowStatement(row);
    if (!check.ok) {
      // A statement that leaves out a function or a test, or is too long to read, is not a task to ship.
      rejects.push({ instance_id: c.instanceId, step: c.step, mode: c.mode, reason: 'statement-check-failed', detail: check.problems.join('; '), tests: task.failToPass });
      logger.warn(`statement of ${c.instanceId} fails its checks: ${check.problems.join('; ')}`);
      continue;
    }
    rows.push(row);
    const dir = path.join(out, 'tasks', c.instanceId);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'base.patch'), basePatches[i]!);
    await writeFile(path.join(dir, 'reference.patch'), c.patch);
    await writeFile(path.join(dir, 'problem.md'), statement);
    const { patch: _p, problem_statement: _s, ...meta } = row;
    await writeFileAtomic(path.join(dir, 'meta.json'), JSON.stringify({ ...meta, dropped_fail_to_pass: task.droppedFailToPass }, null, 2));
  }
  return { rows, rejects };
}

/** 9. Task environments: eval.sh, instance images (docker), the audit (drops solution-reachable tasks); then the dataset. */
async function environmentsAndDataset(out: string, input: WriteInput, rows: DatasetRow[], config: SynthConfig, stages: StageTiming[], logger: Logger) {
  const { repo, adapter, image, verified: { rejects } } = input;
  const span = startCpuSpan();
  const environments = await buildTaskEnvironments({
    out, rows, taskRepoDir: taskRepoDirOf(out), ...(image?.built || image?.cached ? { envImage: image.tag } : {}), repoName: repo.name, runtime: config.runtime,
    workDir: path.join(out, repo.workDir), packageManager: repo.packageManager, ...(repo.builtOutput && repo.build ? { build: repo.build } : {}), adapter, audit: config.audit, minTokens: config.auditMinTokens, logger,
  });
  const { wallMs, cpuMs, idleShare } = span();
  stages.push({ stage: 'environments', ms: wallMs, skipped: false, cpuMs, idleShare });
  const allRejects = [...rejects, ...environments.rejects];
  await writeDataset(out, environments.rows, allRejects);
  return { rows: environments.rows, rejects: allRejects, summary: environments.summary };
}

function countBy(values: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

/** `summary.json`: what the run did, in numbers. */
export function summaryOf(input: WriteInput, rows: readonly DatasetRow[], config: SynthConfig, stages: StageTiming[], totalMs: number): Summary {
  const { repo, trace, schedule, emitted, image, verified: { verified, rejects, stats } } = input;
  return {
    schemaVersion: 1,
    sweFlowVersion: SWEFLOW_VERSION,
    repo: repo.name,
    source: repo.source,
    runner: repo.runner,
    ...(repo.testRunNote || repo.testEnv ? { testRun: repo.testRunNote ?? `environment ${Object.entries(repo.testEnv ?? {}).map(([k, v]) => `${k}=${v}`).join(' ')} from the test script` } : {}),
    runtime: config.runtime,
    modes: config.modes,
    image: image?.tag ?? null,
    environment: {
      node: repo.nodeVersion, platform: `${process.platform}-${process.arch}`, packageManager: `${repo.install.packageManager}@${repo.install.packageManagerVersion}`,
      ...(repo.node ? { nodeReason: repo.node.reason } : {}), installFallbacks: repo.install.fallbacks ?? [],
      ...(repo.build?.length ? { build: `${repo.build.join(' && ')}${repo.buildNote ? ` (${repo.buildNote})` : ''}${repo.builtOutput?.length ? `; the tests run its output ${repo.builtOutput.map((b) => `${b.dir}/ (traced back to the sources through ${b.map === 'source-map' ? 'its source maps' : `the files of the same paths in ${b.from}/`})`).join(', ')}, built again on every base and reference tree and by each task's eval.sh` : ''}` } : {}),
      ...(repo.ownPackageCopies?.length ? { ownPackageCopies: repo.ownPackageCopies.map((c) => (c.link ? `${c.path} -> ${c.link}` : `${c.path} (removed)`)) } : {}),
    },
    counts: {
      testsTraced: trace.tests.length,
      testsPassing: trace.tests.filter((t) => t.status === 'passed').length,
      testsExcluded: trace.excluded.length,
      steps: schedule.steps.length,
      skippedGroups: schedule.skipped.length,
      candidates: emitted.candidates.length,
      verified: rows.length,
      rejected: rejects.length,
      ...(input.verified.retriedParts ? { retriedParts: input.verified.retriedParts } : {}),
    },
    rejectReasons: countBy(rejects.map((r) => r.reason)),
    lostTests: trace.lost ?? [],
    verification: {
      passToPassRun: verified.reduce((n, t) => n + t.passToPassRun, 0),
      passToPassProvenUnaffected: verified.reduce((n, t) => n + t.passToPassProvenUnaffected, 0),
      passToPassProvenByTrace: stats?.passToPassProvenByTrace ?? 0,
      testRuns: stats?.testRuns ?? 0,
      treeRuns: stats?.treeRuns ?? 0,
      sharedRuns: stats?.sharedRuns ?? 0,
      batches: stats?.batches ?? 0,
      batchedTrees: stats?.batchedTrees ?? 0,
      sharedBatches: stats?.sharedBatches ?? 0,
      batchDoubtTrees: stats?.batchDoubtTrees ?? 0,
      sessionRuns: stats?.sessionRuns ?? 0,
      plainRuns: stats?.plainRuns ?? 0,
      sessionFailures: stats?.sessionFailures ?? 0,
      baseRunsTimeLimited: stats?.baseRunsTimeLimited ?? 0,
      ...(stats && stats.treeBuilds + stats.treeBuildsCached > 0 ? { treeBuilds: { built: stats.treeBuilds, cached: stats.treeBuildsCached, failed: stats.treeBuildFailures, ms: stats.treeBuildMs } } : {}),
      ...(config.baseTestTimeoutFactor > 0 ? { baseTimeLimit: { factor: config.baseTestTimeoutFactor, floorMs: config.baseTestTimeoutFloorMs } } : {}),
      batchTimes: stats?.batchTimes ?? [],
      slowestTrees: stats?.slowestTrees ?? [],
      flakyTests: stats?.flakyTests ?? [],
      stubStyle: config.stubStyle,
    },
    statements: input.statements.stats,
    stages,
    totalMs,
  };
}

/** Writes the dataset and the summary. */
export async function writeOutputs(out: string, input: WriteInput, config: SynthConfig, stages: StageTiming[], started: number, logger: Logger): Promise<{ rows: DatasetRow[]; rejects: RejectRow[]; summary: Summary }> {
  const written = await writeTasks(out, input, logger);
  const checked = { ...input, verified: { ...input.verified, rejects: [...input.verified.rejects, ...written.rejects] } };
  const env = await environmentsAndDataset(out, checked, written.rows, config, stages, logger);
  const rows = env.rows;
  const tasks = taskShapeOf(rows, {
    mergedBelowFloor: input.schedule.stats.mergedBelowFloor ?? 0,
    statementChecks: { checked: written.rows.length + written.rejects.length, failed: written.rejects.length },
  });
  const counted = { ...summaryOf({ ...input, verified: { ...input.verified, rejects: env.rejects } }, rows, config, stages, Date.now() - started), tasks, environments: env.summary };
  const noTasks = noTasksReason({ trace: input.trace, schedule: input.schedule, verified: counted.counts.verified, rejectReasons: counted.rejectReasons });
  const summary: Summary = { ...counted, ...(noTasks ? { noTasks } : {}) };
  await writeSummary(out, summary);
  return { rows, rejects: env.rejects, summary };
}
