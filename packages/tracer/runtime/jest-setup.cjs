'use strict';
// Plain core module names (no node: prefix): this file loads inside jest's module registry, and jest
// before 27 resolves `node:` names as files.
/**
 * swe-flow's jest setup file (added to setupFilesAfterEnv by the traced run). Runs once per test file
 * inside jest's environment: installs the recorder on this environment's global, charges module load
 * and before-all work to the file, and brackets every test with beginTest/endTest. The test id comes
 * from jest-circus's own state (the real describe chain), so it equals the id parsed from --json.
 */
const path = require('path');
const crypto = require('crypto');

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

// jest-jasmine2 (the default runner before jest 27) has no circus state: its reporter events give
// the describe chain the way jest's own jasmine reporter builds `ancestorTitles`.
const jasmineSuites = [];
let jasmineSpec;
if (!STATE_SYM && globalThis.jasmine && typeof globalThis.jasmine.getEnv === 'function') {
  globalThis.jasmine.getEnv().addReporter({
    suiteStarted: (r) => jasmineSuites.push(r.description),
    suiteDone: () => jasmineSuites.pop(),
    specStarted: (r) => (jasmineSpec = [relFile, ...jasmineSuites, r.description].join(' > ')),
    specDone: () => (jasmineSpec = undefined),
  });
}

function currentTestId() {
  if (jasmineSpec !== undefined) return jasmineSpec;
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

// Work a test leaves behind (timers, unawaited promises) must stay charged to that test: run each test
// function inside the recorder's async context. Tests made with `.each` keep jest's own binding.
function wrapFn(fn) {
  if (typeof fn !== 'function') return fn;
  const run = (self, args) => (current === undefined ? fn.apply(self, args) : rec.runInTest(current, () => fn.apply(self, args)));
  // jest decides between callback and promise style by the function's arity: keep it.
  if (fn.length >= 1) {
    return function (done) {
      return run(this, [done]);
    };
  }
  return function () {
    return run(this, []);
  };
}

function wrapTestApi(api) {
  if (typeof api !== 'function' || api.__sweflowWrapped) return api;
  const wrapped = function (name, fn, timeout) {
    return api.call(this, name, wrapFn(fn), timeout);
  };
  for (const key of Object.keys(api)) wrapped[key] = api[key];
  for (const key of ['only', 'failing']) {
    const variant = api[key];
    if (typeof variant === 'function') {
      wrapped[key] = function (name, fn, timeout) {
        return variant.call(this, name, wrapFn(fn), timeout);
      };
      for (const k of Object.keys(variant)) wrapped[key][k] = variant[k];
    }
  }
  wrapped.__sweflowWrapped = true;
  return wrapped;
}

if (rec.runInTest) {
  for (const name of ['it', 'test', 'fit']) {
    if (typeof globalThis[name] === 'function') globalThis[name] = wrapTestApi(globalThis[name]);
  }
}

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
