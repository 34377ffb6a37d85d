/** The `--queue URL --store DIR [--queue-prefix P]` options shared by release build, eval, worker and queue. */
import path from 'node:path';
import { ErrorCodes, SweFlowError, type Logger } from '@swe-flow/core';
import type { Flags } from '../main.js';

export function remoteOptions(flags: Flags, logger?: Logger): { url: string; store: string; prefix?: string; logger?: Logger } {
  if (typeof flags.queue !== 'string') throw new SweFlowError(ErrorCodes.USAGE, '--queue redis://HOST:PORT[/DB] is required');
  if (typeof flags.store !== 'string') throw new SweFlowError(ErrorCodes.USAGE, '--store DIR is required with --queue: a folder every worker mounts at the same path (large results never go through Redis)');
  return { url: flags.queue, store: path.resolve(flags.store), ...(typeof flags.queuePrefix === 'string' ? { prefix: flags.queuePrefix } : {}), ...(logger ? { logger } : {}) };
}

export async function releaseExecutor(flags: Flags, logger: Logger) {
  const { queueExecutor } = await import('@swe-flow/queue');
  return queueExecutor(remoteOptions(flags, logger));
}

export async function evaluateRemotely(flags: Flags, options: { dataset: string; predictions: string; runtime: 'local' | 'docker'; logger: Logger; timeoutMs?: number; runId?: string; out?: string }) {
  const { evaluateOnQueue } = await import('@swe-flow/queue');
  return evaluateOnQueue({ ...remoteOptions(flags, options.logger), ...options });
}
