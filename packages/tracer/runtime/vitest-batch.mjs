// swe-flow vitest tree batch: runs the selected test files of several checkouts of the repository
// ("trees", e.g. the bases of many tasks) in ONE vitest process, one vitest project per tree, so that
// vitest, Vite and the worker pool start once for all of them. Each project extends the tree's own
// vitest config (or vite config), so pools, isolation, setup files and aliases are the repository's.
//
// Usage: node vitest-batch.mjs <request.json> <result.json>, run where the tests run (the workspace
// root, or a monorepo package's folder; the repository's vitest is found from there upwards).
// request: { workspaceRoot, trees: [{ dir (relative to workspaceRoot), files: [relative to dir] }],
// pattern: string|null, maxWorkers?: number, testTimeout?: number (ms, each test of every tree) }. result: { trees: [{ dir, results: [...], moduleErrors }],
// unhandledErrors } or { error }. Results come from vitest's reported-tasks API, never from text.
import { existsSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import kit from './session-kit.cjs';

const { errorText, vitestModuleResults } = kit;

const [requestFile, resultFile] = process.argv.slice(2);
const request = JSON.parse(readFileSync(requestFile, 'utf8'));
// Tree folders are relative to the workspace root; the process runs where the tests run (the root, or a
// monorepo package's folder), and the repository's vitest is found from there upwards.
const workspaceRoot = request.workspaceRoot ?? process.cwd();
const root = process.cwd();
function vitestEntry() {
  for (let dir = root; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', 'vitest', 'dist', 'node.js');
    if (existsSync(candidate)) return realpathSync(candidate);
    if (dir === workspaceRoot || dir === path.dirname(dir)) throw new Error(`no vitest installed in ${root} or above`);
  }
}
const write = (msg) => writeFileSync(resultFile, JSON.stringify(msg));

const CONFIG_NAMES = ['vitest.config', 'vite.config'].flatMap((n) => ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'].map((e) => n + e));

let vitest;
try {
  const mod = await import(pathToFileURL(vitestEntry()).href);
  const trees = request.trees.map((t, i) => {
    const dir = path.resolve(workspaceRoot, t.dir);
    const config = CONFIG_NAMES.map((n) => path.join(dir, n)).find((f) => existsSync(f));
    return { ...t, abs: dir, name: `swe-flow-tree-${i}`, config };
  });
  const projects = trees.map((t) => ({
    ...(t.config ? { extends: t.config } : {}),
    test: { name: t.name, root: t.abs, ...(request.isolate === false ? { isolate: false } : {}), ...(request.testTimeout ? { testTimeout: request.testTimeout } : {}) },
  }));
  vitest = await mod.createVitest('test', {
    watch: false,
    reporters: [{}],
    root,
    config: false,
    projects,
    ...(request.maxWorkers ? { maxWorkers: request.maxWorkers } : {}),
    ...(request.isolate === false ? { isolate: false } : {}),
  });
  const missingApi = ['globTestSpecifications', 'getModuleSpecifications', 'runTestSpecifications', 'setGlobalTestNamePattern']
    .filter((m) => typeof vitest[m] !== 'function');
  if (missingApi.length > 0) throw new Error(`vitest ${vitest.version ?? '(old)'} lacks ${missingApi.join(', ')}`);
  if (!Array.isArray(vitest.projects) || vitest.projects.length !== trees.length) {
    throw new Error(`vitest ${vitest.version} made ${vitest.projects?.length ?? 0} projects for ${trees.length} trees (inline projects need vitest >= 3.2; a config with its own projects is not batched)`);
  }
  await vitest.globTestSpecifications();
  const byName = new Map(trees.map((t) => [t.name, t]));
  const specs = [];
  const unknown = [];
  for (const t of trees) {
    for (const rel of t.files) {
      const found = vitest.getModuleSpecifications(path.join(t.abs, rel)).filter((s) => s.project.name === t.name);
      if (found.length === 0) unknown.push(`${t.dir}/${rel}`);
      specs.push(...found);
    }
  }
  if (unknown.length > 0) throw new Error(`not test files of their tree's vitest config: ${unknown.slice(0, 5).join(', ')}`);
  if (request.pattern) vitest.setGlobalTestNamePattern(request.pattern);
  const run = await vitest.runTestSpecifications(specs, false);
  const out = new Map(trees.map((t) => [t.name, { dir: t.dir, results: [], moduleErrors: [] }]));
  for (const m of run.testModules) {
    const tree = byName.get(m.project.name);
    if (!tree) continue;
    const entry = out.get(tree.name);
    const { results, moduleError } = vitestModuleResults(m, path.relative(tree.abs, m.moduleId).split(path.sep).join('/'));
    if (moduleError) entry.moduleErrors.push(moduleError);
    entry.results.push(...results);
  }
  // Unhandled errors that vitest ties to a test file make only that file's tree doubtful.
  let unattributed = 0;
  for (const e of run.unhandledErrors) {
    const file = e && typeof e === 'object' ? e.VITEST_TEST_PATH : undefined;
    const tree = typeof file === 'string' ? trees.find((t) => file.startsWith(t.abs + path.sep)) : undefined;
    if (tree) out.get(tree.name).unhandledErrors = (out.get(tree.name).unhandledErrors ?? 0) + 1;
    else unattributed++;
  }
  write({ trees: [...out.values()], unhandledErrors: unattributed, version: vitest.version });
} catch (error) {
  write({ error: errorText(error) });
} finally {
  await vitest?.close().catch(() => {});
  process.exit(0);
}
