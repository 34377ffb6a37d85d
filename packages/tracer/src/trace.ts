/**
 * `trace()`: run a prepared checkout's suite untraced once (parity and overhead baseline) and traced
 * once, and build `trace.json` (see `TraceJson` in @swe-flow/core).
 */
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  ErrorCodes,
  silentLogger,
  SweFlowError,
  TRACE_SCHEMA_VERSION,
  WORK_DIR,
  type FunctionManifestEntry,
  type Logger,
  type RunnerName,
  type TestResult,
  type TraceJson,
} from '@swe-flow/core';
import { locateFunctions } from '@swe-flow/skeleton';
import { registerCleanup } from '@swe-flow/runtime';
import type { RepoFacts, RunnerAdapter, TracedRunOutput } from './adapter.js';
import { adapters as defaultAdapters, detectRunner, getAdapter } from './adapters/index.js';
import { execLocal } from './exec.js';
import { collectRepoFacts } from './facts.js';
import { parseRunResults, tail, withRunnerOutput, writeRunnerLog } from './adapters/runner-kit.js';
import { readFragments } from './fragments.js';
import { findLostTests, timedOutTests } from './lost-tests.js';
import { rerunWithoutCutTests } from './run-scoped-cuts.js';
import { RUN_LIMIT_RERUNS, RUN_SCOPED_LIMIT, traceTimeLimitApplies } from './time-limits.js';
import { exactIdPattern, excludeMatcher, titleExcludeMatcher } from './test-exclusions.js';
import { byId, judgeParity } from './trace-parity.js';
import { BUILT_OUTPUT_ENV, type BuiltOutputDir } from './instrument/built-map.js';

/** The traced run's environment: the build output to map back to the sources travels to the instrumenter in it. */
function tracedRunEnv(env: Record<string, string>, builtOutput: readonly BuiltOutputDir[] | undefined): Record<string, string> {
  return builtOutput && builtOutput.length > 0 ? { ...env, [BUILT_OUTPUT_ENV]: JSON.stringify(builtOutput) } : env;
}

export interface TraceOptions {
  /** Absolute path of a prepared checkout (a copy, dependencies installed). */
  root: string;
  /** Runner to use; detected from the repository when absent. */
  runner?: RunnerName;
  /** Where to write trace.json (atomically); nothing is written when absent. */
  outFile?: string;
  /** Wall-clock limit for each of the two runs; the run is killed when it runs out. Default 10 min. */
  timeoutMs?: number;
  /** Limit for one test file where the runner has none of its own (node:test); a file cut by it is listed as lost. */
  testFileTimeoutMs?: number;
  /**
   * Limit for each test in the untraced and traced runs, where the runner takes one
   * (`traceTimeLimitApplies`); a test it cuts is excluded (`timed-out`) and listed under lost tests.
   * Absent or 0: the repository's own limits.
   */
  testTimeoutMs?: number;
  /** Tests to exclude (`excluded-by-option`): substrings of ids, or `/regex/`. */
  exclude?: readonly string[];
  /** Keep only tests whose id matches (substring, or a RegExp); matching nothing is an error. */
  filter?: string | RegExp;
  /** Skip the untraced run (no parity check, no overhead baseline). */
  skipUntraced?: boolean;
  /** Keep the adapter's work directory (`.swe-flow/`: wrapper config, instrumented cache, result files) in the checkout. */
  keepWorkDir?: boolean;
  /** Directory for recorder fragments; default a fresh temp directory, removed afterwards. */
  traceDir?: string;
  env?: Record<string, string>;
  /**
   * Folder where the untraced and traced runs' full output is kept (`<out>/logs` in synth); errors
   * name the file. Without it, errors show the last lines only.
   */
  logDir?: string;
  /** Test files or globs of the test script's command line (see TracedRunContext.specFiles). */
  specFiles?: string[];
  /** Runner options of the test script (see TracedRunContext.runnerArgs). */
  runnerArgs?: string[];
  /**
   * Build output the tests run (`dist/` compiled from `src/`): the traced run records its functions under
   * the ids of the source functions they were built from (`instrument/built-map.ts`).
   */
  builtOutput?: readonly BuiltOutputDir[];
  logger?: Logger;
  adapters?: readonly RunnerAdapter[];
  facts?: RepoFacts;
}

export interface TraceRunInfo {
  trace: TraceJson;
  /** Bytes of recorder fragments read. */
  fragmentBytes: number;
  untracedResults?: TestResult[];
  tracedResults: TestResult[];
}

function manifestEntry(f: FunctionManifestEntry): FunctionManifestEntry {
  return {
    id: f.id,
    name: f.name,
    kind: f.kind,
    line: f.line,
    column: f.column,
    endLine: f.endLine,
    async: f.async,
    generator: f.generator,
    static: f.static,
  };
}

function matcher(filter: string | RegExp | undefined): (id: string) => boolean {
  if (filter === undefined) return () => true;
  if (typeof filter === 'string') return (id) => id.includes(filter);
  return (id) => {
    filter.lastIndex = 0;
    return filter.test(id);
  };
}

/**
 * The untraced run. Where the runner's limit cuts the whole run (ava), the run is repeated without the
 * tests it cut, which are kept as cut, until a run is not cut; the traced run then leaves them out too
 * (`TraceContext.cut`).
 */
async function runUntraced(ctx: TraceContext): Promise<UntracedRun> {
  const run = await runUntracedOnce(ctx);
  if (!ctx.testTimeoutMs || !RUN_SCOPED_LIMIT.includes(ctx.adapter.name)) return run;
  return rerunWithoutCutTests(run, () => runUntracedOnce(ctx), ctx.cut, RUN_LIMIT_RERUNS, (tests, rerun) => {
    const what = rerun ? `running it again without the ${tests.length} test(s) still running then` : `after ${RUN_LIMIT_RERUNS} reruns; the ${tests.length} test(s) still running then are left out of the traced run too`;
    ctx.logger.warn(`the ${ctx.adapter.name} run was cut by its limit (${ctx.testTimeoutMs} ms without a result); ${what}`, { tests });
  });
}

/** What a run leaves out: the `--exclude-test` patterns, and the tests a run-scoped limit cut before (`TraceContext.cut`). */
function runExclusions(ctx: TraceContext): string[] {
  return [...(ctx.options.exclude ?? []), ...ctx.cut.map(exactIdPattern)];
}

async function runUntracedOnce(ctx: TraceContext): Promise<UntracedRun> {
  const { adapter, root, timeoutMs, env, testTimeoutMs } = ctx;
  const { testFileTimeoutMs, logDir } = ctx.options;
  const exclude = runExclusions(ctx);
  const resultFile = path.join(WORK_DIR, 'untraced-results.json');
  await mkdir(path.join(root, WORK_DIR), { recursive: true });
  await rm(path.join(root, resultFile), { force: true });
  const spec = adapter.plainCommand({ resultFile, selection: { files: [], testIds: [] }, ...(testFileTimeoutMs ? { testFileTimeoutMs } : {}), ...(testTimeoutMs ? { testTimeoutMs } : {}), ...(exclude?.length ? { exclude } : {}) });
  const res = await execLocal(root, spec, timeoutMs, env);
  const logFile = await writeRunnerLog(logDir, `${adapter.name.replace(':', '-')}-untraced`, res.output);
  const details = { logTail: tail(res.output), ...(logFile ? { logFile } : {}) };
  if (res.timedOut) {
    const message = `the untraced ${adapter.name} run did not finish within ${timeoutMs} ms and was killed; raise --trace-timeout (traceTimeoutMs in swe-flow.config.json), or find the hanging test by running the suite with the repository's own test command`;
    throw new SweFlowError(ErrorCodes.TRACE_TIMEOUT, withRunnerOutput(message, adapter.name, res.output, logFile), { details });
  }
  let text: string;
  try {
    text = await readFile(path.join(root, resultFile), 'utf8');
  } catch (cause) {
    const message = `the untraced ${adapter.name} run wrote no results (exit ${res.exitCode})`;
    throw new SweFlowError(ErrorCodes.RESULTS_UNREADABLE, withRunnerOutput(message, adapter.name, res.output, logFile), { cause, details });
  }
  const explain = adapter.explainRunFailure?.bind(adapter);
  const results = parseRunResults((t, r) => adapter.parseResults(t, r), text, root, { runner: adapter.name, output: res.output, logFile, what: `the untraced ${adapter.name} run`, ...(explain ? { explain } : {}) });
  return { results, wallMs: res.durationMs };
}

/** Runs the suite untraced and traced and returns (and optionally writes) trace.json. */
export async function trace(options: TraceOptions): Promise<TraceJson> {
  return (await traceWithInfo(options)).trace;
}

/** What one trace run is working with, resolved once from the options. */
interface TraceContext {
  options: TraceOptions;
  root: string;
  logger: Logger;
  timeoutMs: number;
  env: Record<string, string>;
  facts: RepoFacts;
  adapter: RunnerAdapter;
  /** The `--exclude-test` pattern an id matches (see `ParityInput`). */
  excludedBy: (id: string) => string | undefined;
  /** The pattern whose title part matches an id's titles (see `ParityInput`). */
  titleExcludedBy: (id: string) => string | undefined;
  /** The per-test limit of both runs, where the runner takes one (`TraceOptions.testTimeoutMs`). */
  testTimeoutMs?: number;
  /** Ids of tests a run-scoped limit cut (ava): later runs leave them out. */
  cut: string[];
}

type UntracedRun = { results: TestResult[]; wallMs: number };

/** Repo-relative files under the given folders (build output, which git ignores). */
async function filesUnder(root: string, dirs: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const dir of dirs) {
    const entries = await readdir(path.join(root, dir), { recursive: true, withFileTypes: true }).catch(() => []);
    for (const e of entries) if (e.isFile()) out.push(path.relative(root, path.join(e.parentPath, e.name)).split(path.sep).join('/'));
  }
  return out.sort();
}

async function traceContext(options: TraceOptions): Promise<TraceContext> {
  const root = path.resolve(options.root);
  const registry = options.adapters ?? defaultAdapters;
  // Discovery runs the repository's code too: with the same Node and environment as its test runs.
  const env = options.env ?? {};
  const found = options.facts ?? (await collectRepoFacts(root));
  // The runner may run built test files (uuid: `node --test dist-node/test/*.js`): the build's files count.
  const files = options.builtOutput?.length ? [...new Set([...found.files, ...(await filesUnder(root, options.builtOutput.map((b) => b.dir)))])] : found.files;
  const facts = { ...found, files, env: { ...(options.facts?.env ?? {}), ...env } };
  const adapter = options.runner ? getAdapter(options.runner, registry) : detectRunner(facts, registry);
  // Before any run: a pattern that is not a valid regular expression is an error now, not after the runs.
  const excludedBy = excludeMatcher(options.exclude ?? []);
  const titleExcludedBy = titleExcludeMatcher(options.exclude ?? []);
  const testTimeoutMs = options.testTimeoutMs && (await traceTimeLimitApplies(adapter.name, root)) ? options.testTimeoutMs : undefined;
  return { options, root, logger: options.logger ?? silentLogger, timeoutMs: options.timeoutMs ?? 600_000, env, facts, adapter, excludedBy, titleExcludedBy, cut: [], ...(testTimeoutMs ? { testTimeoutMs } : {}) };
}

/** The traced run, its recorder fragments in a folder of their own that is removed afterwards. */
async function runTracedOnce(ctx: TraceContext): Promise<{ traced: TracedRunOutput; fragmentBytes: number }> {
  const { options } = ctx;
  const ownTraceDir = options.traceDir === undefined;
  const dir = options.traceDir ?? (await mkdtemp(path.join(os.tmpdir(), 'sweflow-trace-')));
  // An interrupted trace leaves no fragment folder behind.
  const unguard = ownTraceDir ? registerCleanup(() => rm(dir, { recursive: true, force: true })) : () => {};
  const exclude = runExclusions(ctx);
  try {
    const traced = await ctx.adapter.runTraced({ facts: ctx.facts, traceDir: dir, timeoutMs: ctx.timeoutMs, logger: ctx.logger, env: tracedRunEnv(ctx.env, options.builtOutput), ...(exclude.length ? { exclude } : {}), ...(options.testFileTimeoutMs ? { testFileTimeoutMs: options.testFileTimeoutMs } : {}), ...(ctx.testTimeoutMs ? { testTimeoutMs: ctx.testTimeoutMs } : {}), ...(options.logDir ? { logDir: options.logDir } : {}), ...(options.specFiles ? { specFiles: options.specFiles } : {}), ...(options.runnerArgs ? { runnerArgs: options.runnerArgs } : {}) });
    return { traced, fragmentBytes: traced.fragmentBytes ?? (await readFragments(dir)).bytes };
  } finally {
    if (ownTraceDir) await rm(dir, { recursive: true, force: true });
    unguard();
  }
}

/** The ids to judge: every id either run reported that the filter keeps, sorted. */
function reportedIds(ctx: TraceContext, traced: TracedRunOutput, untraced: UntracedRun | undefined): string[] {
  const all = traced.results.length + (untraced?.results.length ?? 0);
  if (all === 0) {
    throw new SweFlowError(ErrorCodes.NO_TESTS, `${ctx.adapter.name} reported no tests in ${ctx.root}; check the runner config and that dependencies are installed`, {
      details: { logTail: traced.logTail },
    });
  }
  const { filter } = ctx.options;
  const keep = matcher(filter);
  const ids = [...new Set([...traced.results, ...(untraced?.results ?? [])].map((r) => r.id))].filter(keep).sort();
  if (filter !== undefined && ids.length === 0) {
    throw new SweFlowError(ErrorCodes.TEST_FILTER_EMPTY, `the test filter ${String(filter)} matches none of the ${all} reported tests; check the filter`);
  }
  return ids;
}

/** The function manifest per instrumented file: the instrumenter's own where it has one, else located again. */
async function functionManifest(ctx: TraceContext, traced: TracedRunOutput): Promise<Record<string, FunctionManifestEntry[]>> {
  const functions: Record<string, FunctionManifestEntry[]> = {};
  for (const file of [...traced.instrumentedFiles].sort()) {
    // The instrumenter located them on the same code already: no second parse.
    const known = traced.functions?.[file];
    if (known) {
      functions[file] = known.map(manifestEntry);
      continue;
    }
    try {
      const code = await readFile(path.join(ctx.root, file), 'utf8');
      functions[file] = locateFunctions(code, file).map(manifestEntry);
    } catch (error) {
      ctx.logger.warn('could not list the functions of a file', { file, error: (error as Error).message });
    }
  }
  return functions;
}

/** trace.json from the two runs: kept and excluded tests, the manifest, setup edges and lost tests. */
async function assembleTrace(ctx: TraceContext, traced: TracedRunOutput, untraced: UntracedRun | undefined): Promise<TraceJson> {
  const ids = reportedIds(ctx, traced, untraced);
  const tracedById = byId(traced.results);
  const { tests, excluded } = judgeParity({ ids, traced: tracedById, ...(untraced ? { untraced: byId(untraced.results) } : {}), records: new Map(traced.records.map((r) => [r.testId, r])), excludedBy: ctx.excludedBy, titleExcludedBy: ctx.titleExcludedBy });
  const testFiles = [...new Set(traced.testFiles)].sort();
  const setupByFile = new Map(traced.setup.map((s) => [s.file, s.edges]));
  const lost = [...(await findLostTests(ctx.root, testFiles, untraced?.results ?? traced.results, traced.results)), ...timedOutTests(excluded, tracedById, ctx.testTimeoutMs)];
  for (const l of lost) ctx.logger.warn(`lost ${l.id ?? l.file}: ${l.detail}`, { reason: l.reason });
  return {
    schemaVersion: TRACE_SCHEMA_VERSION,
    runner: ctx.adapter.name,
    root: ctx.root,
    createdAt: new Date().toISOString(),
    testFiles,
    functions: await functionManifest(ctx, traced),
    moduleLoadFunctions: [...traced.moduleLoadFunctions].sort(),
    files: testFiles.map((file) => ({ file, setupEdges: setupByFile.get(file) ?? [] })),
    tests,
    excluded,
    lost,
    stats: {
      testsTotal: ids.length,
      testsPassed: tests.filter((t) => t.status === 'passed').length,
      tracedWallMs: Math.round(traced.wallMs),
      ...(untraced ? { untracedWallMs: Math.round(untraced.wallMs) } : {}),
      instrumentedFiles: traced.instrumentedFiles.length,
    },
  };
}

export async function traceWithInfo(options: TraceOptions): Promise<TraceRunInfo> {
  const ctx = await traceContext(options);
  let untraced: UntracedRun | undefined;
  if (!options.skipUntraced) {
    ctx.logger.info('running the suite untraced', { runner: ctx.adapter.name });
    untraced = await runUntraced(ctx);
  }
  const { traced, fragmentBytes } = await runTracedOnce(ctx);
  const result = await assembleTrace(ctx, traced, untraced);
  if (options.outFile) await writeJsonAtomic(options.outFile, result);
  // The checkout is left as it was given (the instrumented cache holds a copy of every source).
  if (!options.keepWorkDir) await rm(path.join(ctx.root, WORK_DIR), { recursive: true, force: true });
  return {
    trace: result,
    fragmentBytes,
    tracedResults: traced.results,
    ...(untraced ? { untracedResults: untraced.results } : {}),
  };
}

export async function writeJsonAtomic(file: string, data: unknown): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(data, null, 1)}\n`);
  await rename(tmp, file);
}
