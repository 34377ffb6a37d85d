/**
 * The module swe-flow loads into a jasmine process (`node --import data:...`) ahead of jasmine's own
 * bin: it adds a reporter (jasmine's reporter API) to every `Jasmine` run of the repository's jasmine
 * package. The reporter keeps the suite path from `suiteStarted`/`suiteDone`, takes the spec's file
 * from its result's `filename`, and appends one JSON line per finished spec to the result file
 * (specs left out by a filter, status `excluded`, are not written, but for `listFiltered`). It lets suites of different files
 * share names (jasmine >= 6 forbids that by default), as tree batches need. When the recorder is loaded
 * (traced runs) it brackets each spec with beginTest/endTest from `specStarted`/`specDone`.
 */
import { RUNNER_SCRIPT_SOURCE } from './runner-script.js';

export interface JasmineHooksConfig {
  /** Result file (JSON lines), relative to the working directory or absolute. */
  resultFile: string;
  /** No files were given: pass jasmine the arguments of the repository's script that runs it. */
  fromScript: boolean;
  /**
   * Write the specs a filter left out (status `excluded`; also `xit`) as skipped: the trace runs with
   * `--exclude-test` patterns, so trace() can list them as excluded.
   */
  listFiltered?: boolean;
}

const JASMINE_HOOKS_SOURCE = `
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
const CONFIG = __CONFIG__;
const cwd = process.cwd();
__SCRIPT__
if (CONFIG.fromScript) {
  // jasmine's bin reads process.argv after this module ran: the script's arguments go at its end.
  let script = '';
  try { script = runnerScript(JSON.parse(fs.readFileSync(path.join(cwd, 'package.json'), 'utf8')), /(?:^|[\\s/;&|(])jasmine(?:\\s|$)/); } catch { script = ''; }
  const m = /(?:^|[\\s/;&|(])jasmine(?:\\s+([^|&;]*))?(?:$|[|&;])/.exec(script);
  const args = m ? (m[1] || '').trim().split(/\\s+/).filter(Boolean).map((a) => a.replace(/^(--[\\w-]+=)?['"](.*)['"]$/, '$1$2')) : [];
  process.argv.push(...args.filter((a) => !/^--(reporter|filter)=/.test(a)));
}
const req = createRequire(path.join(cwd, 'sweflow-jasmine.js'));
let Jasmine;
try { Jasmine = req('jasmine'); } catch { Jasmine = undefined; }
if (Jasmine && Jasmine.prototype && typeof Jasmine.prototype.execute === 'function') {
  const out = path.resolve(cwd, CONFIG.resultFile);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, '');
  const rel = (f) => (f ? path.relative(cwd, f).split(path.sep).join('/') : '');
  const errText = (r) => (r.failedExpectations || []).map((e) => [e.message, e.stack].filter(Boolean).join('\\n')).join('\\n').slice(0, 4000);
  const makeReporter = () => {
    const suites = [];
    const idOf = (r) => [rel(r.filename), ...suites, r.description].join(' > ');
    return {
      suiteStarted(r) { suites.push(r.description); },
      suiteDone() { suites.pop(); },
      specStarted(r) {
        const rec = globalThis.__SWEFLOW__;
        if (rec) rec.beginTest(idOf(r));
      },
      specDone(r) {
        const rec = globalThis.__SWEFLOW__;
        if (rec) rec.endTest(idOf(r));
        if (r.status === 'excluded' && !CONFIG.listFiltered) return;
        const status = r.status === 'passed' ? 'passed' : r.status === 'failed' ? 'failed' : 'skipped';
        const row = { file: rel(r.filename), titlePath: [...suites, r.description], status, durationMs: r.duration || 0 };
        if (status === 'failed') row.error = errText(r);
        fs.appendFileSync(out, JSON.stringify(row) + '\\n');
      },
      jasmineDone() {
        const rec = globalThis.__SWEFLOW__;
        if (rec) rec.flush();
      },
    };
  };
  const execute = Jasmine.prototype.execute;
  Jasmine.prototype.execute = function sweflowExecute(...args) {
    this.addReporter(makeReporter());
    // A batch loads the same spec files from many trees: their top-level suites share names, which
    // jasmine >= 6 rejects unless told otherwise. One tree never has duplicates its own run lacks.
    const env = this.env;
    if (env && typeof env.configuration === 'function' && 'forbidDuplicateNames' in env.configuration()) {
      env.configure({ forbidDuplicateNames: false });
    }
    return execute.apply(this, args);
  };
}
`;

/** The hooks as a `data:` module URL for `node --import`. */
export function jasmineHooksImport(config: JasmineHooksConfig): string {
  const source = JASMINE_HOOKS_SOURCE.replace('__CONFIG__', () => JSON.stringify(config)).replace('__SCRIPT__', () => RUNNER_SCRIPT_SOURCE);
  return `data:text/javascript;base64,${Buffer.from(source).toString('base64')}`;
}
