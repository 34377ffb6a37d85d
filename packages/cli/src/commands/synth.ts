import path from 'node:path';
import { ErrorCodes, SweFlowError } from '@swe-flow/core';
import type { Flags } from '../main.js';
import { loadConfigFile } from '../load-config.js';
import { synthOptions, toConfig } from '../options.js';
import { createCliLogger } from '../render.js';
import { installShutdown, rerunCommand } from '../shutdown.js';

export async function runSynthesis(args: string[], flags: Flags, stopAfter?: 'trace' | 'emit' | 'verify'): Promise<number> {
  const repo = args[0];
  if (!repo) throw new SweFlowError(ErrorCodes.USAGE, 'give the repository: a local path or a git URL');
  if (typeof flags.out !== 'string') throw new SweFlowError(ErrorCodes.USAGE, '--out <dir> is required: where the dataset and its artifacts go');
  const logger = createCliLogger(flags);
  const fileConfig = await loadConfigFile(typeof flags.config === 'string' ? flags.config : undefined);
  const config = { ...fileConfig, ...toConfig(synthOptions, flags) };
  const { synthesize } = await import('@swe-flow/pipeline');
  const out = path.resolve(flags.out);
  const uninstall = await installShutdown(logger, out, `to continue, rerun: ${rerunCommand(['--resume'])}`);
  try {
    const result = await synthesize(repo, { out, resume: !!flags.resume, force: !!flags.force, config, logger, ...(stopAfter ? { stopAfter } : {}) });
    logger.finish();
    const noTasks = result.summary?.noTasks;
    if (flags.json) {
      process.stdout.write(`${JSON.stringify({ type: 'result', out: result.out, completed: result.completed, counts: result.summary?.counts ?? null, rejectReasons: result.summary?.rejectReasons ?? null })}\n`);
      // The run finished, its outputs are kept; why it yielded nothing, as an error line with a code.
      if (noTasks) process.stdout.write(`${JSON.stringify({ type: 'error', code: noTasks.code, message: noTasks.message })}\n`);
    } else if (result.summary) {
      if (noTasks) process.stderr.write(`swe-flow: ${noTasks.code}: ${noTasks.message}\n`);
      const c = result.summary.counts;
      process.stdout.write(`${c.verified} verified tasks (${c.candidates} candidates, ${c.steps} steps, ${c.testsPassing} passing tests) → ${path.join(result.out, 'dataset.jsonl')}\n`);
    } else {
      process.stdout.write(`${result.completed} done → ${result.out}\n`);
    }
    return result.summary && result.summary.counts.verified === 0 ? 1 : 0;
  } finally {
    uninstall();
  }
}

export function run(args: string[], flags: Flags): Promise<number> {
  return runSynthesis(args, flags);
}
