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

/** `function SweflowJson(runner, options)` given `Base`, `fs` and `path` in scope. */
const REPORTER_BODY = `
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
