/**
 * Tree batches: one runner process runs the selected tests of several checkouts ("trees") of the
 * repository that sit inside one workspace, e.g. the bases of many tasks. The runner, its config and
 * its worker pool start once for all of them; each tree is the runner's own project, with the
 * repository's config, so every tree's tests run exactly as they would in a checkout of their own.
 */
import { ErrorCodes, formatTestId, parseTestId, SweFlowError, type CommandSpec, type TestResult, type TestSelection, type TestStatus, type Workspace } from '@swe-flow/core';
import { testNamePattern, VITEST_CONFIG_NAMES } from '../adapters/vitest.js';
import type { PlainRunContext } from '../adapter.js';
import { copyRuntimeScripts, installedVitestVersion } from './session.js';

/** Runners whose trees can be batched into one process. */
export const TREE_BATCH_RUNNERS: readonly string[] = ['vitest'];

export function hasTreeBatch(runner: string): boolean {
  return TREE_BATCH_RUNNERS.includes(runner);
}

export interface BatchTree {
  /** Directory of the tree, relative to the workspace root. */
  dir: string;
  selection: TestSelection;
}

export interface TreeBatchOptions {
  timeoutMs: number;
  /** Worker processes the runner may use for the batch. */
  maxWorkers?: number;
  /** A limit for each test of every tree (base runs); absent, each tree's config's own. */
  testTimeoutMs?: number;
  /**
   * The monorepo package (relative to a tree's root) whose tests run: each tree's project is that
   * folder of the tree. Selections and results keep ids relative to the repository root.
   */
  projectDir?: string;
}

interface BatchReply {
  error?: string;
  unhandledErrors?: number;
  trees?: { dir: string; unhandledErrors?: number; results: { file: string; titlePath: string[]; status: TestStatus; durationMs: number; error?: string }[] }[];
}

let batchCounter = 0;

/**
 * Runs every tree's selection in one runner process and returns each tree's results (ids relative to
 * the tree). A tree whose tests left unhandled errors behind is left out of the map: the caller runs it
 * on its own. Throws SESSION_FAILED when the runner cannot batch (too old, a config with projects of
 * its own) or reports unhandled errors; RUN_TIMEOUT when the batch runs out of time.
 */
export async function runTreeBatch(workspace: Workspace, runner: string, trees: readonly BatchTree[], options: TreeBatchOptions): Promise<Map<string, TestResult[]>> {
  if (!hasTreeBatch(runner)) throw new SweFlowError(ErrorCodes.SESSION_FAILED, `${runner} has no tree batches`);
  const n = ++batchCounter;
  const script = '.swe-flow/vitest-batch.mjs';
  const requestFile = `.swe-flow/batch-${process.pid}-${n}.json`;
  const resultFile = `.swe-flow/batch-${process.pid}-${n}-result.json`;
  await copyRuntimeScripts(workspace, ['vitest-batch.mjs']);
  const allIds = trees.flatMap((t) => t.selection.testIds);
  const sub = options.projectDir ? `${options.projectDir}/` : '';
  const inProject = (f: string) => (sub && f.startsWith(sub) ? f.slice(sub.length) : f);
  const request = {
    trees: trees.map((t) => ({
      dir: sub ? `${t.dir}/${options.projectDir}` : t.dir,
      files: [...new Set([...t.selection.files, ...t.selection.testIds.map((id) => parseTestId(id).file)])].map(inProject).sort(),
    })),
    // One name filter for the whole batch (vitest's is global): a tree may run a few more tests than
    // it asked for, and only the asked-for ones are read.
    pattern: testNamePattern(allIds) ?? null,
    ...(options.maxWorkers ? { maxWorkers: options.maxWorkers } : {}),
    ...(options.testTimeoutMs ? { testTimeout: options.testTimeoutMs } : {}),
    workspaceRoot: workspace.root,
  };
  await workspace.writeFile(requestFile, JSON.stringify(request));
  // In a package, the runner runs in the package's folder (as its plain runs do); paths stay absolute.
  const abs = (rel: string) => `${workspace.root}/${rel}`;
  const exec = await workspace.exec(
    { command: 'node', args: [abs(script), abs(requestFile), abs(resultFile)], ...(options.projectDir ? { cwd: options.projectDir } : {}) },
    { timeoutMs: options.timeoutMs },
  );
  if (exec.timedOut) throw new SweFlowError(ErrorCodes.RUN_TIMEOUT, `a batch of ${trees.length} trees did not finish within ${options.timeoutMs} ms`);
  const text = await workspace.readFile(resultFile);
  if (!text) {
    throw new SweFlowError(ErrorCodes.SESSION_FAILED, `the ${runner} tree batch wrote no result (exit ${exec.exitCode}): ${`${exec.stdout}\n${exec.stderr}`.split('\n').slice(-20).join('\n')}`);
  }
  const reply = JSON.parse(text) as BatchReply;
  if (reply.error !== undefined || !reply.trees) throw new SweFlowError(ErrorCodes.SESSION_FAILED, `the ${runner} tree batch failed: ${reply.error ?? 'no results'}`);
  if ((reply.unhandledErrors ?? 0) > 0) {
    throw new SweFlowError(ErrorCodes.SESSION_FAILED, `the ${runner} tree batch reported ${reply.unhandledErrors} unhandled error(s) not tied to a test file; run the trees one by one to be sure`);
  }
  const out = new Map<string, TestResult[]>();
  for (const [i, t] of reply.trees.entries()) {
    if ((t.unhandledErrors ?? 0) > 0) continue;
    out.set(trees[i]!.dir, t.results.map((r) => ({
      id: formatTestId(sub + r.file, r.titlePath),
      file: sub + r.file,
      titlePath: r.titlePath,
      status: r.status,
      durationMs: r.durationMs,
      ...(r.error ? { error: r.error } : {}),
    })));
  }
  return out;
}


/**
 * Whether a vitest tree batch may share worker processes between trees instead of starting one per test
 * file, the cost that dominates small test files: one project over every tree's files with
 * `--no-isolate` (`vitestSharedBatch`), so workers run many files one after another. Each tree's own
 * modules live at the tree's own paths and the caller gives every test file a tree of its own, so a file
 * still gets modules of its tree that no other file touched; dependencies under node_modules and globals
 * are shared, as in one mocha process. Such a batch is only a first pass: the caller takes a failure from
 * it only when it carries the stub's own error, and runs the tree again in the repository's own pool
 * otherwise. For vitest >= 2, not for a monorepo package nor a repository with a vitest workspace file.
 * A repository's vitest config applies per tree (`writeVitestSharedConfig`). (VM contexts, `vmForks`,
 * were tried instead: vitest 2.1 left test files out of its report at random with many projects.)
 */
export async function vitestSharesWorkers(workspace: Workspace, projectDir?: string): Promise<boolean> {
  if (projectDir) return false;
  const [major] = await installedVitestVersion(workspace);
  if (major < 2) return false;
  for (const name of WORKSPACE_FILE_EXTENSIONS.map((e) => `vitest.workspace.${e}`)) {
    if ((await workspace.readFile(name)) !== undefined) return false;
  }
  return true;
}

/**
 * For a shared batch in a repository with a vitest (or vite) config: writes `.swe-flow/shared-batch.config.mjs`,
 * which loads the repository's config and applies it per tree (`runtime/vitest-shared-config.mjs`: include
 * and exclude under every tree, imports of the workspace's own sources sent to the importing tree's copy,
 * setup files run from each test file's tree). Returns its absolute path; undefined without a config.
 * `treesDir`: the workspace-relative folder holding the trees.
 */
export async function writeVitestSharedConfig(workspace: Workspace, treesDir: string): Promise<string | undefined> {
  let config: string | undefined;
  for (const name of VITEST_CONFIG_NAMES) {
    if ((await workspace.readFile(name)) !== undefined) { config = name; break; }
  }
  if (!config) return undefined;
  await copyRuntimeScripts(workspace, ['vitest-shared-config.mjs', 'vitest-shared-setup.mjs']);
  const options = { root: workspace.root, trees: `${workspace.root}/${treesDir}`, setup: `${workspace.root}/.swe-flow/vitest-shared-setup.mjs` };
  const text = [
    "// Generated by swe-flow for a tree batch sharing workers: the repository's config, applied per tree.",
    `import user from '../${config}';`,
    "import { sharedConfig } from './vitest-shared-config.mjs';",
    `export default (env) => sharedConfig(user, ${JSON.stringify(options)}, env);`,
    '',
  ].join('\n');
  await workspace.writeFile(SHARED_CONFIG_FILE, text);
  return `${workspace.root}/${SHARED_CONFIG_FILE}`;
}

/** The generated config of shared batches in repositories with a vitest config. */
const SHARED_CONFIG_FILE = '.swe-flow/shared-batch.config.mjs';

/**
 * The plain vitest command made to run every tree's files as one project with workers shared between
 * files (`vitestSharesWorkers`): run it over the trees' prefixed files. `config`: the shared batch's
 * config (`writeVitestSharedConfig`) where the repository has one.
 */
export function vitestSharedBatch<A extends { plainCommand(ctx: PlainRunContext): CommandSpec }>(adapter: A, options: { maxWorkers?: number; config?: string } = {}): A {
  return withRunFlags(adapter, ['--no-isolate', ...(options.maxWorkers ? [`--maxWorkers=${options.maxWorkers}`] : []), ...(options.config ? ['--config', options.config] : [])]);
}

/** The adapter with `flags` put right after `run` in its plain command. */
function withRunFlags<A extends { plainCommand(ctx: PlainRunContext): CommandSpec }>(adapter: A, flags: readonly string[]): A {
  if (flags.length === 0) return adapter;
  return {
    ...adapter,
    plainCommand: (ctx: PlainRunContext) => {
      const spec = adapter.plainCommand(ctx);
      const at = spec.args.indexOf('run') + 1;
      return { ...spec, args: [...spec.args.slice(0, at), ...flags, ...spec.args.slice(at)] };
    },
  };
}

/** Extensions of the `vitest.workspace.*` files vitest 1.x-3.x reads from where it runs. */
const WORKSPACE_FILE_EXTENSIONS = ['ts', 'mts', 'cts', 'js', 'mjs', 'cjs', 'json'];

/** vitest >= 3.2 takes inline projects (`runTreeBatch`); older ones need `vitestWorkspaceBatch`. */
export async function vitestHasInlineProjects(workspace: Workspace): Promise<boolean> {
  const [major, minor] = await installedVitestVersion(workspace);
  return major > 3 || (major === 3 && minor >= 2);
}

/**
 * vitest 1.x–3.1: the plain vitest command made to run a workspace of one project per tree (each
 * extending the tree's own config; with `projectDir`, that package's folder of the tree). vitest 2
 * and 3.0–3.1 take `--workspace <file>`; vitest 1 only reads a `vitest.workspace.mjs` next to where it
 * runs, so that file is written there for the batch (never over a workspace file of the repository's
 * own: that throws) and `cleanup` removes it. Run the returned adapter's plain command over the trees'
 * prefixed files.
 */
export async function vitestWorkspaceBatch<A extends { plainCommand(ctx: PlainRunContext): CommandSpec }>(
  workspace: Workspace,
  adapter: A,
  dirs: readonly string[],
  projectDir?: string,
  options: { maxWorkers?: number } = {},
): Promise<{ adapter: A; cleanup: () => Promise<void> }> {
  const sub = projectDir ? `/${projectDir}` : '';
  let config: string | undefined;
  for (const name of VITEST_CONFIG_NAMES) {
    if ((await workspace.readFile(projectDir ? `${projectDir}/${name}` : name)) !== undefined) { config = name; break; }
  }
  const projects = dirs.map((dir, i) => ({
    ...(config ? { extends: `${workspace.root}/${dir}${sub}/${config}` } : {}),
    test: { name: `swe-flow-tree-${i}`, root: `${workspace.root}/${dir}${sub}` },
  }));
  const text = `export default ${JSON.stringify(projects, null, 1)};\n`;
  const [major] = await installedVitestVersion(workspace);
  if (major >= 2) {
    const file = `${workspace.root}/.swe-flow/batch-workspace.mjs`;
    await workspace.writeFile('.swe-flow/batch-workspace.mjs', text);
    // The workspace's projects share one worker pool; without a size vitest takes (cores - 1).
    const workers = options.maxWorkers ? [`--maxWorkers=${options.maxWorkers}`] : [];
    return { adapter: withRunFlags(adapter, [...workers, '--workspace', file]), cleanup: async () => {} };
  }
  const here = projectDir ? `${projectDir}/` : '';
  for (const ext of WORKSPACE_FILE_EXTENSIONS) {
    if ((await workspace.readFile(`${here}vitest.workspace.${ext}`)) !== undefined) throw new Error(`the repository has its own vitest.workspace.${ext}`);
  }
  await workspace.writeFile(`${here}vitest.workspace.mjs`, text);
  // vitest 1.0 has no --maxWorkers (1.6 has): vitest 1 keeps its default workers.
  return { adapter, cleanup: async () => { await workspace.exec({ command: 'rm', args: ['-f', `${here}vitest.workspace.mjs`] }, { timeoutMs: 60_000 }); } };
}
