// swe-flow warm jest session: one long-lived process that calls the repository's OWN jest (`runCLI`)
// for each request, so Node, jest's modules and the transformer (ts-jest, babel-jest) load once.
// Test files run in band in this process; each still gets a fresh module registry and environment
// from jest; the transform cache is off (see `cache: false` below) so changed files are compiled afresh.
//
// Protocol as the vitest session: JSON request lines on stdin `{ id, files, pattern, changed }`; replies
// on stdout as lines starting with MARK. Results come from runCLI's aggregated result object.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { MARK, errorText, serve } = require('./session-kit.cjs');

const root = process.cwd();
// The adapter's `--config` (a wrapper's jest config, as kcd-scripts passes it), for every run.
const configArg = process.argv[2] === '--config' ? process.argv[3] : undefined;
// Everything jest or the tests print goes to stderr: stdout carries only the protocol.
const out = process.stdout.write.bind(process.stdout);
process.stdout.write = (chunk, ...rest) => process.stderr.write(chunk, ...rest);
const send = (msg) => out(`\n${MARK}${JSON.stringify(msg)}\n`);

let runCLI;
try {
  const jestDir = fs.realpathSync(path.join(root, 'node_modules', 'jest'));
  ({ runCLI } = require(jestDir));
  if (typeof runCLI !== 'function') throw new Error(`${jestDir} exports no runCLI`);
  send({ ready: true });
} catch (error) {
  send({ ready: false, error: errorText(error) });
  process.exit(1);
}

const mapStatus = (s) => (s === 'passed' ? 'passed' : s === 'failed' ? 'failed' : 'skipped');
const rel = (abs) => path.relative(root, abs).split(path.sep).join('/');

async function handle(req) {
  const argv = {
    _: req.files,
    $0: 'jest',
    ci: true,
    watchman: false,
    runInBand: true,
    silent: true,
    testLocationInResults: true,
    // No transform cache between runs: with ts-jest, a file changed by a checkout was seen to come back
    // with its previous compiled output (gvergnaud/ts-pattern), i.e. a stub still passing as the original.
    // The transformer itself stays loaded, so its TypeScript service is still warm.
    cache: false,
    ...(configArg !== undefined ? { config: configArg } : {}),
    ...(req.files.length > 0 ? { runTestsByPath: true } : {}),
    ...(req.pattern ? { testNamePattern: req.pattern } : {}),
    // A base run's per-test limit (jest >= 24.9 reads it; the caller asks only then).
    ...(req.testTimeout ? { testTimeout: req.testTimeout } : {}),
  };
  const started = performance.now();
  const { results } = await runCLI(argv, [root]);
  const out = [];
  const moduleErrors = [];
  for (const suite of results.testResults) {
    const file = rel(suite.testFilePath);
    if (suite.testExecError) moduleErrors.push({ file, message: String(suite.testExecError.message || '').slice(0, 2000) });
    for (const a of suite.testResults) {
      const error = a.status === 'failed' ? (a.failureMessages || []).join('\n').slice(0, 4000) : '';
      out.push({ file, titlePath: [...(a.ancestorTitles || []), a.title || ''], status: mapStatus(a.status), durationMs: a.duration || 0, ...(error ? { error } : {}) });
    }
  }
  return { id: req.id, results: out, moduleErrors, unhandledErrors: 0, durationMs: Math.round(performance.now() - started) };
}

serve(handle, send, () => {});
