/**
 * The module swe-flow loads into a uvu process (`node --import data:...`) ahead of uvu's own bin.
 * uvu has no reporter API and no name filter, so swe-flow wraps what test files import: `test` and
 * `suite()` of the CommonJS build (its exports object) and of the ES module build (a resolve hook
 * that hands importers of `uvu` a module re-exporting the real one with the wrappers). Every
 * registered test gets the id `file > [suite] > title`, its file the test file uvu loaded (`entry-file.ts`: a suite in a helper module gets the file that imports it); a selection
 * registers only the selected tests; each handler's outcome (resolved or thrown, as uvu's runner
 * sees it) is appended to the result file as a JSON line; with the recorder loaded (traced runs) the
 * handler runs between beginTest and endTest inside the recorder's async context. An `after.each`
 * hook that fails a test after its handler passed is not seen.
 */
import { RUNNER_SCRIPT_SOURCE } from './runner-script.js';
import { ENTRY_FILE_SOURCE } from './entry-file.js';
import { EXCLUDE_MATCHER_SOURCE } from '../test-exclusions.js';

export interface UvuHooksConfig {
  /** Result file (JSON lines), relative to the working directory or absolute. */
  resultFile: string;
  /** Selected ids, or null for every test. */
  select: string[] | null;
  /** `--exclude-test` patterns: such tests are never registered with the runner, and written skipped. */
  exclude?: readonly string[];
  /** No files were given: pass uvu the arguments of the repository's test script. */
  fromScript: boolean;
}

/** The arguments after `uvu` in a script (quotes stripped; up to a pipe or `&&`). JS; uvu.ts has the TS twin. */
export const UVU_SCRIPT_ARGS_SOURCE = `
function uvuScriptArgs(script) {
  const m = /(?:^|[\\s/;&|(])uvu(?:\\s+([^|&;]*))?(?:$|[|&;])/.exec(script);
  if (!m) return [];
  return (m[1] || '').trim().split(/\\s+/).filter(Boolean).map((a) => a.replace(/^['"]|['"]$/g, ''));
}
`;

/** Runs in the loader thread: importers of `uvu` (outside the wrapper) get the wrapper module. */
const RESOLVE_HOOKS = `
export async function resolve(specifier, context, nextResolve) {
  const r = await nextResolve(specifier, context);
  if (specifier !== 'uvu' || (context.parentURL || '').startsWith('data:')) return r;
  const source = 'import * as real from ' + JSON.stringify(r.url) + ';' +
    'const w = globalThis.__SWEFLOW_UVU__;' +
    'export const suite = (name, state) => w.suite(real.suite, name, state);' +
    'export const test = w.wrap(real.test, "");' +
    'export const exec = real.exec;';
  return { url: 'data:text/javascript;base64,' + Buffer.from(source).toString('base64'), shortCircuit: true };
}
`;

const UVU_HOOKS_SOURCE = `
import { createRequire, register } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
const CONFIG = __CONFIG__;
__EXCLUDE_MATCHER__
const cwd = process.cwd();
__SCRIPT_ARGS__
const req = createRequire(path.join(cwd, 'sweflow-uvu.js'));
let uvuMain;
try { uvuMain = req.resolve('uvu'); } catch { uvuMain = undefined; }
if (uvuMain) {
  {
    let script = '';
    try { script = runnerScript(JSON.parse(fs.readFileSync(path.join(cwd, 'package.json'), 'utf8')), /(?:^|[\\s/;&|(])uvu(?:\\s|$)/); } catch { script = ''; }
    const args = uvuScriptArgs(script);
    if (CONFIG.fromScript) process.argv.push(...args);
    else {
      // A run of selected files still loads the script's -r modules (esm, tsm): the files need them.
      for (let i = 0; i < args.length; i++) {
        if (args[i] === '-r' || args[i] === '--require') process.argv.push('-r', args[++i] || '');
        else if (args[i].startsWith('--require=')) process.argv.push(args[i]);
      }
    }
  }
  const uvuDir = path.dirname(path.dirname(uvuMain)) + path.sep;
  const out = path.resolve(cwd, CONFIG.resultFile);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, '');
  const select = CONFIG.select ? new Set(CONFIG.select) : null;
  const excluded = sweflowExcluded(CONFIG.exclude);
  const rel = (f) => path.relative(cwd, f).split(path.sep).join('/');
  const callerFile = () => sweflowEntryFile(cwd, uvuDir);
  const write = (row) => fs.appendFileSync(out, JSON.stringify(row) + '\\n');
  const errText = (e) => String((e && (e.stack || e.message)) || e).slice(0, 4000);
  const wrapHandler = (handler, file, titlePath) => {
    const id = [file, ...titlePath].join(' > ');
    return async function sweflowUvuTest(...args) {
      const rec = globalThis.__SWEFLOW__;
      if (rec) rec.beginTest(id);
      try {
        await (rec ? rec.runInTest(id, () => handler.apply(this, args)) : handler.apply(this, args));
        write({ file, titlePath, status: 'passed' });
      } catch (error) {
        write({ file, titlePath, status: 'failed', error: errText(error) });
        throw error;
      } finally {
        if (rec) rec.endTest(id);
      }
    };
  };
  const wrap = (api, suiteName) => new Proxy(api, {
    apply(target, self, args) {
      const [title, handler] = args;
      const file = callerFile();
      const titlePath = suiteName ? [suiteName, String(title)] : [String(title)];
      if (select && !select.has([file, ...titlePath].join(' > '))) return undefined;
      const hit = excluded([file, ...titlePath].join(' > '));
      if (hit !== undefined) {
        write({ file, titlePath, status: 'skipped', error: 'not run: matches --exclude-test ' + hit });
        return undefined;
      }
      if (typeof handler === 'function') args[1] = wrapHandler(handler, file, titlePath);
      return Reflect.apply(target, self, args);
    },
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      return key === 'only' && typeof value === 'function' ? wrap(value, suiteName) : value;
    },
  });
  const suite = (realSuite, name, state) => wrap(realSuite(name, state), name || '');
  globalThis.__SWEFLOW_UVU__ = { wrap, suite };
  // uvu decides when its module loads whether its CLI runs it (else it runs itself on a timer).
  globalThis.UVU_DEFER = 1;
  const cjs = req('uvu');
  const realSuite = cjs.suite;
  cjs.suite = (name, state) => suite(realSuite, name, state);
  cjs.test = wrap(cjs.test, '');
  register('data:text/javascript;base64,' + __RESOLVE_HOOKS__);
}
`;

/** The hooks as a `data:` module URL for `node --import`. */
export function uvuHooksImport(config: UvuHooksConfig): string {
  const source = UVU_HOOKS_SOURCE.replace('__CONFIG__', () => JSON.stringify(config))
    .replace('__EXCLUDE_MATCHER__', () => EXCLUDE_MATCHER_SOURCE)
    .replace('__SCRIPT_ARGS__', () => UVU_SCRIPT_ARGS_SOURCE + RUNNER_SCRIPT_SOURCE + ENTRY_FILE_SOURCE)
    .replace('__RESOLVE_HOOKS__', () => JSON.stringify(Buffer.from(RESOLVE_HOOKS).toString('base64')));
  return `data:text/javascript;base64,${Buffer.from(source).toString('base64')}`;
}
