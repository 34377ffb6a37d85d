/**
 * The mocha reporter swe-flow loads into the runner's process as a `data:` module (`node --import`):
 * it registers `sweflow-json` among mocha's reporters. Unlike mocha's JSON reporter it keeps each
 * test's title path (ids are `file > describe > ... > test`, not a space-joined full title). When the
 * recorder is present (traced runs) it also tells it which test file a suite belongs to, so
 * before-all hooks are charged to the right file.
 */
export const MOCHA_REPORTER_NAME = 'sweflow-json';

export const MOCHA_REPORTER_SOURCE = `
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
const req = createRequire(path.join(process.cwd(), 'sweflow-reporter.cjs'));
let reporters;
try { reporters = req('mocha/lib/reporters/index.js'); } catch { reporters = undefined; }
if (reporters && !reporters[${JSON.stringify(MOCHA_REPORTER_NAME)}]) {
  const Base = reporters.Base;
  function SweflowJson(runner, options) {
    Base.call(this, runner, options);
    const opts = (options && (options.reporterOption || options.reporterOptions)) || {};
    const output = opts.output;
    const tests = [];
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
    runner.once('end', () => {
      const json = JSON.stringify({ tests });
      if (output) {
        fs.mkdirSync(path.dirname(output), { recursive: true });
        fs.writeFileSync(output, json);
      } else process.stdout.write(json);
    });
  }
  const root = process.env.SWEFLOW_ROOT || process.cwd();
  reporters[${JSON.stringify(MOCHA_REPORTER_NAME)}] = SweflowJson;
}
`;

export function mochaReporterImport(): string {
  return `data:text/javascript;base64,${Buffer.from(MOCHA_REPORTER_SOURCE).toString('base64')}`;
}
