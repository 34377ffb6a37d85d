import { ErrorCodes, SweFlowError } from '@swe-flow/core';
import type { Flags } from '../main.js';

export async function run(args: string[], flags: Flags): Promise<number> {
  if (typeof flags.queue !== 'string') throw new SweFlowError(ErrorCodes.USAGE, '--queue redis://HOST:PORT[/DB] is required');
  const q = await import('@swe-flow/queue');
  const options = { url: flags.queue, ...(typeof flags.queuePrefix === 'string' ? { prefix: flags.queuePrefix } : {}) };
  const action = args[0];
  if (action === 'status') {
    const status = await q.queueStatus(options);
    if (flags.json) process.stdout.write(`${JSON.stringify({ type: 'result', queues: status })}\n`);
    else for (const s of status) process.stdout.write(`${s.queue.padEnd(8)} ${Object.entries(s.counts).map(([k, v]) => `${k} ${v}`).join(', ')}\n`);
    return 0;
  }
  if (action === 'drain') {
    await q.drainQueues(options);
    process.stdout.write('removed the jobs not yet started (running jobs finish)\n');
    return 0;
  }
  if (action === 'retry-failed') {
    const n = await q.retryFailed(options);
    process.stdout.write(`${n} failed jobs moved back to waiting\n`);
    return 0;
  }
  throw new SweFlowError(ErrorCodes.USAGE, `unknown queue action ${JSON.stringify(action ?? '')}; use status | drain | retry-failed`);
}
