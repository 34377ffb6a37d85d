'use strict';
// Plain core module names (no node: prefix): this file loads inside jest's module registry, and jest
// before 27 resolves `node:` names as files.
/**
 * swe-flow recorder: the in-process runtime that instrumented code calls. Plain CommonJS so that any
 * runner can load it (require, --require, --import via createRequire, a setup file). One instance per
 * process (per worker thread): `globalThis.__SWEFLOW__`.
 *
 * Instrumented code talks to it through a tiny, hot API (see instrument/transform.ts):
 *   f(file, ids, source)  register a file's function ids; returns the base integer (base = module node);
 *                     a built file passes the source file it was compiled from (its module node and its
 *                     name among the registered files)
 *   c                 the current function (integer; -1 = no instrumented function on the stack)
 *   e(id)             enter: count edge (c -> id), set c = id, return the previous c
 *   s(p, v)           suspend before await/yield: c = p, return v
 *   r(id, p, b)       resume after await/yield or at catch/finally: returns the new "previous";
 *                     resuming from the event loop restores bucket b (captured when the function began)
 *   ai(src, getPrev)  wraps the async iterable of a `for await`: each implicit await suspends to getPrev()
 *   m(base) / me(p)   a module's top-level code starts / ends
 *   ms(p, v) / mr(base)  a top-level await suspends / resumes the module's loading
 * Adapters use the readable API:
 *   beginFile(relFile), beginTest(testId), endTest(testId), flush()
 */
const fs = require('fs');
const path = require('path');
const { AsyncLocalStorage } = require('async_hooks');

let threadId = 0;
try {
  threadId = require('worker_threads').threadId;
} catch {
  threadId = 0;
}

const ROOT = -1;
// Edge keys pack (caller + 1) and callee into one number: both stay below 2^26.
const SHIFT = 67108864;

function createRecorder() {
  const als = new AsyncLocalStorage();
  /** Interned function ids: index -> string id. */
  const names = [];
  /** Repo-relative file -> base index (the module node); functions follow at base + 1 + i. */
  const fileBase = new Map();
  /** Built file -> the source file it was compiled from. */
  const sourceOf = new Map();
  let seq = 0;

  /** Edge buckets: Map<number, number>. */
  const unattributed = new Map();
  /** file -> Map (setup edges of that test file: module load, before-all hooks, between tests). */
  const setups = new Map();
  /** testId -> { file, edges } for every test seen since the last flush (deltas). */
  const tests = new Map();
  /** testIds whose test has ended (late work may still be charged to them). */
  const ended = new Set();
  const moduleLoad = new Set();

  let currentFile;
  let currentTest;
  let active = unattributed;

  /**
   * Whether `base` is the module node of the test file being run (`beginFile` came first, as the setup
   * files of jest and vitest and the preloads of node:test and tap do). Its own top-level calls count
   * with its tests (they land in its setup bucket), not as module load: a stub of such a function fails
   * that file's tests, which is what a step's F2P tests are. Calls made while its imports load still
   * count as module load.
   */
  function isTestBody(base) {
    return currentFile !== undefined && fileBase.get(currentFile) === base;
  }

  function resolveBucket() {
    const store = als.getStore();
    if (store !== undefined && store !== currentTest) {
      let rec = tests.get(store.id);
      if (rec === undefined && ended.has(store.id)) {
        rec = { file: store.file, edges: new Map() };
        tests.set(store.id, rec);
      }
      if (rec !== undefined) return rec.edges;
    }
    return active;
  }

  const rec = {
    version: 1,
    c: ROOT,
    /** Depth of modules currently loading. */
    ml: 0,
    b: unattributed,

    f(file, ids, source) {
      const known = fileBase.get(file);
      if (known !== undefined) return known;
      const base = names.length;
      names.push(`${source || file}:0:0:<module>`);
      if (source) sourceOf.set(file, source);
      for (const id of ids) names.push(id);
      fileBase.set(file, base);
      return base;
    },

    e(id) {
      const p = this.c;
      if (p === ROOT) this.b = resolveBucket();
      const k = (p + 1) * SHIFT + id;
      const b = this.b;
      const n = b.get(k);
      b.set(k, n === undefined ? 1 : n + 1);
      if (this.ml > 0) moduleLoad.add(id);
      this.c = id;
      return p;
    },

    s(p, v) {
      this.c = p;
      return v;
    },

    r(id, p, b) {
      const c = this.c;
      if (c === id) return p;
      // The continuation belongs to whoever started the function (as AsyncLocalStorage would say),
      // without paying for a store lookup on every await.
      if (c === ROOT) this.b = b === undefined || b === null ? resolveBucket() : b;
      this.c = id;
      return c;
    },

    ai(src, getPrev) {
      // Only async iterables: a sync iterable's values are awaited by the loop itself, and wrapping
      // it would change that.
      if (src == null || typeof src[Symbol.asyncIterator] !== 'function') return src;
      const self = this;
      return {
        [Symbol.asyncIterator]() {
          const it = src[Symbol.asyncIterator]();
          const step = (method, arg) => {
            const r = it[method](arg);
            self.c = getPrev();
            return r;
          };
          const wrapped = { next: (v) => step('next', v) };
          if (typeof it.return === 'function') wrapped.return = (v) => step('return', v);
          if (typeof it.throw === 'function') wrapped.throw = (e) => step('throw', e);
          return wrapped;
        },
      };
    },

    m(base) {
      const p = this.c;
      if (p === ROOT) this.b = resolveBucket();
      if (!isTestBody(base)) this.ml++;
      this.c = base;
      return p;
    },

    ms(p, v) {
      if (this.ml > 0 && !isTestBody(this.c)) this.ml--;
      this.c = p;
      return v;
    },

    mr(base) {
      const p = this.c;
      if (p === ROOT) this.b = resolveBucket();
      if (!isTestBody(base)) this.ml++;
      this.c = base;
      return p;
    },

    me(p) {
      if (this.ml > 0 && !isTestBody(this.c)) this.ml--;
      this.c = p;
    },

    /** Subsequent calls (module load, before-all hooks) go to this test file's setup bucket. */
    beginFile(file) {
      currentFile = file;
      let bucket = setups.get(file);
      if (bucket === undefined) {
        bucket = new Map();
        setups.set(file, bucket);
      }
      currentTest = undefined;
      active = bucket;
      this.b = bucket;
    },

    beginTest(testId) {
      let r = tests.get(testId);
      if (r === undefined) {
        r = { file: currentFile, edges: new Map() };
        tests.set(testId, r);
      }
      ended.delete(testId);
      currentTest = { id: testId, file: currentFile };
      active = r.edges;
      this.b = active;
      // Nothing of a previous test is on the stack when the next one starts.
      this.c = ROOT;
      this.ml = 0;
      als.enterWith(currentTest);
    },

    endTest(testId) {
      ended.add(testId);
      currentTest = undefined;
      active = currentFile === undefined ? unattributed : setups.get(currentFile) ?? unattributed;
      this.b = active;
      this.c = ROOT;
      als.enterWith(undefined);
    },

    /** The test id currently running, if any. */
    currentTestId() {
      return currentTest === undefined ? undefined : currentTest.id;
    },

    /** Runs fn with `store` as the test context for late work (used by adapters that know better). */
    runInTest(testId, fn) {
      return als.run({ id: testId, file: currentFile }, fn);
    },

    toEdges(bucket) {
      const out = [];
      for (const [k, n] of bucket) {
        const callee = k % SHIFT;
        const caller = (k - callee) / SHIFT - 1;
        out.push([caller === ROOT ? '<root>' : names[caller], names[callee], n]);
      }
      return out;
    },

    /** Everything recorded since the last flush, as plain data (does not reset). */
    snapshot() {
      const files = [];
      for (const [file, bucket] of setups) if (bucket.size > 0) files.push({ file, edges: this.toEdges(bucket) });
      const testList = [];
      for (const [testId, r] of tests) if (r.edges.size > 0) testList.push({ testId, file: r.file, edges: this.toEdges(r.edges) });
      return {
        version: 1,
        pid: process.pid,
        threadId,
        files,
        tests: testList,
        unattributed: this.toEdges(unattributed),
        moduleLoadFunctions: [...moduleLoad].map((i) => names[i]),
        registeredFiles: [...new Set([...fileBase.keys()].map((f) => sourceOf.get(f) || f))],
      };
    },

    /** Writes a fragment with everything since the last flush to SWEFLOW_TRACE_DIR and resets. */
    flush() {
      const dir = process.env.SWEFLOW_TRACE_DIR;
      const snap = this.snapshot();
      for (const bucket of setups.values()) bucket.clear();
      // Records are cleared, never dropped: suspended functions hold on to their bucket.
      for (const r of tests.values()) r.edges.clear();
      unattributed.clear();
      moduleLoad.clear();
      if (!dir) return undefined;
      const empty =
        snap.files.length === 0 &&
        snap.tests.length === 0 &&
        snap.unattributed.length === 0 &&
        snap.moduleLoadFunctions.length === 0;
      if (empty) return undefined;
      fs.mkdirSync(dir, { recursive: true });
      const file = path.join(dir, `${process.pid}-${threadId}-${seq++}.json`);
      const tmp = `${file}.tmp`;
      fs.writeFileSync(tmp, JSON.stringify(snap));
      fs.renameSync(tmp, file);
      return file;
    },
  };
  return rec;
}

function install() {
  const existing = globalThis.__SWEFLOW__;
  if (existing && existing.version === 1 && typeof existing.beginTest === 'function') return existing;
  const rec = createRecorder();
  // jest 30 "soft-deletes" what a test environment's globals hold when the environment is torn down,
  // wrapping each property in a getter/setter; code still running then (a timer of a test its limit
  // cut) makes the recorder set `b` through that wrapper, which recursed until the stack overflowed
  // and the worker died with every result. jest leaves objects that carry this symbol alone.
  rec[Symbol.for('$$jest-protect-from-deletion')] = [];
  Object.defineProperty(globalThis, '__SWEFLOW__', { value: rec, configurable: true, writable: true, enumerable: false });
  process.on('exit', () => {
    try {
      rec.flush();
    } catch {
      // nothing sensible to do while exiting
    }
  });
  return rec;
}

module.exports = install();
module.exports.install = install;
module.exports.createRecorder = createRecorder;
