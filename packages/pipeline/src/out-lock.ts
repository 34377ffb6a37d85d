import { readFileSync, unlinkSync } from 'node:fs';
import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ErrorCodes, SweFlowError } from '@swe-flow/core';

/** The lock file of a run in its output folder: `{ pid, host, startedAt, command }`. */
export const LOCK_FILE = '.swe-flow.lock';

interface LockRecord {
  pid: number;
  host: string;
  startedAt: string;
  command: string;
}

/** Lock files this process holds. */
const heldHere = new Set<string>();

export interface OutLock {
  readonly file: string;
  /** Removes the lock file if it is still this process's (idempotent). */
  release(): Promise<void>;
}

/** Whether a process of this machine is alive (EPERM: alive, owned by someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseLock(text: string | null): LockRecord | null {
  if (text === null) return null;
  try {
    const r = JSON.parse(text) as Partial<LockRecord>;
    return typeof r.pid === 'number' && Number.isInteger(r.pid) ? (r as LockRecord) : null;
  } catch {
    return null;
  }
}

/** A lock held by a live process (of another host: assumed live, it cannot be checked). */
function holdsLock(record: LockRecord | null): record is LockRecord {
  if (!record || record.pid === process.pid) return false;
  return record.host !== os.hostname() || processAlive(record.pid);
}

function lockedError(out: string, holder: LockRecord): SweFlowError {
  return new SweFlowError(
    ErrorCodes.OUT_DIR_LOCKED,
    `${out} is in use by another swe-flow run (PID ${holder.pid} on ${holder.host}, started ${holder.startedAt}: ${holder.command}); ` +
      `wait for it to finish or stop it, or choose another --out`,
    { details: { pid: holder.pid, host: holder.host, startedAt: holder.startedAt } },
  );
}

/**
 * Takes the exclusive lock on an output folder for the whole run. A second run on the same folder is
 * refused with `SWEFLOW_OUT_DIR_LOCKED` naming the holder's PID; the lock of a dead process (a run
 * killed with SIGKILL, a crashed machine) is taken over.
 */
export async function acquireOutLock(out: string, command = process.argv.slice(1).join(' ')): Promise<OutLock> {
  const file = path.join(out, LOCK_FILE);
  // Two runs of one process (a script, a release build's pool) on one folder: the same PID, still refused.
  if (heldHere.has(file)) throw lockedError(out, { pid: process.pid, host: os.hostname(), startedAt: 'earlier', command: 'another run in this process' });
  const mine: LockRecord = { pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString(), command };
  const text = JSON.stringify(mine);
  try {
    await writeFile(file, text, { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const holder = parseLock(await readFile(file, 'utf8').catch(() => null));
    if (holdsLock(holder)) throw lockedError(out, holder);
    // Stale: replace it in one rename, then check no other run replaced it at the same moment.
    const temp = `${file}.${process.pid}`;
    await writeFile(temp, text);
    await rename(temp, file);
    const now = parseLock(await readFile(file, 'utf8').catch(() => null));
    if (now?.pid !== process.pid && holdsLock(now)) throw lockedError(out, now);
  }
  heldHere.add(file);
  return ownLock(file);
}

function ownLock(file: string): OutLock {
  const isMine = (text: string | null) => parseLock(text)?.pid === process.pid;
  // A run that ends through process.exit (a signal's shutdown) still lets go of its folder.
  const onExit = () => {
    try {
      if (isMine(readFileSync(file, 'utf8'))) unlinkSync(file);
    } catch {
      // already gone
    }
  };
  process.on('exit', onExit);
  let released = false;
  return {
    file,
    async release() {
      if (released) return;
      released = true;
      heldHere.delete(file);
      process.off('exit', onExit);
      if (isMine(await readFile(file, 'utf8').catch(() => null))) await unlink(file).catch(() => {});
    },
  };
}
