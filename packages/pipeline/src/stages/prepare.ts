import { rm } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCodes, SweFlowError, type CommandSpec, type Logger, type RunnerName } from '@swe-flow/core';
import { commandLine } from '@swe-flow/emitter';
import { linkOwnPackageCopies, writeFileAtomic, type OwnPackageCopy } from '@swe-flow/runtime';
import { collectRepoFacts, createJestAdapter, createVitestAdapter, detectRunner, esmPackageEnv, findVitestBin, getAdapter, mochaRunArgs, nodeTestRunsListedFiles, selfHostedRunnerError, withDefaultFiles, withRunEnv, withRunnerArgs, type BuiltOutputDir, type RepoFacts, type RunnerAdapter } from '@swe-flow/tracer';
import { builtFiles, findBuiltOutput } from '../built-output.js';
import { builtOutputRead, chooseBuild, chooseTestSetup, requireBuiltOutput, runBuild } from '../test-setup.js';
import { chooseRunner } from '../wrapper-runner.js';
import {
  chooseWorkspacePackage,
  detectProject,
  installDependencies,
  listRepoFiles,
  materializeSource,
  provisionNode,
  readMirrorFile,
  readPackageJson,
  setUpRepositoryNode,
  type NodeChoice,
  type InstallRecord,
  type ProjectFacts,
  type SourceInfo,
} from '@swe-flow/workspace';
import type { Stage } from './stage.js';

export const SWEFLOW_VERSION = '0.1.0';

/** `repo.json`: where the repository came from and how it was set up. */
export interface RepoJson {
  schemaVersion: 1;
  source: SourceInfo;
  name: string;
  packageManager: string;
  lockfile: string | null;
  workspaces: string[];
  /** The Node the repository was installed with and is traced, verified and evaluated with (local runtime). */
  nodeVersion: string;
  projectNodeVersion: string | null;
  /** How `nodeVersion` was chosen: source, reason, and every constraint read. */
  node?: NodeChoice;
  runner: RunnerName;
  /**
   * In a monorepo, the workspace package synthesized from (repo-relative folder): its tests run in that
   * folder, while the task repository, function ids and test ids keep the whole repository as root.
   */
  package?: string;
  /** The runner's entry (repo-relative) when it is not the root's, as found for `package`. */
  runnerBin?: string;
  /** Environment of every test run, from the test script's assignments and config `testEnv`. */
  testEnv?: Record<string, string>;
  /** Build steps run in prepare before tracing. */
  build?: string[];
  /** Why `build` is the repository's build script: the tests read output it makes, and nothing else named a build. */
  buildNote?: string;
  /**
   * Build output the tests run (folders the build makes that the tests import or run), with how its
   * files map back to the sources: traced through it, rebuilt on every base and reference tree.
   */
  builtOutput?: BuiltOutputDir[];
  /** Which of the test script's runs was taken, when it has several under different environments. */
  testRunNote?: string;
  /**
   * mocha: the spec files or globs the test script names on its command line; node:test: the test
   * files its `node --test` arguments name (globs expanded: Node 20 does not expand them).
   */
  specFiles?: string[];
  /**
   * mocha: the test script's options (`--ui tdd`, `-r ./setup.js`), and an ignored `test/mocha.opts`'s;
   * jest behind a wrapper: the options the wrapper passes (kcd-scripts' `--config`), see `runnerWrapper`.
   */
  runnerArgs?: string[];
  /** The wrapper the test script runs the runner through (`kcd-scripts@15.0.1`), whose options `runnerArgs` holds. */
  runnerWrapper?: string;
  install: InstallRecord;
  /**
   * Copies of the repository's own package found in node_modules after the install (repo-relative), each
   * replaced by a link to the package's own folder (or removed when a build makes its entry), as in every
   * task environment.
   */
  ownPackageCopies?: OwnPackageCopy[];
  testCommand: string;
  /** The installed copy, relative to the output folder (`.work/repo`). */
  workDir: string;
  files: string[];
  /** When the repository was prepared: the dataset's `created_at`, stable across resumed runs. */
  preparedAt: string;
}

/**
 * The adapter for a prepared repository: in a monorepo package, one that runs in the package's folder;
 * with the test script's environment, and (mocha) the spec files its command line names.
 */
export function adapterFor(runner: RunnerName, pkg: string | undefined, runnerBin: string | undefined, env: Record<string, string> = {}, specFiles: string[] = [], runnerArgs: string[] = []): RunnerAdapter {
  // Only mocha and node:test take their spec from the command line alone (jest and vitest read paths there as filters).
  const files = runner === 'mocha' || runner === 'node-test' ? specFiles : [];
  // jest's options (a wrapper's --config) go into every jest command, its listing and session too.
  const base = runner === 'jest' && runnerArgs.length > 0 && !pkg ? createJestAdapter({ args: runnerArgs }) : baseAdapterFor(runner, pkg, runnerBin);
  return withRunnerArgs(withDefaultFiles(withRunEnv(base, env), files), runner === 'mocha' ? runnerArgs : []);
}

/** The spec files and runner options every run takes from the test script (mocha, node:test). */
async function commandLineOf(adapter: RunnerAdapter, facts: RepoFacts, runArgs: string[]): Promise<{ specFiles: string[]; runnerArgs: string[] }> {
  if (adapter.name === 'mocha') {
    const { files, options } = mochaRunArgs(facts, runArgs);
    return { specFiles: files, runnerArgs: options };
  }
  // node:test on Node 20 neither expands globs nor looks where the script points (`node --test ./tests/*.js`);
  // started by a wrapper (no script calls `node --test`), the files that import node:test.
  if (adapter.name === 'node-test' && nodeTestRunsListedFiles(facts.packageJson)) {
    return { specFiles: await adapter.listTestFiles(facts), runnerArgs: [] };
  }
  return { specFiles: [], runnerArgs: [] };
}

function baseAdapterFor(runner: RunnerName, pkg: string | undefined, runnerBin: string | undefined): RunnerAdapter {
  if (!pkg) return getAdapter(runner);
  if (runner !== 'vitest') {
    throw new SweFlowError(ErrorCodes.CONFIG_INVALID, `--package is supported for vitest repositories only (this one uses ${runner}); synthesize from the root instead`);
  }
  return createVitestAdapter({ packageDir: pkg, ...(runnerBin ? { vitestBin: runnerBin } : {}) });
}

/**
 * The name instance ids are made from: the repository's, plus the package folder in a monorepo, so the
 * datasets of two packages of one repository can be merged without colliding ids (`repo` stays the repository).
 */
export function instanceRepoName(repo: Pick<RepoJson, 'name' | 'package'>): string {
  return repo.package ? `${repo.name}.${repo.package.replace(/[^A-Za-z0-9._-]+/g, '-')}` : repo.name;
}

/** A command line as a user types it from the repository root (`cd <package> && ...` for a package). */
export function commandLineFromRoot(spec: CommandSpec): string {
  const line = commandLine(spec);
  return spec.cwd && spec.cwd !== '.' ? `cd ${spec.cwd} && ${line}` : line;
}

type PrepareReads = 'ref' | 'mirrors' | 'mirrorDir' | 'name' | 'package' | 'allowScripts' | 'runner' | 'node' | 'testRun' | 'testEnv' | 'build' | 'builtSources' | 'installTimeoutMs';

/** The files the runner runs as tests (before any build), or undefined when the adapter cannot list them yet. */
async function runnerTestFiles(adapter: RunnerAdapter, facts: RepoFacts): Promise<string[] | undefined> {
  const listed = await adapter.listTestFiles(facts).catch(() => []);
  return listed.length > 0 ? listed : undefined;
}

/** The runner: as configured, or detected from the repository (in a package, its own dependencies over the root's). */
async function runnerOf(workDir: string, pkg: string | undefined, configured: string | undefined): Promise<RunnerAdapter> {
  if (configured) return getAdapter(configured as RunnerName, undefined);
  const repoFacts = await collectRepoFacts(workDir);
  if (pkg) {
    const own = await readPackageJson(path.join(workDir, pkg));
    const merge = (k: string) => ({ ...((repoFacts.packageJson[k] as object | undefined) ?? {}), ...((own[k] as object | undefined) ?? {}) });
    repoFacts.packageJson = { ...own, dependencies: merge('dependencies'), devDependencies: merge('devDependencies') };
  }
  return detectRunner(repoFacts);
}

/** 1. Prepare: copy or clone, detect, install; writes `repo.json`. */
export const prepareStage: Stage<PrepareReads, { source: string }, RepoJson> = {
  name: 'prepare',
  reads: ['ref', 'mirrors', 'mirrorDir', 'name', 'package', 'allowScripts', 'runner', 'node', 'testRun', 'testEnv', 'build', 'builtSources'],
  tunes: ['installTimeoutMs'],
  keyOf: (input) => [path.resolve(input.source), SWEFLOW_VERSION],
  async run(config, env, input) {
    const { workDir, logger } = env;
    await rm(workDir, { recursive: true, force: true });
    const source = await materializeSource(input.source, workDir, { ref: config.ref, logger, ...(await mirrorOptions(config)) });
    const files = await listRepoFiles(workDir);
    const facts: ProjectFacts = await detectProject(workDir);
    // Before installing: a monorepo whose root has no tests fails fast with the packages to choose from.
    const chosen = await chooseWorkspacePackage(workDir, { requested: config.package, workspaces: facts.workspaces, files, rootPackageJson: facts.packageJson });
    const pkg = chosen?.dir;
    // A runner's own repository before installing: the runner it tests is no dependency, so detection would not name it.
    const selfHosted = selfHostedRunnerError(pkg ? await readPackageJson(path.join(workDir, pkg)) : facts.packageJson, config.runner as RunnerName | undefined);
    if (selfHosted) throw selfHosted;
    const node = await setUpRepositoryNode(workDir, facts, { ...(config.node ? { override: config.node } : {}), logger });
    logger.info(`Node ${node.choice.version}: ${node.choice.reason}`);
    const install = await installDependencies(workDir, facts, { logger, allowScripts: config.allowScripts, timeoutMs: config.installTimeoutMs, node: node.runtime, nodeFor: node.nodeFor });
    const ownPackageCopies = await linkOwnCopies(workDir, logger);
    const nodeBinDir = (await provisionNode(install.node, { logger })).binDir;
    const runEnv: Record<string, string> = nodeBinDir ? { PATH: `${nodeBinDir}${path.delimiter}${process.env.PATH ?? ''}` } : {};
    const { adapter: detected, wrapper } = await chooseRunner({ root: pkg ? path.join(workDir, pkg) : workDir, packageJson: facts.packageJson, env: runEnv, logger }, () => runnerOf(workDir, pkg, config.runner));
    const runnerBin = pkg && detected.name === 'vitest' ? findVitestBin(workDir, pkg) : undefined;
    // What the test script says beyond the runner: its environment, and a build the tests read.
    const built = { files, packageJson: facts.packageJson, ...(pkg ? {} : { tests: await runnerTestFiles(detected, { root: workDir, packageJson: facts.packageJson, files }) }) };
    const setup = await chooseBuild(workDir, chooseTestSetup(facts.packageJson, config), { ...built, packageManager: facts.packageManager, configured: config.build !== undefined });
    if (setup.note) logger.info(setup.note);
    if (setup.buildNote) logger.info(setup.buildNote);
    // What the build makes that the tests read: traced back to the sources, rebuilt on every tree.
    const imported = await builtOutputRead(workDir, built);
    await runBuild(pkg ? path.join(workDir, pkg) : workDir, setup, { logDir: path.join(env.out, 'logs'), timeoutMs: config.installTimeoutMs, logger, nodeBinDir });
    await requireBuiltOutput(workDir, built, setup);
    const builtOutput = pkg ? [] : await findBuiltOutput(workDir, { imported, tests: setup.specFiles }, { build: setup.build, builtSources: config.builtSources, files });
    for (const b of builtOutput) logger.info(`the tests run build output ${b.dir}/: traced back to the sources through ${b.map === 'source-map' ? 'its source maps' : `the files of the same paths in ${b.from}/`}, rebuilt on every base and reference tree`);
    // The runner may run built test files (uuid: `node --test dist-node/test/*.js`): listed with the build's files.
    const runFiles = builtOutput.length > 0 ? [...files, ...(await builtFiles(workDir, builtOutput))] : files;
    const commandLine = pkg ? { specFiles: [], runnerArgs: [] } : await commandLineOf(detected, { root: workDir, packageJson: facts.packageJson, files: runFiles }, setup.runArgs);
    const specFiles = commandLine.specFiles;
    const runnerArgs = wrapper ? wrapper.args : commandLine.runnerArgs;
    // esm's compile cache off in every run: it would hold the original code of every stubbed file in
    // node_modules/.cache, where the audit rightly finds it in each task's environment.
    const testEnv = { ...(wrapper?.env ?? {}), ...setup.env, ...esmPackageEnv({ root: workDir, packageJson: facts.packageJson, files }, setup.env.ESM_OPTIONS) };
    const adapter = adapterFor(detected.name, pkg, runnerBin, testEnv, specFiles, runnerArgs);
    const testCommand = commandLineFromRoot(adapter.plainCommand({ resultFile: '.swe-flow/results.json', selection: { files: [], testIds: [] } }));
    const repoJson: RepoJson = {
      schemaVersion: 1, source, name: config.name ?? source.name,
      packageManager: facts.packageManager, lockfile: facts.lockfile, workspaces: facts.workspaces,
      nodeVersion: install.node, projectNodeVersion: facts.nodeVersion, node: node.choice, runner: adapter.name,
      ...(pkg ? { package: pkg } : {}),
      ...(runnerBin ? { runnerBin } : {}),
      ...(Object.keys(testEnv).length > 0 ? { testEnv } : {}),
      ...(setup.build.length > 0 ? { build: setup.build } : {}),
      ...(setup.buildNote ? { buildNote: setup.buildNote } : {}),
      ...(builtOutput.length > 0 ? { builtOutput } : {}),
      ...(setup.note ? { testRunNote: setup.note } : {}),
      ...(specFiles.length > 0 ? { specFiles } : {}),
      ...(runnerArgs.length > 0 ? { runnerArgs } : {}),
      ...(wrapper ? { runnerWrapper: wrapper.wrapper } : {}),
      install, ...(ownPackageCopies.length > 0 ? { ownPackageCopies } : {}), testCommand,
      // Relative to the output folder: a moved dataset still finds its installed copy.
      workDir: path.relative(env.out, workDir),
      files, preparedAt: new Date().toISOString(),
    };
    await writeFileAtomic(path.join(env.out, 'repo.json'), JSON.stringify(repoJson, null, 2));
    return { record: repoJson, artifact: repoJson };
  },
};

/**
 * A test tool depending on the package itself (tape on object-inspect) or a devDependency on its own
 * previous release puts a published copy of the solution in node_modules: each becomes a link to the
 * package's own folder, as the env tier makes it in every task environment, so that the untraced run,
 * the trace and verification see what a task environment holds.
 */
async function linkOwnCopies(workDir: string, logger: Pick<Logger, 'info'>): Promise<OwnPackageCopy[]> {
  const copies = (await linkOwnPackageCopies(workDir)).map((c) => ({ ...c, path: path.relative(workDir, c.path) }));
  for (const c of copies) logger.info(`${c.why} at ${c.path}: ${c.link ? `replaced by a link to ${c.link}` : 'removed'}`);
  return copies;
}

/** Mirrors from the config, then from the environment (`SWEFLOW_MIRROR_MAP` file, `SWEFLOW_MIRROR_DIR`). */
async function mirrorOptions(config: { mirrors?: Record<string, string> | undefined; mirrorDir?: string | undefined }): Promise<{ mirrors: Record<string, string>; mirrorDir?: string }> {
  const fromFile = process.env.SWEFLOW_MIRROR_MAP ? await readMirrorFile(process.env.SWEFLOW_MIRROR_MAP) : {};
  const mirrorDir = config.mirrorDir ?? (process.env.SWEFLOW_MIRROR_DIR || undefined);
  return { mirrors: { ...fromFile, ...config.mirrors }, ...(mirrorDir ? { mirrorDir } : {}) };
}
