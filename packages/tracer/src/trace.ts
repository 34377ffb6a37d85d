/**
 * `trace()`: run a prepared checkout's suite untraced once (parity and overhead baseline) and traced
 * once, and build `trace.json` (see `TraceJson` in @swe-flow/core).
 */
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  ErrorCodes,
  silentLogger,
  SweFlowError,
  TRACE_SCHEMA_VERSION,
  type ExcludedTest,
  type FunctionManifestEntry,
  type Logger,
  type RunnerName,
  type TestResult,
  type TraceJson,
  type TracedTest,
} from '@swe-flow/core';
import { locateFunctions } from '@swe-flow/skeleton';
import { registerCleanup } from '@swe-flow/runtime';
import type { RepoFacts, RunnerAdapter } from './adapter.js';
import { adapters as defaultAdapters, detectRunner, getAdapter } from './adapters/index.js';
import { execLocal } from './exec.js';
import { collectRepoFacts } from './facts.js';
import { tail, withRunnerOutput, writeRunnerLog } from './adapters/runner-kit.js';
import { readFragments } from './fragments.js';
import { findLostTests } from './lost-tests.js';
import { excludeMatcher, isTimeoutError } from './test-exclusions.js';

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
  /** Tests to exclude (`excluded-by-option`): substrings of ids, or `/regex/`. */
  exclude?: readonly string[];
  /** Keep only tests whose id matches (substring, or a RegExp); matching nothing is an error. */
  filter?: string | RegExp;
  /** Skip the untraced run (no parity check, no overhead baseline). */
  skipUntraced?: boolean;
  /** Keep the adapter's work directory (`.sweflow/`: wrapper config, instrumented cache) in the checkout. */
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

async function runUntraced(adapter: RunnerAdapter, root: string, timeoutMs: number, env: Record<string, string>, testFileTimeoutMs?: number, logDir?: string): Promise<{ results: TestResult[]; wallMs: number }> {
  const resultFile = path.join('.sweflow', 'untraced-results.json');
  await mkdir(path.join(root, '.sweflow'), { recursive: true });
  await rm(path.join(root, resultFile), { force: true });
  const spec = adapter.plainCommand({ resultFile, selection: { files: [], testIds: [] }, ...(testFileTimeoutMs ? { testFileTimeoutMs } : {}) });
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
  return { results: adapter.parseResults(text, root), wallMs: res.durationMs };
}

/**
 * Results by id. Tests that share an id (same file and titles) cannot be rerun apart; they become one
 * test that fails when any of them fails (their edges are already recorded together).
 */
function byId(results: readonly TestResult[]): Map<string, TestResult> {
  const out = new Map<string, TestResult>();
  const rank = { failed: 2, passed: 1, skipped: 0 } as const;
  for (const r of results) {
    const prev = out.get(r.id);
    if (!prev) {
      out.set(r.id, r);
      continue;
    }
    const worse = rank[r.status] > rank[prev.status] ? r : prev;
    out.set(r.id, { ...worse, durationMs: prev.durationMs + r.durationMs });
  }
  return out;
}

/** Runs the suite untraced and traced and returns (and optionally writes) trace.json. */
export async function trace(options: TraceOptions): Promise<TraceJson> {
  return (await traceWithInfo(options)).trace;
}

export async function traceWithInfo(options: TraceOptions): Promise<TraceRunInfo> {
  const root = path.resolve(options.root);
  const logger = options.logger ?? silentLogger;
  const timeoutMs = options.timeoutMs ?? 600_000;
  const env = options.env ?? {};
  const registry = options.adapters ?? defaultAdapters;
  const facts = options.facts ?? (await collectRepoFacts(root));
  const adapter = options.runner ? getAdapter(options.runner, registry) : detectRunner(facts, registry);
  const keep = matcher(options.filter);
  const excludedBy = excludeMatcher(options.exclude ?? []);

  let untraced: { results: TestResult[]; wallMs: number } | undefined;
  if (!options.skipUntraced) {
    logger.info('running the suite untraced', { runner: adapter.name });
    untraced = await runUntraced(adapter, root, timeoutMs, env, options.testFileTimeoutMs, options.logDir);
  }

  const ownTraceDir = options.traceDir === undefined;
  const dir = options.traceDir ?? (await mkdtemp(path.join(os.tmpdir(), 'sweflow-trace-')));
  // An interrupted trace leaves no fragment folder behind.
  const unguard = ownTraceDir ? registerCleanup(() => rm(dir, { recursive: true, force: true })) : () => {};
  let traced;
  let fragmentBytes = 0;
  try {
    traced = await adapter.runTraced({ facts, traceDir: dir, timeoutMs, logger, env, ...(options.testFileTimeoutMs ? { testFileTimeoutMs: options.testFileTimeoutMs } : {}), ...(options.logDir ? { logDir: options.logDir } : {}), ...(options.specFiles ? { specFiles: options.specFiles } : {}), ...(options.runnerArgs ? { runnerArgs: options.runnerArgs } : {}) });
    fragmentBytes = traced.fragmentBytes ?? (await readFragments(dir)).bytes;
  } finally {
    if (ownTraceDir) await rm(dir, { recursive: true, force: true });
    unguard();
  }

  const all = traced.results.length + (untraced?.results.length ?? 0);
  if (all === 0) {
    throw new SweFlowError(ErrorCodes.NO_TESTS, `${adapter.name} reported no tests in ${root}; check the runner config and that dependencies are installed`, {
      details: { logTail: traced.logTail },
    });
  }

  const tracedById = byId(traced.results);
  const untracedById = byId(untraced?.results ?? []);
  const recordById = new Map(traced.records.map((r) => [r.testId, r]));
  const ids = [...new Set([...tracedById.keys(), ...untracedById.keys()])].filter(keep).sort();
  if (options.filter !== undefined && ids.length === 0) {
    throw new SweFlowError(ErrorCodes.TEST_FILTER_EMPTY, `the test filter ${String(options.filter)} matches none of the ${all} reported tests; check the filter`);
  }

  const tests: TracedTest[] = [];
  const excluded: ExcludedTest[] = [];
  for (const id of ids) {
    const t = tracedById.get(id);
    const u = untracedById.get(id);
    const pattern = excludedBy(id);
    if (pattern !== undefined) {
      excluded.push({ id, reason: 'excluded-by-option', error: `matches --exclude-test ${pattern}` });
      continue;
    }
    const cut = [u, t].find((r) => r?.status === 'failed' && isTimeoutError(r.error));
    if (cut) {
      excluded.push({ id, reason: 'timed-out', error: `${cut.error ?? 'timed out'}; raise the runner's test timeout if it is only slow` });
      continue;
    }
    if (untraced && !u) {
      excluded.push({ id, reason: 'not-reported', error: 'reported by the traced run only' });
      continue;
    }
    if (!t) {
      excluded.push({ id, reason: 'not-reported', error: 'reported by the untraced run only' });
      continue;
    }
    if (u?.status === 'failed') {
      excluded.push({ id, reason: 'fails-untraced', ...(u.error ? { error: u.error } : {}) });
      continue;
    }
    if (t.status === 'skipped' || u?.status === 'skipped') {
      excluded.push({ id, reason: 'skipped' });
      continue;
    }
    if (u && u.status !== t.status) {
      excluded.push({ id, reason: 'outcome-differs-traced', error: `untraced ${u.status}, traced ${t.status}${t.error ? `: ${t.error}` : ''}` });
      continue;
    }
    if (t.status === 'failed') {
      excluded.push({ id, reason: 'fails-untraced', ...(t.error ? { error: t.error } : {}) });
      continue;
    }
    tests.push({
      id,
      file: t.file,
      titlePath: t.titlePath,
      fullName: t.titlePath.join(' '),
      status: t.status,
      durationMs: t.durationMs,
      edges: recordById.get(id)?.edges ?? [],
    });
  }

  const functions: Record<string, FunctionManifestEntry[]> = {};
  for (const file of [...traced.instrumentedFiles].sort()) {
    // The instrumenter located them on the same code already: no second parse.
    const known = traced.functions?.[file];
    if (known) {
      functions[file] = known.map(manifestEntry);
      continue;
    }
    try {
      const code = await readFile(path.join(root, file), 'utf8');
      functions[file] = locateFunctions(code, file).map(manifestEntry);
    } catch (error) {
      logger.warn('could not list the functions of a file', { file, error: (error as Error).message });
    }
  }

  const testFiles = [...new Set(traced.testFiles)].sort();
  const setupByFile = new Map(traced.setup.map((s) => [s.file, s.edges]));
  const lost = await findLostTests(root, testFiles, untraced?.results ?? traced.results, traced.results);
  for (const l of lost) logger.warn(`lost ${l.id ?? l.file}: ${l.detail}`, { reason: l.reason });
  const result: TraceJson = {
    schemaVersion: TRACE_SCHEMA_VERSION,
    runner: adapter.name,
    root,
    createdAt: new Date().toISOString(),
    testFiles,
    functions,
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

  if (options.outFile) await writeJsonAtomic(options.outFile, result);
  // The checkout is left as it was given (the instrumented cache holds a copy of every source).
  if (!options.keepWorkDir) await rm(path.join(root, '.sweflow'), { recursive: true, force: true });
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
