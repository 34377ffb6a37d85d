/**
 * swe-flow preload for processes that run the repository's tests under Node's own loaders:
 * installs the recorder, patches CommonJS compilation and registers the ES module hooks.
 * Used as `node --import <this file>` (node:test, mocha, ava workers).
 *
 * In a node:test child process (NODE_TEST_CONTEXT is set there, one process per test file) it also
 * charges module load and before-all hooks to the test file and brackets every test with root
 * beforeEach/afterEach hooks; each test function runs inside the recorder's async context so work
 * it leaves behind (timers, unawaited promises) stays charged to it.
 */
import { createRequire, register, syncBuiltinESMExports } from 'node:module';

const require = createRequire(import.meta.url);
const rec = require('./recorder.cjs');
const helper = require('./node-test-instrument.cjs');
helper.patchCompile();
helper.patchEsmPackageReads();
// The adapter turns the ES module hooks off when nothing in the repository can load as ESM: their
// loader thread slows every import() down (runner-kit.ts needsEsmHooks).
if (process.env.SWEFLOW_ESM_HOOKS !== '0') register('./node-test-loader.mjs', import.meta.url);

if (process.env.NODE_TEST_CONTEXT && process.env.SWEFLOW_RUNNER === 'node-test' && process.argv[1]) {
  const nodeTest = require('node:test');
  const relFile = helper.relOf(process.argv[1]) ?? process.argv[1];
  const idOf = (t) => `${relFile} > ${t.fullName ?? t.name}`;
  rec.beginFile(relFile);

  const wrapFn = (fn) => {
    if (typeof fn !== 'function' || fn.__sweflow) return fn;
    // node:test tells callback tests from promise tests by arity: keep it.
    const wrapped =
      fn.length >= 2
        ? function (t, done) {
            return rec.runInTest(idOf(t), () => fn.call(this, t, done));
          }
        : function (t) {
            return rec.runInTest(idOf(t), () => fn.call(this, t));
          };
    wrapped.__sweflow = true;
    return wrapped;
  };
  // node:test records where test() was called from (the file reported for the test): compile the
  // wrapper under the test file's own name so the reported file stays the test file.
  const makeWrapper = require('node:vm').runInThisContext(
    '(function (api, wrapFn) { return function (...args) { const i = args.findIndex((a) => typeof a === "function"); if (i >= 0) args[i] = wrapFn(args[i]); return api.apply(this, args); }; })',
    { filename: process.argv[1] },
  );
  const wrapApi = (api) => {
    if (typeof api !== 'function') return api;
    const wrapped = makeWrapper(api, wrapFn);
    for (const key of Object.keys(api)) wrapped[key] = api[key];
    return wrapped;
  };
  nodeTest.it = wrapApi(nodeTest.it);
  nodeTest.test = wrapApi(nodeTest.test);
  syncBuiltinESMExports();

  nodeTest.beforeEach((t) => rec.beginTest(idOf(t)));
  nodeTest.afterEach((t) => rec.endTest(idOf(t)));
  nodeTest.after(() => rec.flush());
}

if (process.env.SWEFLOW_RUNNER === 'ava') {
  // Test files get `const test = __SWEFLOW_AVA_WRAP__(avaTest)` (node-test-instrument.cjs avaRewrite):
  // every test implementation then runs inside the recorder's context for the current test.
  const wrapFn = (fn) => {
    if (typeof fn !== 'function' || fn.__sweflow) return fn;
    const wrapped = function (...args) {
      const id = rec.currentTestId();
      return id === undefined ? fn.apply(this, args) : rec.runInTest(id, () => fn.apply(this, args));
    };
    wrapped.__sweflow = true;
    if (fn.title) wrapped.title = fn.title;
    return wrapped;
  };
  const CHAINS = new Set(['serial', 'only', 'failing']);
  const wrapChain = (chain) =>
    new Proxy(chain, {
      apply(target, self, args) {
        const i = args.findIndex((a) => typeof a === 'function');
        if (i >= 0) args[i] = wrapFn(args[i]);
        return Reflect.apply(target, self, args);
      },
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver);
        return typeof value === 'function' && CHAINS.has(key) ? wrapChain(value) : value;
      },
    });
  globalThis.__SWEFLOW_AVA_WRAP__ = wrapChain;
}
