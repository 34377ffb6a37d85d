import { access, constants, mkdir, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCodes, SweFlowError } from '@swe-flow/core';

/**
 * Makes sure the output directory can be used: it is created when missing; an existing one with
 * content needs `resume` (keep and reuse finished stages) or `force` (clear it first).
 */
export async function prepareOutDir(out: string, options: { resume?: boolean; force?: boolean }): Promise<void> {
  const st = await stat(out).catch(() => null);
  if (st && !st.isDirectory()) {
    throw new SweFlowError(ErrorCodes.OUT_DIR_UNWRITABLE, `${out} exists and is not a directory: choose another --out`);
  }
  if (st) {
    const entries = await readdir(out);
    if (entries.length > 0 && !options.resume && !options.force) {
      throw new SweFlowError(
        ErrorCodes.OUT_DIR_NOT_EMPTY,
        `${out} already has content: pass --resume to continue the run in it, --force to start over, or choose another --out`,
      );
    }
    if (entries.length > 0 && options.force && !options.resume) {
      for (const entry of entries) await rm(path.join(out, entry), { recursive: true, force: true });
    }
  }
  try {
    await mkdir(out, { recursive: true });
    await access(out, constants.W_OK);
  } catch (cause) {
    throw new SweFlowError(ErrorCodes.OUT_DIR_UNWRITABLE, `cannot write to ${out}: check its permissions or choose another --out`, { cause });
  }
}
