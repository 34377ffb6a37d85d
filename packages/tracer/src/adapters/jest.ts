/**
 * jest 22-30 (with ts-jest or babel-jest): detection, `--listTests`, plain commands with `--json
 * --outputFile --testLocationInResults`, result parsing, and a traced run that wraps every configured
 * transformer (instrument first, then the repository's own transformer) and adds a setup file with
 * per-test hooks, all through CLI flags: the user's config files are never edited.
 *
 * What differs by major (read from the installed jest's package.json): before 24 there is one
 * `setupTestFrameworkScriptFile` instead of `setupFilesAfterEnv`, transformers take no options
 * (a `[path, options]` tuple arrived in 24), and before 23 there is no `--maxConcurrency`.
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { ErrorCodes, SweFlowError, formatTestId, type CommandSpec, type TestResult, type TestStatus } from '@swe-flow/core';
import { DETECTION, type PlainRunContext, type RepoFacts, type RunnerAdapter, type TracedRunContext, type TracedRunOutput } from '../adapter.js';
import {
  allScripts,
  declaredDeps,
  exactAlternation,
  hasFile,
  instrumenterModule,
  runtimeDir,
  selectionFiles,
  shellWrapped,
  toRepoRelative,
  collectTracedRun,
} from './runner-kit.js';
import { withTitleExclusion } from '../test-exclusions.js';
import { binLink, requireInstalledRunner, runnerBinFile } from './runner-bin.js';

/** The repository's jest entry (from jest's package.json `bin`) and its major. */
function installedJest(root: string): { bin: string; major: number } {
  const jest = requireInstalledRunner(root, 'jest');
  return { bin: runnerBinFile(jest, ['jest']), major: jest.major };
}

const CONFIG_FILE = /^jest\.config\.(c|m)?(j|t)s$|^jest\.config\.json$/;

export function detectJest(facts: RepoFacts): number {
  const deps = declaredDeps(facts.packageJson);
  const scripts = allScripts(facts.packageJson);
  let score = 0;
  if (deps.has('jest')) score += DETECTION.dependency;
  if (hasFile(facts, CONFIG_FILE) || 'jest' in facts.packageJson) score += DETECTION.config;
  if (/\bjest\b/.test(scripts)) score += DETECTION.script;
  // ts-jest or babel-jest alone do not run anything: jest itself must be there.
  return deps.has('jest') || /\bjest\b/.test(scripts) ? Math.min(score, 1) : 0;
}

interface JestAssertion {
  ancestorTitles?: string[];
  title?: string;
  status?: string;
  duration?: number | null;
  failureMessages?: string[];
}

interface JestJson {
  testResults?: { name?: string; testFilePath?: string; assertionResults?: JestAssertion[]; message?: string; status?: string }[];
}

function jestStatus(status: string | undefined): TestStatus {
  if (status === 'passed') return 'passed';
  if (status === 'failed') return 'failed';
  return 'skipped'; // pending, skipped, todo, disabled, focused-out
}

/** Parses jest's `--json` output into results with ids `file > describe > ... > test`. */
export function parseJestResults(text: string, root: string): TestResult[] {
  let json: JestJson;
  try {
    json = JSON.parse(text) as JestJson;
  } catch (cause) {
    throw new SweFlowError(ErrorCodes.RESULTS_UNREADABLE, 'jest result file is not JSON; check that the run wrote --outputFile', { cause });
  }
  const out: TestResult[] = [];
  for (const suite of json.testResults ?? []) {
    const abs = suite.name ?? suite.testFilePath;
    if (!abs) continue;
    const file = toRepoRelative(root, abs);
    for (const a of suite.assertionResults ?? []) {
      const titlePath = [...(a.ancestorTitles ?? []), a.title ?? ''];
      const status = jestStatus(a.status);
      const result: TestResult = { id: formatTestId(file, titlePath), file, titlePath, status, durationMs: a.duration ?? 0 };
      if (status === 'failed' && a.failureMessages && a.failureMessages.length > 0) result.error = a.failureMessages.join('\n').slice(0, 4000);
      out.push(result);
    }
  }
  return out;
}

/**
 * A per-test limit (jest 24.9+; callers check): `--testTimeout` wins over the config's, and
 * `--forceExit` ends the run once results are written, which a test cut by the limit with its timers
 * still pending would otherwise hold open ("Jest did not exit one second after the test run").
 */
function timeoutArgs(testTimeoutMs: number | undefined): string[] {
  return testTimeoutMs ? [`--testTimeout=${testTimeoutMs}`, '--forceExit'] : [];
}

/**
 * Flags that select files and names; jest matches `-t` against the titles joined by spaces. Excluded
 * tests are left out by the same pattern (jest reports them skipped), so they never start.
 */
function selectionArgs(ctx: PlainRunContext['selection'], exclude?: readonly string[]): string[] {
  const args: string[] = [];
  const names = ctx.testIds.map((id) => id.split(' > ').slice(1).join(' '));
  const pattern = withTitleExclusion(names.length > 0 ? exactAlternation(names) : undefined, exclude);
  if (pattern) args.push('--testNamePattern', pattern);
  const files = selectionFiles(ctx);
  if (files.length > 0) args.push('--runTestsByPath', ...files);
  return args;
}

export function jestPlainCommand(ctx: PlainRunContext): CommandSpec {
  return shellWrapped(ctx.resultFile, binLink('jest'), [
    '--ci',
    '--no-watchman',
    '--json',
    `--outputFile=${ctx.resultFile}`,
    '--testLocationInResults',
    // jest >= 24.9 (`testTimeLimitScope` checks the installed jest before asking for it).
    ...timeoutArgs(ctx.testTimeoutMs),
    ...selectionArgs(ctx.selection, ctx.exclude),
  ]);
}

export async function listJestTestFiles(facts: RepoFacts, extraArgs: readonly string[] = []): Promise<string[]> {
  const r = await execa('node', [installedJest(facts.root).bin, '--listTests', '--json', '--no-watchman', ...extraArgs], { cwd: facts.root, reject: false, stdin: 'ignore', env: facts.env });
  if (r.exitCode !== 0) {
    throw new SweFlowError(ErrorCodes.TRACE_FAILED, `jest --listTests failed (exit ${r.exitCode}); install the repository's dependencies first`, {
      details: { stderr: String(r.stderr).slice(-2000) },
    });
  }
  const text = String(r.stdout);
  const start = text.indexOf('[');
  const list = JSON.parse(start >= 0 ? text.slice(start) : '[]') as string[];
  return list.map((f) => toRepoRelative(facts.root, f)).sort();
}

interface ShownConfig {
  configs: {
    rootDir: string;
    /** `[pattern, path, options]`; before jest 24 `[pattern, path]`. */
    transform?: [string, string, unknown?][];
    setupFilesAfterEnv?: string[];
    /** jest < 24. */
    setupTestFrameworkScriptFile?: string | null;
  }[];
}

/** The repository's resolved project config, as jest itself prints it. */
async function showConfig(root: string, bin: string, env: Record<string, string>, extraArgs: readonly string[]): Promise<ShownConfig> {
  const r = await execa('node', [bin, '--showConfig', '--no-watchman', ...extraArgs], { cwd: root, reject: false, stdin: 'ignore', env });
  if (r.exitCode !== 0) {
    throw new SweFlowError(ErrorCodes.TRACE_FAILED, `jest --showConfig failed (exit ${r.exitCode}); the repository's jest config does not load`, {
      details: { stderr: String(r.stderr).slice(-2000) },
    });
  }
  const text = String(r.stdout);
  return JSON.parse(text.slice(text.indexOf('{'))) as ShownConfig;
}

type Project = ShownConfig['configs'][number];

/**
 * The `--transform` value: every configured transformer wrapped, JS files with no transformer still
 * instrumented. From jest 24 a `[path, options]` tuple; before, a generated module per pattern that
 * creates the wrapper with its options (old jest calls `createTransformer()` with none).
 */
async function tracedTransform(project: Project, major: number, work: string): Promise<Record<string, unknown>> {
  const transformerPath = path.join(runtimeDir(), 'jest-transformer.cjs');
  const entries: [string, { inner: string | null; innerOptions: unknown }][] = (project.transform ?? []).map(([pattern, inner, options]) => [pattern, { inner, innerOptions: options ?? {} }]);
  if (!entries.some(([p]) => new RegExp(p).test('x.js'))) entries.push(['\\.[cm]?jsx?$', { inner: null, innerOptions: {} }]);
  const transform: Record<string, unknown> = {};
  for (const [i, [pattern, cfg]] of entries.entries()) {
    if (major >= 24) {
      transform[pattern] = [transformerPath, cfg];
      continue;
    }
    const file = path.join(work, `transformer-${i}.cjs`);
    await writeFile(file, `module.exports = require(${JSON.stringify(transformerPath)}).createTransformer(${JSON.stringify(cfg)});\n`);
    transform[pattern] = file;
  }
  return transform;
}

/** The setup flags: the repository's own setup files first, then swe-flow's per-test hooks. */
async function tracedSetupArgs(project: Project, major: number, work: string): Promise<string[]> {
  const ours = path.join(runtimeDir(), 'jest-setup.cjs');
  if (major >= 24) {
    // The option takes every following value; '--' below ends it.
    return ['--setupFilesAfterEnv', ...(project.setupFilesAfterEnv ?? []), ours];
  }
  // One file only before jest 24: a file of ours that loads the repository's first.
  const file = path.join(work, 'setup-framework.cjs');
  const own = project.setupTestFrameworkScriptFile;
  await writeFile(file, `${own ? `require(${JSON.stringify(own)});\n` : ''}require(${JSON.stringify(ours)});\n`);
  return ['--setupTestFrameworkScriptFile', file];
}

/** A wrapper's coverage flags, left out of the traced run (a flag given twice would become a list). */
function withoutCoverageFlags(args: readonly string[]): string[] {
  return args.filter((a) => !/^--(coverage|collectCoverage)(=.*)?$/.test(a));
}

async function runJestTraced(ctx: TracedRunContext, extraArgs: readonly string[]): Promise<TracedRunOutput> {
  const root = ctx.facts.root;
  const env = { ...(ctx.env ?? {}) };
  const jest = installedJest(root);
  const shown = await showConfig(root, jest.bin, env, extraArgs);
  const project = shown.configs[0];
  if (!project) throw new SweFlowError(ErrorCodes.TRACE_FAILED, 'jest --showConfig printed no project config');
  const instrumenter = await instrumenterModule();
  const work = await mkdtemp(path.join(os.tmpdir(), 'sweflow-jest-'));
  const transform = await tracedTransform(project, jest.major, work);
  const resultFile = path.join(work, 'results.json');
  await mkdir(ctx.traceDir, { recursive: true });
  const args = [
    jest.bin,
    '--ci',
    '--no-watchman',
    '--json',
    `--outputFile=${resultFile}`,
    '--testLocationInResults',
    // Tests inside a worker one at a time (test.concurrent would mix edges); the number of workers
    // stays jest's own choice, as in the untraced run (each worker has its own recorder).
    ...(jest.major >= 23 ? ['--maxConcurrency=1'] : []),
    // trace() sets it on jest 24.9 and later only (older CLIs refuse the flag).
    ...timeoutArgs(ctx.testTimeoutMs),
    ...selectionArgs({ files: [], testIds: [] }, ctx.exclude),
    // The wrapper's options (its --config) first: the flags below override what they set.
    ...withoutCoverageFlags(extraArgs),
    // No coverage: it records nothing the trace uses, and where the repository turns it on
    // (collectCoverage), jest instruments every file a second time on top of our transformer, which
    // cannot instrument for it (iamkun/dayjs: a second babel pass over every instrumented file).
    '--coverage=false',
    '--transform',
    JSON.stringify(transform),
    ...(await tracedSetupArgs(project, jest.major, work)),
    '--',
  ];
  ctx.logger.debug('jest traced run', { args, major: jest.major });
  return collectTracedRun({
    runner: 'jest', command: 'node', args, root, ctx, resultFile, work, parse: parseJestResults,
    env: { ...env, SWEFLOW_TRACE_DIR: ctx.traceDir, SWEFLOW_ROOT: root, SWEFLOW_INSTRUMENTER: instrumenter, SWEFLOW_RUNNER: 'jest' },
    testFiles: (text: string) => [...new Set(JSON.parse(text).testResults.map((s: { name: string }) => toRepoRelative(root, s.name)) as string[])].sort(),
  });
}

/**
 * The jest adapter; with `args`, options every jest run takes (listing, `--showConfig`, plain and
 * traced runs, the warm session): the `--config` a wrapper such as kcd-scripts passes (`wrapper-capture.ts`).
 */
export function createJestAdapter(options: { args?: readonly string[] } = {}): RunnerAdapter {
  const args = [...(options.args ?? [])];
  return {
    name: 'jest',
    detect: detectJest,
    listTestFiles: (facts) => listJestTestFiles(facts, args),
    plainCommand: args.length === 0 ? jestPlainCommand : (ctx) => {
      const spec = jestPlainCommand(ctx);
      return { ...spec, args: [...spec.args, ...args] };
    },
    parseResults: parseJestResults,
    runTraced: (ctx) => runJestTraced(ctx, args),
    ...(args.length > 0 ? { runnerArgs: args } : {}),
  };
}

export const jestAdapter: RunnerAdapter = createJestAdapter();
