import path from 'node:path';
import { ErrorCodes, SweFlowError } from '@swe-flow/core';
import type { Flags } from '../main.js';
import { createCliLogger } from '../render.js';
import { installShutdown } from '../shutdown.js';

const positiveInt = (v: unknown, name: string): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new SweFlowError(ErrorCodes.USAGE, `${name} must be a positive integer, got ${String(v)}`);
  return n;
};

export async function run(_args: string[], flags: Flags): Promise<number> {
  if (typeof flags.dataset !== 'string') throw new SweFlowError(ErrorCodes.USAGE, '--dataset <dir|dataset.jsonl> is required');
  if (typeof flags.predictions !== 'string') throw new SweFlowError(ErrorCodes.USAGE, '--predictions <file|gold|empty> is required');
  const runtime = flags.runtime;
  if (runtime !== undefined && runtime !== 'local' && runtime !== 'docker') throw new SweFlowError(ErrorCodes.USAGE, `--runtime must be local or docker, got ${String(runtime)}`);
  const workers = positiveInt(flags.workers, '--workers');
  const timeoutMs = positiveInt(flags.timeout, '--timeout');
  const instances = flags.instances === undefined ? undefined : String(flags.instances).split(',').map((s) => s.trim()).filter(Boolean);
  if (typeof flags.out === 'string') {
    const { checkReportDir } = await import('@swe-flow/pipeline');
    await checkReportDir(path.resolve(flags.out), path.resolve(flags.dataset));
  }
  const logger = createCliLogger(flags);
  const { evaluate } = await import('@swe-flow/eval');
  const uninstall = await installShutdown(logger, undefined, 'rerun the same command: grades already stored are reused');
  const remote = typeof flags.queue === 'string' ? await import('./queue-options.js') : undefined;
  const report = await (remote ? remote.evaluateRemotely(flags, {
    dataset: path.resolve(flags.dataset),
    predictions: flags.predictions === 'gold' || flags.predictions === 'empty' ? flags.predictions : path.resolve(flags.predictions),
    // Queue workers run predictions in Docker unless told otherwise, like a local evaluation.
    runtime: runtime ?? 'docker',
    logger,
    ...(timeoutMs ? { timeoutMs } : {}),
    ...(flags.runId !== undefined ? { runId: String(flags.runId) } : {}),
    ...(typeof flags.out === 'string' ? { out: path.resolve(flags.out) } : {}),
  }) : evaluate({
    dataset: path.resolve(flags.dataset),
    predictions: flags.predictions === 'gold' || flags.predictions === 'empty' ? flags.predictions : path.resolve(flags.predictions),
    ...(runtime ? { runtime } : {}),
    logger,
    ...(workers ? { workers } : {}),
    ...(timeoutMs ? { timeoutMs } : {}),
    ...(instances ? { instances } : {}),
    ...(flags.runId !== undefined ? { runId: String(flags.runId) } : {}),
    ...(typeof flags.out === 'string' ? { out: path.resolve(flags.out) } : {}),
    ...(typeof flags.image === 'string' ? { image: flags.image } : {}),
  })).finally(uninstall);
  logger.finish();
  const pct = (report.resolved_rate * 100).toFixed(1);
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ type: 'result', runId: report.run_id, reportDir: report.reportDir, total: report.total, evaluated: report.evaluated, counts: report.counts, resolvedRate: report.resolved_rate })}\n`);
  } else {
    const c = report.counts;
    process.stdout.write(
      `resolved ${c.resolved}/${report.overall.graded} (${pct}%) — unresolved ${c.unresolved}, patch_failed ${c.patch_failed}, timeout ${c.timeout}, infrastructure errors ${c.error}` +
        ` (${report.evaluated} evaluated, ${report.cached} stored) → ${path.join(report.reportDir ?? '', 'summary.md')}\n`,
    );
  }
  // Infrastructure errors are ours: the run is not complete.
  return report.counts.error > 0 ? 1 : 0;
}
