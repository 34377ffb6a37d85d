/**
 * The task environments stage of synthesize(): per verified task its eval.sh, its instance image
 * (docker runtime: the env image + /testbed holding only base_commit), and the audit that keeps a
 * task whose solution is reachable out of dataset.jsonl.
 */
import { chmod, readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { DatasetRow, Logger, RejectRow, RunnerName } from '@swe-flow/core';
import { EVAL_SCRIPT_RESULT_FILE, evalCommand, evalScript, mapPool, type TestCommandAdapter } from '@swe-flow/emitter';
import { auditTasks, selectionFor, writeAuditReport, type AuditReport } from '@swe-flow/eval';
import { buildInstanceImage } from '@swe-flow/runtime';
import { dependencyScanCacheOf, readDependencyCopies } from './dependency-copies.js';

export interface EnvironmentsInput {
  out: string;
  rows: DatasetRow[];
  taskRepoDir: string;
  /** The env image (docker runtime); instances are built on it. */
  envImage?: string;
  repoName: string;
  runtime: 'local' | 'docker';
  /** The prepared copy (its package.json's prepare script; its node_modules for the local audit). */
  workDir: string;
  packageManager: string;
  /** The build each task's eval.sh runs before the tests, when the tests run build output (`repo.json` `builtOutput`). */
  build?: readonly string[];
  adapter: TestCommandAdapter & { name: RunnerName };
  audit: boolean;
  minTokens: number;
  logger: Logger;
}

export interface EnvironmentsSummary {
  instances: number;
  /** Seconds and bytes per instance image built now (cached ones not counted). */
  instanceBuildMs: number[];
  instanceAddedBytes: number[];
  evalScripts: number;
  audit: { ran: boolean; runtime?: 'local' | 'docker'; tasks: number; failed: number; durationMs: number; skippedBecause?: string };
  /** dependency-copies.json: files of other packages holding a copy of a solution, and how many were stubbed. */
  dependencyCopies?: { policy: string; found: number; stubbed: number };
}

export interface EnvironmentsResult {
  rows: DatasetRow[];
  rejects: RejectRow[];
  summary: EnvironmentsSummary;
}

async function prepareCommand(workDir: string, pm: string): Promise<string | undefined> {
  const pkg = JSON.parse(await readFile(path.join(workDir, 'package.json'), 'utf8').catch(() => '{}')) as { scripts?: Record<string, string> };
  if (!pkg.scripts?.['prepare']) return undefined;
  return `${pm === 'pnpm' || pm === 'yarn' ? pm : 'npm'} run prepare`;
}

async function writeEvalScripts(input: EnvironmentsInput): Promise<number> {
  let written = 0;
  for (const row of input.rows) {
    const command = input.adapter.plainCommand({ resultFile: EVAL_SCRIPT_RESULT_FILE, selection: selectionFor(row) });
    const text = evalScript({ instanceId: row.instance_id, runner: input.adapter.name, command, failToPass: row.FAIL_TO_PASS, passToPass: row.PASS_TO_PASS, ...(input.build?.length ? { build: input.build } : {}) });
    if (text === undefined) continue;
    const file = path.join(input.out, 'tasks', row.instance_id, 'eval.sh');
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, text);
    await chmod(file, 0o755);
    written++;
  }
  return written;
}

export async function buildTaskEnvironments(input: EnvironmentsInput): Promise<EnvironmentsResult> {
  const summary: EnvironmentsSummary = { instances: 0, instanceBuildMs: [], instanceAddedBytes: [], evalScripts: 0, audit: { ran: false, tasks: 0, failed: 0, durationMs: 0 } };
  summary.evalScripts = await writeEvalScripts(input);
  const copies = await readDependencyCopies(input.out);
  if (copies) summary.dependencyCopies = { policy: copies.policy, found: copies.found.length, stubbed: copies.stubbed.length };
  let rows = input.rows;
  if (input.runtime === 'docker' && input.envImage) {
    const prepare = await prepareCommand(input.workDir, input.packageManager);
    let done = 0;
    rows = await mapPool(rows, 1, async (row) => {
      const image = await buildInstanceImage({
        envImage: input.envImage!, taskRepo: input.taskRepoDir, baseCommit: row.base_commit, instanceId: row.instance_id,
        repoName: input.repoName, contextRoot: path.join(input.out, 'docker', 'instances'), logger: input.logger,
        ...(prepare ? { prepareCommand: prepare } : {}),
      });
      if (image.built) {
        summary.instanceBuildMs.push(image.durationMs);
        if (image.addedBytes !== undefined) summary.instanceAddedBytes.push(image.addedBytes);
      }
      input.logger.progress?.({ stage: 'instances', done: ++done, total: input.rows.length });
      return { ...row, image_name: image.tag, ...(summary.evalScripts ? { eval_command: evalCommand(row.instance_id, image.tag) } : {}) };
    });
    summary.instances = rows.length;
  }
  if (!input.audit) {
    summary.audit.skippedBecause = '--no-audit';
    input.logger.warn('audit skipped (--no-audit): no task environment was searched for its solution');
    return { rows, rejects: [], summary };
  }
  const report: AuditReport = await auditTasks({
    rows, taskRepo: input.taskRepoDir, runtime: input.runtime, dependenciesDir: input.workDir, minTokens: input.minTokens, logger: input.logger,
    scanCacheFile: dependencyScanCacheOf(input.out),
  });
  await writeAuditReport(input.out, report);
  summary.audit = { ran: true, runtime: input.runtime, tasks: report.tasks.length, failed: report.failed.length, durationMs: report.durationMs };
  const failed = new Map(report.tasks.filter((t) => !t.ok).map((t) => [t.instance_id, t]));
  const rejects: RejectRow[] = rows.filter((r) => failed.has(r.instance_id)).map((r) => {
    const t = failed.get(r.instance_id)!;
    const where = [...t.hits.map((h) => `${h.id} in ${h.kind} ${h.path}`), ...t.problems];
    return { instance_id: r.instance_id, step: r.step, mode: r.mode, reason: 'solution-reachable', detail: `the solution is reachable in the task's environment: ${where.slice(0, 5).join('; ')}${where.length > 5 ? ` (+${where.length - 5} more)` : ''}` };
  });
  return { rows: rows.filter((r) => !failed.has(r.instance_id)), rejects, summary };
}
