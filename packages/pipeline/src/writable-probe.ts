import { randomBytes } from 'node:crypto';
import { rm, mkdir, readFile, stat, statfs, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCodes, SweFlowError } from '@swe-flow/core';

/** Kernel pseudo file systems (statfs magic numbers): nothing swe-flow writes belongs there. */
const PSEUDO_FILE_SYSTEMS = new Map<number, string>([
  [0x9fa0, 'procfs'],
  [0x62656572, 'sysfs'],
  [0x1cd1, 'devpts'],
  [0x27e0eb, 'cgroup'],
  [0x63677270, 'cgroup2'],
  [0x64626720, 'debugfs'],
  [0x74726163, 'tracefs'],
  [0x73636673, 'securityfs'],
  [0xcafe4a11, 'bpf'],
  [0x62656570, 'configfs'],
  [0x6165676d, 'pstore'],
  [0xde5e81e4, 'efivarfs'],
]);

export const PROBE_TIMEOUT_MS = 10_000;

/** The deepest existing folder on the way to `dir` (itself when it exists). */
export async function nearestExisting(dir: string): Promise<string> {
  let current = path.resolve(dir);
  for (;;) {
    if (await stat(current).then(() => true, () => false)) return current;
    const parent = path.dirname(current);
    if (parent === current) return current;
    current = parent;
  }
}

function adviceFor(what: string): string {
  return what.startsWith('--') ? `choose another ${what}` : 'set TMPDIR to a writable folder';
}

function unwritable(what: string, dir: string, why: string, cause?: unknown): SweFlowError {
  return new SweFlowError(ErrorCodes.OUT_DIR_UNWRITABLE, `cannot write to ${what} ${dir}: ${why}; ${adviceFor(what)}`, cause === undefined ? {} : { cause });
}

async function withTimeout<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
    timer.unref();
  });
  try {
    return await Promise.race([work, limit]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Creates `dir` one level at a time. Node's `mkdir({ recursive: true })` loops forever under procfs
 * (it keeps retrying on ENOENT): a folder by folder creation fails at once instead.
 */
async function mkdirStepwise(dir: string): Promise<void> {
  const existing = await nearestExisting(dir);
  const rest = path.relative(existing, dir).split(path.sep).filter(Boolean);
  let current = existing;
  for (const part of rest) {
    current = path.join(current, part);
    await mkdir(current).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
  }
}

/**
 * Makes sure `dir` (an output or temp folder) can be created and written, within a time limit: a
 * pseudo file system (`/proc`, `/sys`) is refused by its type before anything is tried there, and a
 * folder whose writes hang (a dead network mount) is reported instead of waited on.
 */
export async function probeWritable(dir: string, what = '--out', timeoutMs = PROBE_TIMEOUT_MS, options: { removeCreated?: boolean } = {}): Promise<void> {
  const abs = path.resolve(dir);
  const timeout = () => unwritable(what, abs, `it did not answer a test write within ${timeoutMs} ms`);
  const existing = await withTimeout(nearestExisting(abs), timeoutMs, timeout);
  const fsType = await withTimeout(statfs(existing).then((s) => Number(s.type), () => null), timeoutMs, timeout);
  const pseudo = fsType === null ? undefined : PSEUDO_FILE_SYSTEMS.get(fsType);
  if (pseudo) throw unwritable(what, abs, `${existing} is on ${pseudo}, a kernel pseudo file system`);
  // Unique per call: synths running at once in one process (release --workers N) probe the same temp folder.
  const probe = path.join(abs, `.swe-flow-probe-${process.pid}-${randomBytes(6).toString('hex')}`);
  await withTimeout(
    (async () => {
      await mkdirStepwise(abs);
      const info = await stat(abs);
      if (!info.isDirectory()) throw unwritable(what, abs, 'it exists and is not a directory');
      await writeFile(probe, 'swe-flow');
      if ((await readFile(probe, 'utf8')) !== 'swe-flow') throw unwritable(what, abs, 'a test file read back differently');
      await unlink(probe);
      // A check that writes nothing: the folders made for the probe go again (the run makes them when it writes).
      if (options.removeCreated && existing !== abs) await rm(path.join(existing, path.relative(existing, abs).split(path.sep)[0]!), { recursive: true, force: true });
    })().catch((error: unknown) => {
      if (error instanceof SweFlowError) throw error;
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      throw unwritable(what, abs, `${code} (${(error as Error).message}); check its permissions`, error);
    }),
    timeoutMs,
    timeout,
  );
}
