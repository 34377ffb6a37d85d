/**
 * Checks of the machine a command needs before it starts: a temp folder it can write (every runner
 * run, batch and evaluation works in one), answered within a few seconds even on a file system that
 * never answers.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ErrorCodes, SweFlowError } from '@swe-flow/core';

async function writeProbe(dir: string): Promise<void> {
  const probe = await mkdtemp(path.join(dir, 'swe-flow-probe-'));
  try {
    await writeFile(path.join(probe, 'probe'), 'ok');
  } finally {
    await rm(probe, { recursive: true, force: true });
  }
}

/** Throws SWEFLOW_TEMP_UNWRITABLE when the temp folder cannot hold a folder and a file. */
export async function checkTempDir(timeoutMs = 10_000): Promise<void> {
  const dir = os.tmpdir();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    timer.unref();
  });
  try {
    await Promise.race([writeProbe(dir), timeout]);
  } catch (cause) {
    const reason = (cause as NodeJS.ErrnoException).code ?? (cause as Error).message;
    throw new SweFlowError(
      ErrorCodes.TEMP_UNWRITABLE,
      `the temp folder ${dir} cannot be written (${reason}); set TMPDIR to a writable folder with free space, e.g. TMPDIR=$HOME/tmp`,
      { cause, details: { tmpdir: dir } },
    );
  } finally {
    clearTimeout(timer);
  }
}
