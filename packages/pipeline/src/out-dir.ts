import { existsSync } from 'node:fs';
import { readdir, readFile, realpath, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCodes, SweFlowError } from '@swe-flow/core';
import { acquireOutLock, LOCK_FILE, type OutLock } from './out-lock.js';
import { describeOverlap, overlapOf } from './path-overlap.js';
import { nearestExisting, probeWritable } from './writable-probe.js';

/** The file that marks a folder as swe-flow's own output: `--force` deletes nothing else. */
export const OUTPUT_MARKER = '.swe-flow-output';

export interface PrepareOutDirOptions {
  resume?: boolean;
  force?: boolean;
  /** The source repository (a local path; a URL is ignored): `--out` must not overlap it. */
  source?: string;
}

/** The real path of a folder that may not exist yet: its deepest existing ancestor resolved, the rest appended. */
export async function realPathOf(p: string): Promise<string> {
  const abs = path.resolve(p);
  const existing = await nearestExisting(abs);
  const real = await realpath(existing).catch(() => existing);
  return path.join(real, path.relative(existing, abs));
}

/** Refuses an output folder equal to, inside, or containing a source folder (`what` names the source). */
export async function assertNoOverlap(out: string, source: string, what = 'the repository'): Promise<void> {
  const [realOut, realSource] = await Promise.all([realPathOf(out), realPathOf(source)]);
  const kind = overlapOf(realSource, realOut);
  if (!kind) return;
  throw new SweFlowError(
    ErrorCodes.OUT_OVERLAPS_SOURCE,
    `${describeOverlap(kind, realSource, realOut)}: swe-flow never writes into ${what} nor deletes around it; choose an --out that neither lies inside ${realSource} nor contains it`,
    { details: { out: realOut, source: realSource, overlap: kind } },
  );
}

async function isLocalSource(input: string): Promise<boolean> {
  return existsSync(path.resolve(input)) && (await stat(path.resolve(input))).isDirectory();
}

/** What a failed run leaves in a folder it made: nothing finished, so a new run may clear it. */
async function onlyFailedRunLeftovers(out: string, entries: string[]): Promise<boolean> {
  if (!entries.includes(OUTPUT_MARKER)) return false;
  const leftovers = new Set([OUTPUT_MARKER, '.work', '.swe-flow', 'repo.json']);
  if (!entries.every((e) => leftovers.has(e))) return false;
  const stages = await readdir(path.join(out, '.swe-flow', 'stages')).catch(() => [] as string[]);
  return stages.length === 0;
}

async function clear(out: string, entries: string[]): Promise<void> {
  for (const entry of entries) await rm(path.join(out, entry), { recursive: true, force: true });
}

async function writeMarker(out: string): Promise<void> {
  const file = path.join(out, OUTPUT_MARKER);
  if (existsSync(file)) return;
  await writeFile(file, `${JSON.stringify({ tool: 'swe-flow', createdAt: new Date().toISOString() })}\n`);
}

/** Reads the marker (for tests and tools that want to know a folder is swe-flow's). */
export async function isSweFlowOutput(dir: string): Promise<boolean> {
  const text = await readFile(path.join(dir, OUTPUT_MARKER), 'utf8').catch(() => null);
  return text !== null && text.includes('"swe-flow"');
}

/**
 * Makes the output directory safe to use and takes it for this run:
 * - it must not overlap the source (equal, inside it, or containing it);
 * - it must be writable (probed with a time limit; pseudo file systems refused);
 * - it is locked for the run (a second run is refused, naming the holder's PID);
 * - existing content needs `resume` (keep finished stages) or `force` (clear it, only when the folder
 *   carries swe-flow's marker); what a failed run left (no finished stage) is cleared without asking.
 * The caller releases the returned lock when the run ends.
 */
export async function prepareOutDir(out: string, options: PrepareOutDirOptions): Promise<OutLock> {
  const abs = path.resolve(out);
  if (options.source !== undefined && (await isLocalSource(options.source))) await assertNoOverlap(abs, options.source);
  const st = await stat(abs).catch(() => null);
  if (st && !st.isDirectory()) {
    throw new SweFlowError(ErrorCodes.OUT_DIR_UNWRITABLE, `${abs} exists and is not a directory: choose another --out`);
  }
  await probeWritable(abs, '--out');
  const lock = await acquireOutLock(abs);
  try {
    await admit(abs, options);
    await writeMarker(abs);
  } catch (error) {
    await lock.release();
    throw error;
  }
  return lock;
}

async function admit(out: string, options: PrepareOutDirOptions): Promise<void> {
  const entries = (await readdir(out)).filter((e) => e !== LOCK_FILE);
  if (entries.length === 0) return;
  const ours = entries.includes(OUTPUT_MARKER) && (await isSweFlowOutput(out));
  if (options.resume && !options.force) {
    // Stage records from before the marker existed are swe-flow's too.
    if (ours || entries.includes('.swe-flow')) return;
    throw new SweFlowError(ErrorCodes.OUT_DIR_NOT_EMPTY, `${out} has content that swe-flow did not write (no ${OUTPUT_MARKER} marker): choose an empty or new --out`);
  }
  if (options.force) {
    if (!ours) {
      throw new SweFlowError(
        ErrorCodes.OUT_DIR_FOREIGN,
        `--force deletes only a folder swe-flow made (it holds a ${OUTPUT_MARKER} file), and ${out} has none: delete it yourself if it is disposable, or choose another --out`,
      );
    }
    await clear(out, entries);
    return;
  }
  if (await onlyFailedRunLeftovers(out, entries)) {
    await clear(out, entries.filter((e) => e !== OUTPUT_MARKER));
    return;
  }
  throw new SweFlowError(
    ErrorCodes.OUT_DIR_NOT_EMPTY,
    `${out} already has content: pass --resume to continue the run in it, --force to start over, or choose another --out`,
  );
}

/**
 * An eval report folder (`eval --out`): writable (probed, pseudo file systems refused), and neither the
 * dataset folder itself nor one that contains it (inside it is fine: the default is `<dataset>/evaluation`).
 */
export async function checkReportDir(out: string, dataset: string): Promise<void> {
  const datasetDir = (await stat(dataset).catch(() => null))?.isDirectory() ? dataset : path.dirname(dataset);
  const kind = overlapOf(await realPathOf(datasetDir), await realPathOf(out));
  if (kind === 'same' || kind === 'source-inside-out') {
    throw new SweFlowError(
      ErrorCodes.OUT_OVERLAPS_SOURCE,
      `${describeOverlap(kind, datasetDir, out).replace('the source', 'the dataset')}: reports would mix with the dataset's own files; choose an --out inside it or elsewhere`,
    );
  }
  await probeWritable(out, '--out', undefined, { removeCreated: true });
}

/**
 * Vite bundles a TypeScript config to `<nearest node_modules>/.vite-temp/<config>.timestamp-*.mjs` and
 * deletes it once loaded; a run killed in between leaves it in the installed copy that every checkout
 * links. The shutdown path removes the folder (vite makes it again when it needs it).
 */
export async function removeViteTemp(out: string): Promise<void> {
  await rm(path.join(path.resolve(out), '.work', 'repo', 'node_modules', '.vite-temp'), { recursive: true, force: true });
}
