import path from 'node:path';
import { ErrorCodes, SweFlowError } from '@swe-flow/core';

/** Resolves `relPath` under `root`, refusing paths that leave it. */
export function resolveInside(root: string, relPath: string, pathApi: typeof path.posix | typeof path = path): string {
  const abs = pathApi.resolve(root, relPath);
  const rel = pathApi.relative(root, abs);
  if (rel === '' || rel.startsWith('..') || pathApi.isAbsolute(rel)) {
    throw new SweFlowError(
      ErrorCodes.INPUT_INVALID,
      `path "${relPath}" is outside the workspace root; pass a path relative to the root`,
    );
  }
  return abs;
}
