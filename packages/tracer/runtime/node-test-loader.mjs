/**
 * swe-flow: module customization hooks (registered with `module.register`) that instrument the
 * repository's ES modules as they load. CommonJS is left to the `_compile` patch. A test file gets a
 * first import that tells the recorder which file is loading, so its imports' load-time calls are
 * charged to it (ES imports evaluate before the importing module's body).
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
let helper;
function load$() {
  if (!helper) helper = require('./node-test-instrument.cjs');
  return helper;
}

export async function load(url, context, nextLoad) {
  const result = await nextLoad(url, context);
  if (!url.startsWith('file:') || result.format !== 'module' || result.source == null) return result;
  const file = fileURLToPath(url);
  const h = load$();
  if (!h.candidate(file)) return result;
  let source = typeof result.source === 'string' ? result.source : Buffer.from(result.source).toString('utf8');
  const relFile = h.relOf(file);
  if (relFile !== undefined && h.testFiles.has(relFile)) source = h.avaRewrite(source);
  let code;
  try {
    code = h.instrumentCached(source, file);
  } catch (error) {
    process.emitWarning(`swe-flow could not instrument ${file}: ${error && error.message}`);
  }
  if (code === undefined) return result;
  const rel = h.relOf(file);
  if (rel !== undefined && h.testFiles.has(rel)) {
    const begin = `typeof __SWEFLOW__!=="undefined"&&__SWEFLOW__.beginFile&&__SWEFLOW__.beginFile(${JSON.stringify(rel)});`;
    // Same line as the first line of the file: line numbers do not move.
    code = `import ${JSON.stringify('data:text/javascript;base64,' + Buffer.from(begin).toString('base64'))};` + h.avaHooks(rel, 'esm') + code;
  }
  return { ...result, source: code, shortCircuit: true };
}
