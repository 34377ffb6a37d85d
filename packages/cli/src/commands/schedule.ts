import path from 'node:path';
import { ErrorCodes, SweFlowError } from '@swe-flow/core';
import type { Flags } from '../main.js';

export async function run(_args: string[], flags: Flags): Promise<number> {
  if (typeof flags.trace !== 'string') throw new SweFlowError(ErrorCodes.USAGE, '--trace <trace.json> is required');
  if (typeof flags.out !== 'string') throw new SweFlowError(ErrorCodes.USAGE, '--out <dir> is required');
  const { scheduleFromTrace } = await import('@swe-flow/pipeline');
  const order = flags.order ?? 'dependency';
  if (order !== 'paper' && order !== 'dependency') throw new SweFlowError(ErrorCodes.USAGE, `--order ${JSON.stringify(order)} is not known; use dependency or paper`);
  const max = flags.maxFunctionsPerStep === undefined ? undefined : Number(flags.maxFunctionsPerStep);
  if (max !== undefined && !(Number.isInteger(max) && max > 0)) throw new SweFlowError(ErrorCodes.USAGE, `--max-functions-per-step ${JSON.stringify(flags.maxFunctionsPerStep)} must be a whole number above 0`);
  const schedule = await scheduleFromTrace(path.resolve(flags.trace), path.resolve(flags.out), { order, ...(max ? { maxFunctionsPerStep: max } : {}) });
  const s = schedule.stats;
  if (flags.json) process.stdout.write(`${JSON.stringify({ type: 'result', stats: s })}\n`);
  else process.stdout.write(`${s.steps} steps over ${s.coreNodes} core functions (${s.groups} test groups, dependency depth ${s.dependencyDepth}) → ${path.resolve(flags.out, 'schedule.json')}\n`);
  return 0;
}
