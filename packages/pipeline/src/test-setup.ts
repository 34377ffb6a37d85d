/**
 * The environment and build the repository's test script asks for, made part of every run: env
 * assignments of the chosen run (config `testRun` picks among several, `testEnv` adds or overrides),
 * and the build steps (pretest, `npm run build && ...`, or config `build`) run once in prepare. When
 * the tests import a build output folder the repository lacks and no build is known, a clear error
 * names the config key to set.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { ErrorCodes, SweFlowError, TEST_RUN_ENV, type Logger } from '@swe-flow/core';
import { pathExists } from '@swe-flow/runtime';
import { tail, withRunnerOutput, writeRunnerLog } from '@swe-flow/tracer';
import { builtOutputImports, isBuildCommand, readTestScript } from '@swe-flow/workspace';

export interface TestSetup {
  /** Environment of every test run (untraced, traced, verification, the task's test command). */
  env: Record<string, string>;
  /** Shell commands run in the checkout before tracing. */
  build: string[];
  /** Why this environment, for summary.md and the log (set when the script runs the suite several times). */
  note?: string;
  /** Why this build, when swe-flow chose the repository's build script (the tests read its output). */
  buildNote?: string;
  /** Test files or globs the chosen run names on the runner's command line. */
  specFiles: string[];
  /** Every word after the runner in the chosen run (the runner's own options and files). */
  runArgs: string[];
}

export interface TestSetupConfig {
  testRun?: number | undefined;
  testEnv?: Record<string, string> | undefined;
  build?: string | undefined;
}

const describeEnv = (env: Record<string, string>) => (Object.keys(env).length === 0 ? 'no environment assignments' : Object.entries(env).map(([k, v]) => `${k}=${v}`).join(' '));

/** The setup read from package.json's scripts and the config. */
export function chooseTestSetup(packageJson: Record<string, unknown>, config: TestSetupConfig): TestSetup {
  const script = readTestScript(packageJson);
  // The first run over the whole suite (no test files named), else the first run.
  const whole = script.runs.findIndex((r) => !r.selectsFiles);
  const index = config.testRun ?? (whole >= 0 ? whole : 0);
  if (index > 0 && index >= script.runs.length) {
    throw new SweFlowError(
      ErrorCodes.CONFIG_INVALID,
      `testRun is ${index}, but the test script runs the suite ${script.runs.length} time(s): ${script.runs.map((r, i) => `${i}: ${describeEnv(r.env)}`).join('; ') || 'none found'}`,
    );
  }
  const run = script.runs[index];
  const env = { ...(run?.env ?? {}), ...(config.testEnv ?? {}) };
  const distinct = new Set(script.runs.map((r) => JSON.stringify(r.env)));
  const note =
    distinct.size > 1
      ? `the test script runs the suite ${script.runs.length} times (${script.runs.map((r, i) => `${i}: ${describeEnv(r.env)}${r.selectsFiles ? ' on some files' : ''}`).join('; ')}); run ${index} was taken (${describeEnv(env)}${config.testRun === undefined && whole >= 0 ? ', the first over the whole suite' : ''}); set testRun in the config to take another`
      : undefined;
  const build = config.build !== undefined ? (config.build.trim() ? [config.build] : []) : script.build;
  return { env, build, specFiles: run?.files ?? [], runArgs: run?.args ?? [], ...(note ? { note } : {}) };
}

/** Runs the build steps in the checkout; a failing step stops synthesis with its output and full log. */
export async function runBuild(root: string, setup: TestSetup, options: { logDir: string; timeoutMs: number; logger: Logger; nodeBinDir?: string | null }): Promise<void> {
  // The repository's Node first (after its own .bin), as for its install and test runs.
  const nodeDir = options.nodeBinDir ? `${options.nodeBinDir}${path.delimiter}` : '';
  for (const command of setup.build) {
    options.logger.info(`build before tests: ${command}`);
    const r = await execa('sh', ['-c', command], {
      cwd: root,
      env: { ...setup.env, ...TEST_RUN_ENV, PATH: `${path.join(root, 'node_modules', '.bin')}${path.delimiter}${nodeDir}${process.env.PATH ?? ''}` },
      extendEnv: true,
      reject: false,
      all: true,
      stdin: 'ignore',
      timeout: options.timeoutMs,
    });
    const output = typeof r.all === 'string' ? r.all : '';
    const logFile = await writeRunnerLog(options.logDir, 'build', output);
    if (r.exitCode !== 0) {
      throw new SweFlowError(
        ErrorCodes.BUILD_FAILED,
        withRunnerOutput(`the build before tests failed (\`${command}\`, exit ${r.exitCode ?? 'killed'}); fix it or set "build" in the config ("" for none)`, 'the build', output, logFile),
        { details: { command, logTail: tail(output), ...(logFile ? { logFile } : {}) } },
      );
    }
  }
}

/** What the runner runs, and the repository's package.json: which build output the tests read. */
export interface BuiltOutputFacts {
  /** Repo-relative files of the repository (before any build). */
  files: readonly string[];
  /** The test files the runner runs, when known (a benchmark in test/ that imports dist/ is not one). */
  tests?: readonly string[];
  packageJson: Record<string, unknown>;
}

/** Build output (folders, or the package's own entry) the tests read that the repository does not hold, made or not. */
export async function builtOutputRead(root: string, facts: BuiltOutputFacts): Promise<string[]> {
  const read = (f: string) => readFile(path.join(root, f), 'utf8').catch(() => undefined);
  return builtOutputImports(facts.files, read, { ...(facts.tests ? { tests: facts.tests } : {}), packageJson: facts.packageJson });
}

/** Build output (folders, or the package's own entry) the tests read and the checkout does not have now. */
async function missingBuiltOutput(root: string, facts: BuiltOutputFacts): Promise<string[]> {
  const wanted = await builtOutputRead(root, facts);
  const after = await Promise.all(wanted.map(async (dir) => ((await pathExists(path.join(root, dir))) ? undefined : dir)));
  return after.filter((d): d is string => d !== undefined);
}

/** Scripts that build a package, in the order they are tried, when the test script names no build. */
const BUILD_SCRIPTS = ['build', 'prepare', 'prepublishOnly', 'prepack', 'compile', 'dist'];

/**
 * When the tests read build output the repository lacks and neither the test script nor the config names
 * a build: the repository's own build script (`build`, then `prepare`, `prepublishOnly`, ... whose command
 * builds), run as `<pm> run <script>`. Undefined when it has none.
 */
function buildScriptOf(packageJson: Record<string, unknown>, packageManager: string): { command: string; script: string } | undefined {
  const scripts = (packageJson.scripts ?? {}) as Record<string, unknown>;
  for (const name of BUILD_SCRIPTS) {
    const body = scripts[name];
    if (typeof body !== 'string' || (name !== 'build' && !isBuildCommand(body))) continue;
    const pm = packageManager === 'pnpm' || packageManager === 'yarn' ? packageManager : 'npm';
    return { command: `${pm} run ${name}`, script: name };
  }
  return undefined;
}

/**
 * The build before tests: the test script's or the config's; else, when the tests read build output the
 * repository lacks, its own build script (say why in `note`).
 */
export async function chooseBuild(root: string, setup: TestSetup, facts: BuiltOutputFacts & { packageManager: string; configured: boolean }): Promise<TestSetup> {
  if (setup.build.length > 0 || facts.configured) return setup;
  const missing = await missingBuiltOutput(root, facts);
  if (missing.length === 0) return setup;
  const script = buildScriptOf(facts.packageJson, facts.packageManager);
  if (!script) return setup;
  const why = `the tests read ${describeMissing(missing)}, which the repository does not contain: its "${script.script}" script builds it (\`${script.command}\`, run before the tests; set "build" in the config to change it)`;
  return { ...setup, build: [script.command], buildNote: why };
}

const describeMissing = (missing: readonly string[]) => missing.map((d) => (/\.[cm]?[jt]sx?$/.test(d) ? `${d} (the package's entry)` : `${d}/`)).join(', ');

/**
 * Fails when the test files read build output (`../dist`, the package's entry) the checkout does not have
 * after the build: the tests would fail for a reason no task could fix.
 */
export async function requireBuiltOutput(root: string, facts: BuiltOutputFacts, setup: TestSetup): Promise<void> {
  const missing = await missingBuiltOutput(root, facts);
  if (missing.length === 0) return;
  const tried = setup.build.length > 0 ? `the build (${setup.build.join(' && ')}) did not make it` : 'no build step was found in the test or pretest scripts and the repository has no build script';
  throw new SweFlowError(
    ErrorCodes.BUILD_REQUIRED,
    `the tests import ${describeMissing(missing)}, which the repository does not contain and ${tried}; set "build" in the config to the command that makes it (for example "npm run build")`,
    { details: { missing } },
  );
}
