/**
 * swe-flow's mocha reporter, `sweflow-json`. Unlike mocha's JSON reporter it keeps each test's title
 * path (ids are `file > describe > ... > test`, not a space-joined full title) and writes to the file
 * named by its `output` option in every mocha major (5-11; old majors' JSON reporter only prints to
 * stdout). When the recorder is present (traced runs) it also tells it which test file a suite belongs
 * to, so before-all hooks are charged to the right file. With the `list` option it writes every test
 * of the loaded suite tree and exits before any runs: the test files as mocha itself finds them,
 * before mocha 9 had `--dry-run`.
 *
 * Two forms of one body: a `data:` module swe-flow loads into its own runs (`node --import`) that
 * registers the reporter by name, and a CommonJS file a plain command writes next to its result file
 * and names with `--reporter <file>` (plain commands also run in containers and are recorded in tasks:
 * no node flags, no swe-flow files).
 */
export const MOCHA_REPORTER_NAME = 'sweflow-json';

/**
 * The per-test limit over whatever the suite set (the `maxTimeout` option): mocha's own timer, with
 * every test's and hook's timeout brought down to the limit where it is off (0, `this.timeout(0)`,
 * `timeout: false`; mocha before 7 also turns timeouts off) or larger, and `Runnable#timeout` patched so
 * a test that sets it while running is held to the limit too. A lower limit of the repository stays.
 */
const CLAMP_BODY = `
function sweflowClampTimeouts(suite, max) {
  const runnables = [];
  const walk = (s) => {
    for (const h of [].concat(s._beforeAll || [], s._beforeEach || [], s._afterEach || [], s._afterAll || [], s.tests || [])) runnables.push(h);
    for (const c of s.suites || []) walk(c);
  };
  walk(suite);
  const clamp = (r, timeout) => {
    const off = typeof r.enableTimeouts === 'function' && r._enableTimeouts === false;
    if (off) r._enableTimeouts = true;
    if (off || !(timeout.call(r) > 0) || timeout.call(r) > max) timeout.call(r, max);
  };
  for (const r of runnables) {
    let proto = Object.getPrototypeOf(r);
    while (proto && !(Object.prototype.hasOwnProperty.call(proto, 'timeout') && Object.prototype.hasOwnProperty.call(proto, 'resetTimeout'))) proto = Object.getPrototypeOf(proto);
    if (proto && !proto.timeout.sweflowClamped) {
      const timeout = proto.timeout;
      proto.timeout = function (ms) {
        if (!arguments.length) return timeout.call(this);
        const out = timeout.apply(this, arguments);
        clamp(this, timeout);
        return out;
      };
      proto.timeout.sweflowClamped = timeout;
    }
    if (proto) clamp(r, proto.timeout.sweflowClamped);
  }
}
`;

/** `function SweflowJson(runner, options)` given `Base`, `fs` and `path` in scope. */
const REPORTER_BODY = `${CLAMP_BODY}
function SweflowJson(runner, options) {
  Base.call(this, runner, options);
  const opts = (options && (options.reporterOption || options.reporterOptions)) || {};
  const output = opts.output;
  const root = process.env.SWEFLOW_ROOT || process.cwd();
  const tests = [];
  const write = () => {
    const json = JSON.stringify({ tests });
    if (output) {
      fs.mkdirSync(path.dirname(output), { recursive: true });
      fs.writeFileSync(output, json);
    } else process.stdout.write(json);
  };
  if (opts.list) {
    const walk = (s) => {
      for (const t of s.tests || []) tests.push({ file: t.file || s.file || '', titlePath: t.titlePath(), state: 'listed' });
      for (const c of s.suites || []) walk(c);
    };
    walk(runner.suite);
    write();
    process.exit(0);
  }
  if (Number(opts.maxTimeout) > 0) sweflowClampTimeouts(runner.suite, Number(opts.maxTimeout));
  if (opts.listFiltered) {
    // mocha reports nothing of what --grep leaves out: those tests are written skipped, so trace()
    // lists the tests its --exclude-test filter kept from running. mocha applies --grep to the runner
    // after it made the reporter: read it when the run starts.
    const walk = (s, grep) => {
      for (const t of s.tests || []) {
        if (grep.test(t.fullTitle()) === !!runner._invert) tests.push({ file: t.file || s.file || '', titlePath: t.titlePath(), state: 'skipped', duration: 0 });
      }
      for (const c of s.suites || []) walk(c, grep);
    };
    runner.once('start', () => {
      if (runner._grep instanceof RegExp) walk(runner.suite, runner._grep);
    });
  }
  const rec = () => globalThis.__SWEFLOW__;
  const errText = (e) => (e ? String((e && (e.stack || e.message)) || e).slice(0, 4000) : undefined);
  const push = (t, state, err) => tests.push({ file: t.file || '', titlePath: t.titlePath(), state, duration: t.duration || 0, err: errText(err) });
  runner.on('suite', (s) => {
    const r = rec();
    if (s.file && r && r.beginFile && root) r.beginFile(path.relative(root, s.file).split(path.sep).join('/'));
  });
  runner.on('pass', (t) => push(t, 'passed'));
  runner.on('pending', (t) => push(t, 'skipped'));
  runner.on('fail', (t, err) => {
    if (t.type === 'hook') {
      const cur = t.ctx && t.ctx.currentTest;
      if (cur && /each" hook/.test(t.title)) push(cur, 'failed', err);
      return;
    }
    push(t, 'failed', err);
  });
  runner.once('end', write);
}
`;

export const MOCHA_REPORTER_SOURCE = `
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
const req = createRequire(path.join(process.cwd(), 'sweflow-reporter.cjs'));
let reporters;
try { reporters = req('mocha/lib/reporters/index.js'); } catch { reporters = undefined; }
if (reporters && !reporters[${JSON.stringify(MOCHA_REPORTER_NAME)}]) {
  const Base = reporters.Base;
  ${REPORTER_BODY}
  reporters[${JSON.stringify(MOCHA_REPORTER_NAME)}] = SweflowJson;
}
`;

/** The same reporter as a CommonJS module (mocha `require`s a `--reporter` that is a path). */
export const MOCHA_REPORTER_CJS = `'use strict';
const fs = require('fs');
const path = require('path');
const Base = require(require.resolve('mocha/lib/reporters/base.js', { paths: [process.cwd()] }));
${REPORTER_BODY}
module.exports = SweflowJson;
`;

export function mochaReporterImport(): string {
  return `data:text/javascript;base64,${Buffer.from(MOCHA_REPORTER_SOURCE).toString('base64')}`;
}
