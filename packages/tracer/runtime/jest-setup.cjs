'use strict';
/**
 * swe-flow's jest setup file (added to setupFilesAfterEnv by the traced run). Runs once per test file
 * inside jest's environment: installs the recorder on this environment's global, charges module load
 * and before-all work to the file, and brackets every test with beginTest/endTest. The test id comes
 * from jest-circus's own state (the real describe chain), so it equals the id parsed from --json.
 */
const path = require('node:path');
const crypto = require('node:crypto');

// Each test file gets its own recorder instance (jest gives each file a fresh module registry and
// global); a per-file fragment directory keeps their fragment names from colliding.
const base = process.env.SWEFLOW_TRACE_DIR;
if (base) process.env.SWEFLOW_TRACE_DIR = path.join(base, `jest-${process.pid}-${crypto.randomUUID()}`);
const rec = require('./recorder.cjs');

const root = process.env.SWEFLOW_ROOT || process.cwd();
const state = expect.getState();
const relFile = path.relative(root, state.testPath || '').split(path.sep).join('/');
rec.beginFile(relFile);

const STATE_SYM = Object.getOwnPropertySymbols(globalThis).find((s) => s.description === 'JEST_STATE_SYMBOL');

function currentTestId() {
  const circus = STATE_SYM ? globalThis[STATE_SYM] : undefined;
  let node = circus && circus.currentlyRunningTest;
  if (node) {
    const titles = [];
    while (node && node.parent) {
      titles.unshift(node.name);
      node = node.parent;
    }
    return [relFile, ...titles].join(' > ');
  }
  return [relFile, expect.getState().currentTestName || ''].join(' > ');
}

let current;
beforeEach(() => {
  current = currentTestId();
  rec.beginTest(current);
});
afterEach(() => {
  if (current !== undefined) rec.endTest(current);
  current = undefined;
});
afterAll(() => {
  rec.flush();
});
