import { isSweFlowError } from '@swe-flow/core';
import type { Flags } from './main.js';

/** Prints an error the way the user needs it and returns the exit code (2 usage/env, 1 failure). */
export function reportError(error: unknown, flags: Flags): number {
  if (isSweFlowError(error)) {
    if (flags.json) process.stdout.write(`${JSON.stringify({ type: 'error', ...error.toJSON() })}\n`);
    else process.stderr.write(`swe-flow: ${error.code}: ${error.message}\n`);
    if (flags.verbose && error.cause) process.stderr.write(`caused by: ${String((error.cause as Error)?.stack ?? error.cause)}\n`);
    return error.exitCode;
  }
  const message = (error as Error)?.stack ?? String(error);
  if (flags.json) process.stdout.write(`${JSON.stringify({ type: 'error', code: 'SWEFLOW_INTERNAL', message: String((error as Error)?.message ?? error) })}\n`);
  else process.stderr.write(`swe-flow: internal error (please report it): ${message}\n`);
  return 1;
}
