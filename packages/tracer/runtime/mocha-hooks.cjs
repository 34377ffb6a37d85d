'use strict';
/**
 * swe-flow root hooks for mocha (`--require` this file): every test runs between beginTest/endTest,
 * inside the recorder's async context (work it leaves behind stays charged to it), and the test's
 * file becomes the current file first. The reporter switches files for before-all hooks.
 */
const rec = require('./recorder.cjs');
const { relOf } = require('./node-test-instrument.cjs');

function fileOf(test) {
  return (test.file && relOf(test.file)) || test.file || '';
}

// Computed once per test: beforeEach and afterEach both need it, for every test of the suite.
function idOf(test) {
  if (test.__sweflowId === undefined) test.__sweflowId = [fileOf(test), ...test.titlePath()].join(' > ');
  return test.__sweflowId;
}

function wrap(test, id) {
  const fn = test.fn;
  if (typeof fn !== 'function' || fn.__sweflow) return;
  // mocha tells callback tests from promise tests by arity: keep it.
  const wrapped =
    fn.length >= 1
      ? function (done) {
          return rec.runInTest(id, () => fn.call(this, done));
        }
      : function () {
          return rec.runInTest(id, () => fn.call(this));
        };
  wrapped.__sweflow = true;
  wrapped.toString = () => fn.toString();
  test.fn = wrapped;
}

exports.mochaHooks = {
  beforeEach() {
    const test = this.currentTest;
    if (!test) return;
    const id = idOf(test);
    rec.beginFile(fileOf(test));
    rec.beginTest(id);
    wrap(test, id);
  },
  afterEach() {
    const test = this.currentTest;
    if (test) rec.endTest(idOf(test));
  },
  afterAll() {
    rec.flush();
  },
};
