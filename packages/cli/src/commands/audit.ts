import path from 'node:path';
import { stat } from 'node:fs/promises';
import { ErrorCodes, SweFlowError } from '@swe-flow/core';
import type { Flags } from '../main.js';
import { createCliLogger } from '../render.js';

/**
 * `swe-flow audit <out>`: searches every task's environment for its solution. docker (default when the
 * rows name instance images): each task's instance image as an agent gets it; local: the task's
 * /testbed repository and the prepared copy's node_modules. Writes <out>/audit.json and
 * <out>/tasks/<id>/audit.json; exit 1 when some task fails.
 */
export async function run(args: string[], flags: Flags): Promise<number> {
  const dir = typeof flags.dir === 'string' ? flags.dir : args[0];
  if (!dir) throw new SweFlowError(ErrorCodes.USAGE, 'swe-flow audit <synth output directory>');
  const out = path.resolve(dir);
  const logger = createCliLogger(flags);
  const { loadDataset, auditTasks, writeAuditReport } = await import('@swe-flow/eval');
  const ds = await loadDataset(out);
  const runtime = flags.runtime ?? (ds.rows.length > 0 && ds.rows.every((r) => r.image_name) ? 'docker' : 'local');
  if (runtime !== 'local' && runtime !== 'docker') throw new SweFlowError(ErrorCodes.USAGE, `--runtime must be local or docker, got ${String(runtime)}`);
  const minTokens = flags.minTokens === undefined ? undefined : Number(flags.minTokens);
  if (minTokens !== undefined && (!Number.isInteger(minTokens) || minTokens < 1)) throw new SweFlowError(ErrorCodes.USAGE, `--min-tokens must be a positive integer, got ${String(flags.minTokens)}`);
  // The prepared copy whose node_modules the synth's audit searched (repo.json's workDir is relative to
  // the dataset folder; loadDataset resolves it): the same scope as at synth time, wherever this runs from.
  const workDir = ds.repo?.workDir;
  if (runtime === 'local' && !(workDir && (await stat(workDir).then((st) => st.isDirectory(), () => false)))) {
    logger.warn(`audit (local): the prepared copy ${workDir ?? '(repo.json names none)'} is missing: only each task's /testbed is searched, not the installed dependencies the synth's audit searched; audit the dataset where it was made, or its instance images (--runtime docker)`);
  }
  const report = await auditTasks({
    rows: ds.rows, taskRepo: path.join(out, 'task-repo.git'), runtime, logger,
    ...(workDir ? { dependenciesDir: workDir } : {}),
    ...(minTokens ? { minTokens } : {}),
  });
  await writeAuditReport(out, report);
  logger.finish();
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ type: 'result', runtime, tasks: report.tasks.length, failed: report.failed, durationMs: report.durationMs })}\n`);
  } else {
    for (const t of report.tasks.filter((x) => !x.ok)) {
      process.stdout.write(`FAIL ${t.instance_id}: ${[...t.hits.map((h) => `${h.id} in ${h.kind} ${h.path}`), ...t.problems].join('; ')}\n`);
    }
    process.stdout.write(`audit (${runtime}): ${report.tasks.length - report.failed.length}/${report.tasks.length} tasks clean, ${report.failed.length} with a reachable solution, in ${(report.durationMs / 1000).toFixed(1)} s → ${path.join(out, 'audit.json')}\n`);
  }
  return report.failed.length > 0 ? 1 : 0;
}
