/**
 * The module swe-flow loads into every test process node-tap starts in a traced run
 * (`--node-arg=--import=data:...`): it imports the test file's own `tap` (the ES module build, the
 * same root test the file gets) and adds root `beforeEach`/`afterEach` hooks, which node-tap runs
 * for every subtest at any depth, to bracket each test with the recorder's beginTest/endTest. Ids are
 * `file > title > subtitle`, the file being the process's main script.
 */
const TAP_HOOKS_SOURCE = `
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
const rec = globalThis.__SWEFLOW__;
const main = process.argv[1];
const cwd = process.cwd();
const dirs = createRequire(path.join(cwd, 'sweflow-tap.js')).resolve.paths('tap') || [];
const dir = dirs.map((d) => path.join(d, 'tap')).find((d) => fs.existsSync(path.join(d, 'package.json')));
if (rec && main && dir) {
  const pj = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const dot = pj.exports && pj.exports['.'];
  const entry = (dot && dot.import && (dot.import.default || dot.import)) || pj.module || pj.main;
  const mod = await import(pathToFileURL(path.join(dir, typeof entry === 'string' ? entry : 'index.js')).href);
  const t = mod.t || mod.default;
  const file = path.relative(cwd, path.resolve(main)).split(path.sep).join('/');
  const idOf = (test) => {
    const names = [];
    for (let x = test; x && x.parent; x = x.parent) names.unshift(x.name);
    return [file, ...names].join(' > ');
  };
  if (t && typeof t.beforeEach === 'function') {
    rec.beginFile(file);
    t.beforeEach((test) => {
      const id = idOf(test);
      rec.beginTest(id);
      // node-tap runs a test's function in the async scope the test was created in, which may carry
      // an earlier test's context: run it in this test's.
      const cb = test.cb;
      if (typeof cb === 'function' && !cb.__sweflow) {
        test.cb = Object.assign((...args) => rec.runInTest(id, () => cb(...args)), { __sweflow: true });
      }
    });
    t.afterEach((test) => { rec.endTest(idOf(test)); });
  }
}
`;

/** The hooks as a `data:` module URL for `--node-arg=--import=`. */
export function tapHooksImport(): string {
  return `data:text/javascript;base64,${Buffer.from(TAP_HOOKS_SOURCE).toString('base64')}`;
}
