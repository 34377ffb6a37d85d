import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { mergeFragments, readFragments, RECORDER_PATH, type RecorderFragment } from '../src/index.js';

const exec = promisify(execFile);

/** Runs a script in a child process with a fresh recorder and SWEFLOW_TRACE_DIR set. */
async function runWithRecorder(body: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sweflow-rec-'));
  const script = `const rec = require(${JSON.stringify(RECORDER_PATH)});
const f = rec.f('src/a.js', ['src/a.js:1:1:a', 'src/a.js:2:1:b']);
const call = (i, inner) => { const p = rec.e(f + i); try { inner && inner(); } finally { rec.c = p; } };
${body}`;
  await exec(process.execPath, ['-e', script], { env: { ...process.env, SWEFLOW_TRACE_DIR: dir } });
  return dir;
}

describe('recorder', () => {
  it('is a single instance per process on globalThis.__SWEFLOW__', async () => {
    const { stdout } = await exec(process.execPath, [
      '-e',
      `const a = require(${JSON.stringify(RECORDER_PATH)}); delete require.cache[require.resolve(${JSON.stringify(RECORDER_PATH)})];
       const b = require(${JSON.stringify(RECORDER_PATH)}); console.log(a === b, globalThis.__SWEFLOW__ === a);`,
    ]);
    expect(stdout.trim()).toBe('true true');
  });

  it('writes incremental fragments on flush and at exit, which sum to the whole run', async () => {
    const dir = await runWithRecorder(`
rec.beginFile('test/a.test.js');
call(1);                                   // setup: <root> -> a
rec.beginTest('t1'); call(1, () => call(2)); rec.endTest('t1');
rec.flush();
rec.beginTest('t2'); call(2); call(2); rec.endTest('t2');
rec.beginTest('t1'); call(2); rec.endTest('t1');   // a retry of t1 adds to it
// no explicit flush: the exit handler writes the rest
`);
    const names = (await readdir(dir)).sort();
    expect(names).toHaveLength(2);
    expect(names.every((n) => /^\d+-\d+-\d+\.json$/.test(n))).toBe(true);
    const first = JSON.parse(await readFile(path.join(dir, names[0]!), 'utf8')) as RecorderFragment;
    expect(first.tests).toEqual([{ testId: 't1', file: 'test/a.test.js', edges: [['<root>', 'src/a.js:1:1:a', 1], ['src/a.js:1:1:a', 'src/a.js:2:1:b', 1]] }]);
    expect(first.files).toEqual([{ file: 'test/a.test.js', edges: [['<root>', 'src/a.js:1:1:a', 1]] }]);
    const merged = await readFragments(dir);
    expect(merged.fragmentCount).toBe(2);
    expect(merged.bytes).toBeGreaterThan(0);
    // Edges summed per test, sorted by caller then callee; records sorted by test id.
    expect(merged.records).toEqual([
      { testId: 't1', edges: [['<root>', 'src/a.js:1:1:a', 1], ['<root>', 'src/a.js:2:1:b', 1], ['src/a.js:1:1:a', 'src/a.js:2:1:b', 1]] },
      { testId: 't2', edges: [['<root>', 'src/a.js:2:1:b', 2]] },
    ]);
    expect(merged.instrumentedFiles).toEqual(['src/a.js']);
  });

  it('keeps calls made before any file began apart, and sums fragments from several processes', () => {
    const frag = (pid: number, n: number): RecorderFragment => ({
      version: 1,
      pid,
      threadId: 0,
      files: [{ file: 'test/a.test.js', edges: [['<root>', 'x', n]] }],
      tests: [{ testId: 't', file: 'test/a.test.js', edges: [['x', 'y', n]] }],
      unattributed: [['<root>', 'z', 1]],
      moduleLoadFunctions: [`m${pid}`],
      registeredFiles: ['src/x.js'],
    });
    const merged = mergeFragments([frag(2, 3), frag(1, 2)]);
    expect(merged.records).toEqual([{ testId: 't', edges: [['x', 'y', 5]] }]);
    expect(merged.setup).toEqual([{ file: 'test/a.test.js', edges: [['<root>', 'x', 5]] }]);
    expect(merged.unattributed).toEqual([['<root>', 'z', 2]]);
    expect(merged.moduleLoadFunctions).toEqual(['m1', 'm2']);
    // A translation of the hooks' ids drops the tests it has no id for.
    expect(mergeFragments([frag(1, 1)], () => undefined).records).toEqual([]);
  });
});
