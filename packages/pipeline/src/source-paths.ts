import { existsSync } from 'node:fs';
import path from 'node:path';
import { SweFlowError } from '@swe-flow/core';

/**
 * An error raised about swe-flow's copy of a local repository (`<out>/.work/repo/package.json`) names
 * the user's own file instead: that is the one to fix. Other errors, and errors about a cloned URL,
 * pass through unchanged.
 */
export function inUserRepository(error: unknown, workDir: string, input: string): unknown {
  if (!(error instanceof SweFlowError) || !error.message.includes(workDir)) return error;
  const source = path.resolve(input);
  if (!existsSync(source)) return error;
  const message = error.message.split(`${workDir}${path.sep}`).join(`${source}${path.sep}`).split(workDir).join(source);
  const mapped = new SweFlowError(error.code, message, { ...(error.cause === undefined ? {} : { cause: error.cause }), ...(error.details ? { details: error.details } : {}) });
  mapped.stack = error.stack;
  return mapped;
}
