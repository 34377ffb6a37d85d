import { ErrorCodes, SweFlowError } from '@swe-flow/core';
import type { Flags } from '../main.js';
import { createCliLogger } from '../render.js';

export async function run(_args: string[], flags: Flags): Promise<number> {
  if (typeof flags.queue !== 'string') throw new SweFlowError(ErrorCodes.USAGE, '--queue redis://HOST:PORT[/DB] is required');
  const concurrency = flags.concurrency === undefined ? 1 : Number(flags.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new SweFlowError(ErrorCodes.USAGE, `--concurrency ${String(flags.concurrency)} is not a positive whole number`);
  const lock = flags.lockDuration === undefined ? undefined : Number(flags.lockDuration);
  if (lock !== undefined && (!Number.isInteger(lock) || lock < 1000)) throw new SweFlowError(ErrorCodes.USAGE, '--lock-duration is in milliseconds, at least 1000');
  const logger = createCliLogger(flags);
  const { startWorker } = await import('@swe-flow/queue');
  const worker = await startWorker({ url: flags.queue, concurrency, logger, ...(typeof flags.queuePrefix === 'string' ? { prefix: flags.queuePrefix } : {}), ...(lock ? { lockDurationMs: lock } : {}) });
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info(`${signal}: finishing the running jobs, taking no new ones`);
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  await worker.close();
  logger.info(`worker ${worker.id} stopped (${Object.entries(worker.processed).map(([k, n]) => `${k} ${n}`).join(', ') || 'no jobs'})`);
  logger.finish();
  return 0;
}
