'use strict';
/**
 * swe-flow: instrumentation for runners that load the repository's files with Node's own loaders
 * (node:test, mocha, ava). Patches `Module.prototype._compile` for CommonJS (Node 20's module hooks do
 * not see plain `require` chains) and caches instrumented files on disk by content hash, because
 * these runners start one process or worker per test file.
 *
 * Environment: SWEFLOW_ROOT (repository root), SWEFLOW_INSTRUMENTER (compiled instrumenter module),
 * SWEFLOW_CACHE_DIR (instrumentation cache), SWEFLOW_TEST_FILES (JSON list of repo-relative test
 * files: their module load is charged to them as setup).
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const RUNTIME_DIR = __dirname;
const root = process.env.SWEFLOW_ROOT ? path.resolve(process.env.SWEFLOW_ROOT) : undefined;
const cacheDir = process.env.SWEFLOW_CACHE_DIR;
let testFiles;
try {
  testFiles = new Set(JSON.parse(process.env.SWEFLOW_TEST_FILES || '[]'));
} catch {
  testFiles = new Set();
}

let instrumenter;
let tracerHash;
function tracerKey() {
  if (tracerHash === undefined) {
    const h = crypto.createHash('sha1');
    try {
      h.update(fs.readFileSync(process.env.SWEFLOW_INSTRUMENTER || ''));
    } catch {
      h.update(String(Date.now()));
    }
    tracerHash = h.digest('hex');
  }
  return tracerHash;
}

function relOf(file) {
  if (!root) return undefined;
  const rel = path.relative(root, file);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  return rel.split(path.sep).join('/');
}

/** Whether a file is worth handing to the instrumenter at all (it applies its own filter too). */
function candidate(file) {
  if (!root || !file || file.startsWith(RUNTIME_DIR + path.sep)) return false;
  const rel = relOf(file);
  return rel !== undefined && !rel.split('/').includes('node_modules') && /\.(c|m)?(j|t)sx?$/.test(rel);
}

let builtDirs;
/**
 * Files of build output mapped back to their sources (SWEFLOW_BUILT_OUTPUT) are never cached: their ids
 * come from the source files and the maps, which a cache keyed by the built code does not cover.
 */
function isBuiltOutput(file) {
  if (builtDirs === undefined) {
    try {
      builtDirs = JSON.parse(process.env.SWEFLOW_BUILT_OUTPUT || '[]').map((d) => String(d.dir).replace(/\/+$/, '') + '/');
    } catch {
      builtDirs = [];
    }
  }
  const rel = builtDirs.length > 0 ? relOf(file) : undefined;
  return rel !== undefined && builtDirs.some((d) => rel.startsWith(d));
}

/** Instrumented code with an inline source map, or undefined when the file is not instrumented. */
function instrumentCached(code, file) {
  if (!candidate(file)) return undefined;
  let key;
  let cached;
  if (cacheDir && !isBuiltOutput(file)) {
    key = crypto.createHash('sha1').update(tracerKey()).update('\0').update(file).update('\0').update(code).digest('hex');
    cached = path.join(cacheDir, key.slice(0, 2), key + '.json');
    try {
      const hit = JSON.parse(fs.readFileSync(cached, 'utf8'));
      return hit.code === null ? undefined : hit.code;
    } catch {
      // miss
    }
  }
  if (!instrumenter) instrumenter = require(process.env.SWEFLOW_INSTRUMENTER);
  const r = instrumenter.instrumentSource(code, file, { root });
  let out;
  if (r) {
    const map = r.map ? '\n//# sourceMappingURL=data:application/json;base64,' + Buffer.from(JSON.stringify(r.map)).toString('base64') : '';
    out = r.code + map;
  }
  if (cached) {
    try {
      fs.mkdirSync(path.dirname(cached), { recursive: true });
      const tmp = `${cached}.${process.pid}.${Math.random().toString(36).slice(2)}`;
      fs.writeFileSync(tmp, JSON.stringify({ code: out === undefined ? null : out }));
      fs.renameSync(tmp, cached);
    } catch {
      // the cache is an optimisation only
    }
  }
  return out;
}

/**
 * ava has no global hooks: its test files get swe-flow's hooks prepended on their first line (so line
 * numbers do not move). Hook titles are `sweflow for <test title>`.
 */
function avaHooks(rel, kind) {
  if (process.env.SWEFLOW_RUNNER !== 'ava') return '';
  const r = '__SWEFLOW__';
  const id = `${JSON.stringify(rel + ' > ')}+t.title.replace(/^sweflow for /,'')`;
  const head = kind === 'esm' ? "import __sweflowAva from 'ava';" : "const __sweflowAva=require('ava');";
  return (
    head +
    `__sweflowAva.beforeEach('sweflow',(t)=>{${r}.beginTest(${id});});` +
    `__sweflowAva.afterEach.always('sweflow',(t)=>{${r}.endTest(${id});});` +
    `__sweflowAva.after.always('sweflow',()=>{${r}.flush();});`
  );
}

/**
 * ava test functions must run inside the recorder's async context (timers they leave behind stay
 * theirs), and ava offers no hook around the test function: the test file's `ava` import is routed
 * through a wrapper installed by the preload. The rewrite stays on the import's own line.
 */
function avaRewrite(code) {
  if (process.env.SWEFLOW_RUNNER !== 'ava') return code;
  return code
    .replace(/^([ \t]*)import\s+([A-Za-z_$][\w$]*)\s+from\s+(['"])ava\3\s*;?/m, (_m, indent, name) => `${indent}import __sweflowAvaOrig from 'ava';const ${name}=globalThis.__SWEFLOW_AVA_WRAP__(__sweflowAvaOrig);`)
    .replace(/\brequire\((['"])ava\1\)/, (m) => `globalThis.__SWEFLOW_AVA_WRAP__(${m})`);
}

function recorder() {
  return require('./recorder.cjs');
}

let patched = false;
/** Instruments every CommonJS file of the repository as it is compiled. */
function patchCompile() {
  if (patched) return;
  patched = true;
  const Module = require('node:module');
  const original = Module.prototype._compile;
  Module.prototype._compile = function sweflowCompile(content, filename) {
    const rel = relOf(filename);
    const isTest = rel !== undefined && testFiles.has(rel);
    if (isTest) recorder().beginFile(rel);
    let code = content;
    if (isTest) content = avaRewrite(content);
    try {
      // Already instrumented where it was read (the esm package's path, below): not twice.
      const out = INSTRUMENTED.test(content) ? undefined : instrumentCached(content, filename);
      if (out !== undefined) code = out;
    } catch (error) {
      process.emitWarning(`swe-flow could not instrument ${filename}: ${error && error.message}`);
    }
    if (isTest) {
      const hooks = avaHooks(rel, 'cjs');
      // After a leading 'use strict' directive, which must stay first to count.
      const m = /^\s*(['"])use strict\1;?/.exec(code);
      code = m ? code.slice(0, m[0].length) + hooks + code.slice(m[0].length) : hooks + code;
    }
    return original.call(this, code, filename);
  };
}

/** The instrumenter's first line: code that starts with it was instrumented already. */
const INSTRUMENTED = /^\s*(?:(['"])use strict\1;?\s*)?var __sfB = \(typeof __SWEFLOW__ /;

/** A frame of the `esm` package (standard-things/esm: `node -r esm`, `require = require('esm')(module)`). */
const ESM_PACKAGE_FRAME = /[\\/]node_modules[\\/]esm[\\/]esm(?:\.js|[\\/]loader\.js)/;

/** Whether Node's CommonJS loader reads this file on behalf of the `esm` package (from the stack). */
function readForEsmPackage() {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 8;
  const stack = new Error().stack || '';
  Error.stackTraceLimit = limit;
  return stack.includes('Module._extensions') && ESM_PACKAGE_FRAME.test(stack);
}

let readsPatched = false;
/**
 * The `esm` package compiles the files it loads itself (its own `_compile`, defined over Node's),
 * so the `_compile` patch never sees them; but Node's loader still reads their text first. A read of
 * a repository file by the loader on `esm`'s behalf gets the instrumented text, which `esm` then
 * compiles as it would the original. Other reads (a test reading a source file as text) are left
 * alone. esm's own compile cache must be off in these runs (runner-kit `esmPackageEnv`), or it
 * serves the untraced run's code without reading the file.
 */
function patchEsmPackageReads() {
  if (readsPatched) return;
  readsPatched = true;
  const original = fs.readFileSync;
  fs.readFileSync = function sweflowReadFileSync(file) {
    const content = original.apply(this, arguments);
    if (typeof file !== 'string' || !candidate(file) || !readForEsmPackage()) return content;
    const text = typeof content === 'string' ? content : content.toString('utf8');
    if (INSTRUMENTED.test(text)) return content;
    const rel = relOf(file);
    if (rel !== undefined && testFiles.has(rel)) recorder().beginFile(rel);
    let out;
    try {
      out = instrumentCached(text, file);
    } catch (error) {
      process.emitWarning(`swe-flow could not instrument ${file}: ${error && error.message}`);
    }
    if (out === undefined) return content;
    return typeof content === 'string' ? out : Buffer.from(out);
  };
}

module.exports = { instrumentCached, patchCompile, patchEsmPackageReads, relOf, candidate, testFiles, recorder, avaHooks, avaRewrite };
