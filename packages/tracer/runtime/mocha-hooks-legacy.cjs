'use strict';
/* global beforeEach, afterEach, after -- mocha's BDD globals, set before --file modules load */
/**
 * swe-flow's per-test hooks for mocha before 8 (no root hook plugins): loaded with `--file`, after
 * mocha's interface has set its globals and before the spec files, so these root-level hooks run
 * around every test exactly as the `mochaHooks` of mocha-hooks.cjs do in mocha 8+.
 */
const { mochaHooks } = require('./mocha-hooks.cjs');

beforeEach(mochaHooks.beforeEach);
afterEach(mochaHooks.afterEach);
after(mochaHooks.afterAll);
