import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { isSweFlowError } from '@swe-flow/core';
import { acquireOutLock, LOCK_FILE, OUTPUT_MARKER, prepareOutDir, probeWritable } from '../src/index.js';

const tmp = (p: string) => mkdtemp(path.join(os.tmpdir(), `swf-outdir-${p}-`));

async function codeOf(work: Promise<unknown>): Promise<string> {
  try {
    await work;
  } catch (error) {
    if (isSweFlowError(error)) return `${error.code}: ${error.message}`;
    throw error;
  }
  return 'no error';
}

describe('prepareOutDir', () => {
  it('marks a new folder as swe-flow\'s, locks it for the run and lets go on release', async () => {
    const out = path.join(await tmp('new'), 'a', 'b');
    const lock = await prepareOutDir(out, {});
    expect(JSON.parse(await readFile(path.join(out, OUTPUT_MARKER), 'utf8')).tool).toBe('swe-flow');
    expect(JSON.parse(await readFile(path.join(out, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    await lock.release();
    expect(existsSync(path.join(out, LOCK_FILE))).toBe(false);
  });

  it('--force clears a marked folder but refuses an unmarked one, deleting nothing', async () => {
    const ours = await tmp('ours');
    await writeFile(path.join(ours, OUTPUT_MARKER), '{"tool":"swe-flow"}\n');
    await writeFile(path.join(ours, 'dataset.jsonl'), '{}\n');
    await (await prepareOutDir(ours, { force: true })).release();
    expect(await readdir(ours)).toEqual([OUTPUT_MARKER]);

    const theirs = await tmp('theirs');
    await writeFile(path.join(theirs, 'notes.md'), 'mine\n');
    expect(await codeOf(prepareOutDir(theirs, { force: true }))).toMatch(/^SWEFLOW_OUT_DIR_FOREIGN: .*delete it yourself/);
    expect(await readdir(theirs)).toEqual(['notes.md']);
  });

  it('clears what a failed run left (no finished stage) without --force, and keeps a finished run for --resume', async () => {
    const failed = await tmp('failed');
    await writeFile(path.join(failed, OUTPUT_MARKER), '{"tool":"swe-flow"}\n');
    await mkdir(path.join(failed, '.work', 'repo'), { recursive: true });
    await (await prepareOutDir(failed, {})).release();
    expect(await readdir(failed)).toEqual([OUTPUT_MARKER]);

    const finished = await tmp('finished');
    await writeFile(path.join(finished, OUTPUT_MARKER), '{"tool":"swe-flow"}\n');
    await mkdir(path.join(finished, '.swe-flow', 'stages'), { recursive: true });
    await writeFile(path.join(finished, '.swe-flow', 'stages', 'prepare.json'), '{}');
    expect(await codeOf(prepareOutDir(finished, {}))).toMatch(/^SWEFLOW_OUT_DIR_NOT_EMPTY: .*--resume/);
    await (await prepareOutDir(finished, { resume: true })).release();
    expect(existsSync(path.join(finished, '.swe-flow', 'stages', 'prepare.json'))).toBe(true);
  });

  it('refuses an --out inside, equal to or around the source', async () => {
    const parent = await tmp('overlap');
    const source = path.join(parent, 'repo');
    await mkdir(source);
    for (const out of [source, path.join(source, 'out'), parent]) {
      expect(await codeOf(prepareOutDir(out, { force: true, source }))).toMatch(/^SWEFLOW_OUT_OVERLAPS_SOURCE/);
    }
    expect(await readdir(parent)).toEqual(['repo']);
  });
});

describe('the --out lock', () => {
  it('refuses a second holder while the first process lives, naming its PID, and takes over when it is dead', async () => {
    const out = await tmp('lock');
    const holder = execa('sleep', ['30']);
    try {
      await writeFile(path.join(out, LOCK_FILE), JSON.stringify({ pid: holder.pid, host: os.hostname(), startedAt: 'now', command: 'swe-flow synth x' }));
      expect(await codeOf(acquireOutLock(out))).toMatch(new RegExp(`^SWEFLOW_OUT_DIR_LOCKED: .*PID ${holder.pid}\\b.*wait for it to finish`));
    } finally {
      holder.kill('SIGKILL');
      await holder.catch(() => {});
    }
    const lock = await acquireOutLock(out);
    expect(JSON.parse(await readFile(path.join(out, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    await lock.release();
  });
});

describe('probeWritable', () => {
  it('refuses procfs at once (Node\'s recursive mkdir would spin there)', async () => {
    const started = Date.now();
    expect(await codeOf(probeWritable('/proc/swe-flow-test/a/b'))).toMatch(/^SWEFLOW_OUT_DIR_UNWRITABLE: .*procfs/);
    expect(await codeOf(probeWritable('/sys/swe-flow-test', 'the temp folder'))).toMatch(/sysfs.*set TMPDIR/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('refuses a path under a regular file, and leaves no probe file in a good folder', async () => {
    const dir = await tmp('probe');
    await writeFile(path.join(dir, 'file'), 'x');
    expect(await codeOf(probeWritable(path.join(dir, 'file', 'out')))).toMatch(/^SWEFLOW_OUT_DIR_UNWRITABLE: .*ENOTDIR/);
    await probeWritable(path.join(dir, 'fresh'));
    expect(await readdir(path.join(dir, 'fresh'))).toEqual([]);
  });
});

describe('the --out lock within one process', () => {
  it('refuses a second run of the same process on a folder it holds, and allows it after release', async () => {
    const out = await tmp('same-process');
    const first = await acquireOutLock(out);
    expect(await codeOf(acquireOutLock(out))).toMatch(/^SWEFLOW_OUT_DIR_LOCKED: .*another run in this process/);
    await first.release();
    await (await acquireOutLock(out)).release();
  });
});
