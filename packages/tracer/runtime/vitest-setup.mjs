// swe-flow: vitest setup file (first in setupFiles). Loads the recorder and attributes calls to tests:
// module load and beforeAll -> the file's setup bucket, beforeEach..afterEach -> the test.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';

const here = path.dirname(fileURLToPath(import.meta.url));
const rec = createRequire(import.meta.url)('./recorder.cjs');
const root = process.env.SWEFLOW_ROOT || path.dirname(here);
const SEP = ' > ';

function rel(abs) {
  return path.relative(root, abs).split(path.sep).join('/');
}

function testId(task) {
  const titles = [];
  for (let t = task; t && t.type !== undefined && t !== task.file; t = t.suite) {
    if (t.filepath !== undefined) break;
    titles.unshift(t.name);
  }
  // vitest 1's anonymous default suite (see dropAnonymousSuite in the adapter).
  if (titles.length > 1 && titles[0] === '') titles.shift();
  return [rel(task.file.filepath), ...titles].join(SEP);
}

function beginFile() {
  const testPath = expect.getState().testPath;
  if (testPath) rec.beginFile(rel(testPath));
}

// At import: the test file's own imports (module load) follow. Again before its hooks: with
// `isolate: false` this setup module is cached and not re-evaluated for the next file.
beginFile();
beforeAll(beginFile);

beforeEach((ctx) => {
  rec.beginTest(testId(ctx.task));
});

afterEach((ctx) => {
  rec.endTest(testId(ctx.task));
});

afterAll(() => {
  rec.flush();
});
