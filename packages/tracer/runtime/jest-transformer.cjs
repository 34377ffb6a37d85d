'use strict';
/**
 * swe-flow's wrapping jest transformer. The traced run points every configured transform pattern at
 * this file with `{ inner, innerOptions }`: the source is instrumented first (on the ORIGINAL code, so
 * function ids match the stubber's), then handed to the repository's own transformer (ts-jest,
 * babel-jest, ...), and the two source maps are composed. The tracer takes part in the cache key.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const RUNTIME_DIR = __dirname;
let instrumenter;
function instrumentSource(code, file) {
  if (!instrumenter) instrumenter = require(process.env.SWEFLOW_INSTRUMENTER);
  return instrumenter.instrumentSource(code, file, { root: process.env.SWEFLOW_ROOT });
}

function sha(...parts) {
  const h = crypto.createHash('sha1');
  for (const p of parts) h.update(String(p)).update('\0');
  return h.digest('hex');
}

let tracerKey;
function tracerCacheKey() {
  if (tracerKey === undefined) {
    const instr = process.env.SWEFLOW_INSTRUMENTER || '';
    let text = '';
    try {
      text = fs.readFileSync(instr, 'utf8') + fs.readFileSync(__filename, 'utf8');
    } catch {
      text = String(Date.now());
    }
    tracerKey = sha('sweflow', text, process.env.SWEFLOW_ROOT || '', process.env.SWEFLOW_BUILT_OUTPUT || '');
  }
  return tracerKey;
}

function loadInner(spec, options) {
  if (!spec) return null;
  let mod = require(spec);
  if (mod && mod.__esModule && mod.default) mod = mod.default;
  if (mod && typeof mod.createTransformer === 'function') return mod.createTransformer(options);
  return mod;
}

let remapping;
function compose(outMap, instrumentedMap) {
  if (!instrumentedMap) return outMap;
  if (!outMap) return instrumentedMap;
  try {
    if (!remapping) {
      const m = require('@jridgewell/remapping');
      remapping = m.default || m.remapping || m;
    }
    const out = typeof outMap === 'string' ? JSON.parse(outMap) : outMap;
    return JSON.parse(JSON.stringify(remapping([out, instrumentedMap], () => null)));
  } catch {
    return outMap;
  }
}

function outputCode(out) {
  return typeof out === 'string' ? out : (out && out.code) || '';
}

function isTs(file) {
  return /\.(c|m)?tsx?$/.test(file);
}

/**
 * ts-jest compiles through a TypeScript language service unless told to transpile file by file. In the
 * traced run every file it is handed differs from the one on disk (instrumented), so the service makes a
 * new program, and a new type checker, for each file: on gvergnaud/ts-pattern the traced run took twice
 * the untraced one, and in-band ts-jest took 6-8x the CPU of its transpile-only mode. The untraced run
 * already ran the repository's own compile (its type errors included); the traced run only records which
 * functions each test calls, so ts-jest transpiles there (`isolatedModules`, unless the repository set
 * it), as ts-jest 23-29 accept it. A test whose outcome this changes is excluded by the parity check
 * (`outcome-differs-traced`), as any traced difference is.
 */
function innerOptionsOf(spec, options) {
  if (!spec || !/[\\/]ts-jest[\\/]/.test(spec) || options.isolatedModules !== undefined) return options;
  return { ...options, isolatedModules: true };
}

module.exports = {
  createTransformer(cfg = {}) {
    const inner = loadInner(cfg.inner, innerOptionsOf(cfg.inner, cfg.innerOptions || {}));

    function instrument(src, file) {
      if (file.startsWith(RUNTIME_DIR + path.sep)) return null;
      const r = instrumentSource(src, file);
      if (!r) return null;
      // The instrumented code calls a global the repository's types do not declare: keep the
      // type-checking transformer (ts-jest diagnostics) from reporting our own identifiers.
      if (isTs(file)) return { code: '// @ts-nocheck\n' + r.code, map: r.map ? { ...r.map, mappings: ';' + r.map.mappings } : null };
      return r;
    }

    function finish(ins, out) {
      if (typeof out === 'string') return { code: out, map: ins ? ins.map : null };
      const map = compose(out.map, ins ? ins.map : null);
      return { ...out, map };
    }

    const own = (src, file) => sha(src, file);
    return {
      canInstrument: false,
      // Old jest (before 27) passes (src, file, configString, options): every argument goes through.
      getCacheKey(src, file, ...rest) {
        const innerKey = inner && inner.getCacheKey ? inner.getCacheKey(src, file, ...rest) : own(src, file);
        return sha(innerKey, tracerCacheKey());
      },
      async getCacheKeyAsync(src, file, options) {
        let innerKey;
        if (inner && inner.getCacheKeyAsync) innerKey = await inner.getCacheKeyAsync(src, file, options);
        else if (inner && inner.getCacheKey) innerKey = inner.getCacheKey(src, file, options);
        else innerKey = own(src, file);
        return sha(innerKey, tracerCacheKey());
      },
      // Old jest (before 27) passes (src, file, config, options): every argument goes through.
      process(src, file, ...rest) {
        if (file.startsWith(RUNTIME_DIR + path.sep)) return { code: src };
        const ins = instrument(src, file);
        const code = ins ? ins.code : src;
        if (!inner) return ins ? { code, map: ins.map } : { code: src };
        if (typeof inner.process !== 'function') throw new Error(`swe-flow: transformer ${cfg.inner} has no synchronous process()`);
        let out = inner.process(code, file, ...rest);
        // ts-jest's language service compiles the first file it sees from disk instead of the given
        // text (its memory cache records the version but not the content); the second call sees ours.
        if (ins && !outputCode(out).includes('__SWEFLOW__')) out = inner.process(code, file, ...rest);
        return finish(ins, out);
      },
      async processAsync(src, file, options) {
        if (file.startsWith(RUNTIME_DIR + path.sep)) return { code: src };
        const ins = instrument(src, file);
        const code = ins ? ins.code : src;
        if (!inner) return ins ? { code, map: ins.map } : { code: src };
        const run = () => (inner.processAsync ? inner.processAsync(code, file, options) : inner.process(code, file, options));
        let out = await run();
        if (ins && !outputCode(out).includes('__SWEFLOW__')) out = await run();
        return finish(ins, out);
      },
    };
  },
};
