/**
 * The module swe-flow loads into a tape process (`node --import data:...`) ahead of tape's own bin.
 * It takes tape's exported `test` from the require cache and puts a Proxy in its place, so every
 * top-level `test()` of a test file is seen as it is registered:
 * - its file (the test file tape loaded, outermost on the stack when `test()` is called: `entry-file.ts`) and title make its id
 *   `file > title`; its subtests (`t.test`) are part of it;
 * - a selection (ids) registers only the selected tests: tape has no name filter of its own;
 * - its outcome is read from tape's own result objects (`t.on('result')`, the objects tape's
 *   `createStream({ objectMode: true })` carries), and one JSON line per finished test is appended to
 *   the result file, so the tests that finished are kept even when the process dies later;
 * - a callback (of a test or a subtest) that throws synchronously fails that test (`t.error`) instead
 *   of crashing the whole process, as tape itself would: a stub's throw must cost one test, not the
 *   rest of the run; a test that started and had not ended when the process exits is written failed;
 * - when the recorder is loaded (traced runs), the test runs between beginTest and endTest inside
 *   the recorder's async context.
 */
import { RUNNER_SCRIPT_SOURCE } from './runner-script.js';
import { ENTRY_FILE_SOURCE } from './entry-file.js';
import { EXCLUDE_MATCHER_SOURCE } from '../test-exclusions.js';

export interface TapeHooksConfig {
  /** Result file (JSON lines), relative to the working directory or absolute. */
  resultFile: string;
  /** Selected ids (`file > title`), or null for every test. */
  select: string[] | null;
  /** `--exclude-test` patterns: such tests are never registered with the runner, and written skipped. */
  exclude?: readonly string[];
  /**
   * No files were given: take tape's arguments (files, globs, `-r` modules) from the repository's
   * test script, read where the command runs, as the user's `npm test` would.
   */
  fromScript: boolean;
}

/** The arguments of the first `tape` command of a script that swe-flow passes on (JS; tape.ts has the TS twin for traced runs). */
export const TAPE_SCRIPT_ARGS_SOURCE = `
function tapeScriptArgs(script) {
  const m = /(?:^|[\\s/;&|(])tape\\s+([^|&;]*)/.exec(script);
  const files = [];
  const requires = [];
  if (!m) return { files, requires };
  const tokens = (m[1] || '').trim().split(/\\s+/).filter(Boolean).map((a) => a.replace(/^['"]|['"]$/g, ''));
  for (let i = 0; i < tokens.length; i++) {
    const a = tokens[i];
    if (a === '-r' || a === '--require') requires.push(tokens[++i] || '');
    else if (a.startsWith('--require=')) requires.push(a.slice('--require='.length));
    else if (a === '-i' || a === '--ignore' || a === '--ignore-pattern') i++;
    else if (!a.startsWith('-')) files.push(a);
  }
  return { files, requires: requires.filter(Boolean) };
}
`;

const TAPE_HOOKS_SOURCE = `
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
const CONFIG = __CONFIG__;
__EXCLUDE_MATCHER__
const cwd = process.cwd();
__SCRIPT_ARGS__
{
  // The launcher reads process.argv after this module ran: the script's arguments go at its end.
  // Its -r modules (esm, @babel/register) go into every run, also one of selected files.
  let script = '';
  try { script = runnerScript(JSON.parse(fs.readFileSync(path.join(cwd, 'package.json'), 'utf8')), /(?:^|[\\s/;&|(])tape\\s/); } catch { script = ''; }
  const { files, requires } = tapeScriptArgs(script);
  process.argv.push(...requires.flatMap((r) => ['-r', r]), ...(CONFIG.fromScript ? files : []));
}
const req = createRequire(path.join(cwd, 'sweflow-tape.js'));
let tapeMain;
try { tapeMain = req.resolve('tape'); } catch { tapeMain = undefined; }
if (tapeMain) {
  const tapeDir = path.dirname(tapeMain) + path.sep;
  const out = path.resolve(cwd, CONFIG.resultFile);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, '');
  const select = CONFIG.select ? new Set(CONFIG.select) : null;
  const excluded = sweflowExcluded(CONFIG.exclude);
  const rel = (f) => path.relative(cwd, f).split(path.sep).join('/');
  const callerFile = () => sweflowEntryFile(cwd, tapeDir);
  const errText = (r) => [r.name, r.operator && 'operator: ' + r.operator, 'expected: ' + safe(r.expected), 'actual: ' + safe(r.actual), r.error && (r.error.stack || r.error.message)]
    .filter(Boolean).join('\\n').slice(0, 4000);
  const safe = (v) => { try { return typeof v === 'string' ? v : JSON.stringify(v); } catch { return String(v); } };
  /** Top-level tests that started and have not written their line yet (written as failed if the process ends first). */
  const open = new Map();
  const writeLine = (key, row) => {
    if (!open.has(key)) return;
    open.delete(key);
    fs.appendFileSync(out, JSON.stringify(row) + '\\n');
  };
  process.on('exit', (code) => {
    for (const [key, row] of [...open]) writeLine(key, { ...row, status: 'failed', error: 'the tape process ended (exit code ' + code + ') before this test ended' });
  });
  /** A callback that throws fails its test instead of ending the process (tape would not catch it). */
  const guard = (cb) => function sweflowTapeGuard(t) {
    try {
      return cb.call(this, t);
    } catch (error) {
      t.error(error);
      if (!t.calledEnd) t.end();
      return undefined;
    }
  };
  const track = (t, file, title) => {
    let failure;
    let asserts = 0;
    const key = {};
    const watch = (test) => {
      test.on('result', (r) => {
        if (!r || typeof r !== 'object') return;
        asserts++;
        if (!r.ok && !r.todo && failure === undefined) failure = errText(r);
      });
      test.on('test', (sub) => {
        if (typeof sub._cb === 'function') sub._cb = guard(sub._cb);
        watch(sub);
      });
    };
    watch(t);
    t.once('prerun', () => open.set(key, { file, titlePath: [title] }));
    t.once('end', () => {
      const skipped = asserts === 0 && (t._skip || !t._cb);
      const status = skipped ? 'skipped' : failure === undefined ? 'passed' : 'failed';
      writeLine(key, { file, titlePath: [title], status, ...(failure ? { error: failure } : {}) });
    });
  };
  const wrapCb = (cb, id) => function sweflowTapeTest(t) {
    const rec = globalThis.__SWEFLOW__;
    if (rec) {
      rec.beginTest(id);
      t.once('end', () => rec.endTest(id));
    }
    const run = () => guard(cb).call(this, t);
    return rec ? rec.runInTest(id, run) : run();
  };
  const register = (target, self, args) => {
    const file = callerFile();
    const title = typeof args[0] === 'string' ? args[0] : '(anonymous)';
    const id = file + ' > ' + title;
    if (select && !select.has(id)) return undefined;
    const hit = excluded(id);
    if (hit !== undefined) {
      fs.appendFileSync(out, JSON.stringify({ file, titlePath: [title], status: 'skipped', error: 'not run: matches --exclude-test ' + hit }) + '\\n');
      return undefined;
    }
    const i = args.findIndex((a) => typeof a === 'function');
    if (i >= 0) args[i] = wrapCb(args[i], id);
    const t = Reflect.apply(target, self, args);
    if (t && typeof t.once === 'function') track(t, file, title);
    return t;
  };
  const wrapApi = (api) => new Proxy(api, {
    apply: register,
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      return (key === 'only' || key === 'skip' || key === 'test') && typeof value === 'function' ? wrapApi(value) : value;
    },
  });
  const tape = req(tapeMain);
  // Nothing here may create tape's harness (tape.onFinish would): the bin first calls tape.wait() when
  // it imports test files, and a harness made before that starts with no tests. The recorder flushes
  // on exit.
  req.cache[tapeMain].exports = wrapApi(tape);
}
`;

/** The hooks as a `data:` module URL for `node --import`. */
export function tapeHooksImport(config: TapeHooksConfig): string {
  const source = TAPE_HOOKS_SOURCE.replace('__CONFIG__', () => JSON.stringify(config))
    .replace('__EXCLUDE_MATCHER__', () => EXCLUDE_MATCHER_SOURCE).replace('__SCRIPT_ARGS__', () => TAPE_SCRIPT_ARGS_SOURCE + RUNNER_SCRIPT_SOURCE + ENTRY_FILE_SOURCE);
  return `data:text/javascript;base64,${Buffer.from(source).toString('base64')}`;
}
