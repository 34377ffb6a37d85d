// swe-flow warm vitest session: one long-lived process in a workspace that keeps the repository's OWN
// vitest (and its Vite server) alive and reruns selected test files on request, instead of paying
// process, config and transform start-up for every verification run.
//
// Protocol: one JSON request per stdin line, `{ id, files: [rel], pattern: string|null, changed: [rel] }`;
// one reply per request on stdout, a line starting with MARK followed by JSON. Anything else on stdout
// is noise (user console output) and ignored by the host. Results come from vitest's reported-tasks API
// (TestModule / TestCase), never from text.
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import kit from './session-kit.cjs';

const { MARK, errorText, serve, vitestModuleResults } = kit;
const root = process.cwd();
const send = (msg) => process.stdout.write(`\n${MARK}${JSON.stringify(msg)}\n`);

let vitest;
try {
  // The repository's own vitest; realpath so that a pnpm layout resolves vite next to it.
  const entry = realpathSync(path.join(root, 'node_modules', 'vitest', 'dist', 'node.js'));
  const { createVitest } = await import(pathToFileURL(entry).href);
  vitest = await createVitest('test', { watch: false, reporters: [{}], root, ...(process.env.SWEFLOW_VITEST_CONFIG ? { config: process.env.SWEFLOW_VITEST_CONFIG } : {}) });
  // The programmatic API used here (specifications, reported tasks) arrived in vitest 3: older
  // versions say so and the caller runs plainly.
  const missing = ['globTestSpecifications', 'getModuleSpecifications', 'runTestSpecifications', 'invalidateFile', 'setGlobalTestNamePattern']
    .filter((m) => typeof vitest[m] !== 'function');
  if (missing.length > 0) throw new Error(`vitest ${vitest.version ?? '(old)'} lacks ${missing.join(', ')}; no warm session before vitest 3`);
  await vitest.globTestSpecifications();
  send({ ready: true, version: vitest.version });
} catch (error) {
  send({ ready: false, error: errorText(error) });
  process.exit(1);
}


async function handle(req) {
  for (const rel of req.changed ?? []) vitest.invalidateFile(path.join(root, rel));
  const specs = [];
  const unknown = [];
  for (const rel of req.files) {
    const abs = path.join(root, rel);
    const found = vitest.getModuleSpecifications(abs);
    if (found.length === 0) unknown.push(rel);
    specs.push(...found);
  }
  if (req.files.length === 0) specs.push(...(await vitest.globTestSpecifications()));
  if (unknown.length > 0) return { id: req.id, error: `not test files of this vitest config: ${unknown.join(', ')}` };
  if (req.pattern) vitest.setGlobalTestNamePattern(req.pattern);
  else vitest.resetGlobalTestNamePattern();
  const started = performance.now();
  const run = await vitest.runTestSpecifications(specs, false);
  const results = [];
  const moduleErrors = [];
  // run.testModules also holds modules of earlier runs (vitest's state accumulates): keep this run's.
  const wanted = new Set(specs.map((s) => s.moduleId));
  for (const mod of run.testModules) {
    if (!wanted.has(mod.moduleId)) continue;
    const file = path.relative(root, mod.moduleId).split(path.sep).join('/');
    const { results: tests, moduleError } = vitestModuleResults(mod, file);
    if (moduleError) moduleErrors.push(moduleError);
    results.push(...tests);
  }
  return { id: req.id, results, moduleErrors, unhandledErrors: run.unhandledErrors.length, durationMs: Math.round(performance.now() - started) };
}

// Requests are handled one at a time, in order.
serve(handle, send, () => vitest.close());
