/**
 * Small helpers shared by the jest, mocha, node:test and ava adapters: reading package.json facts,
 * matching globs the way the runners do (picomatch), regex escaping for name filters, and running a
 * runner process for a traced run.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import picomatch from 'picomatch';
import { execa } from 'execa';
import { ErrorCodes, SweFlowError, parseTestId, type CommandSpec, type FunctionInfo, type TestResult, TEST_RUN_ENV } from '@swe-flow/core';
import { killProcessGroup } from '@swe-flow/runtime';
import type { PlainRunContext, RepoFacts, TracedRunContext, TracedRunOutput } from '../adapter.js';
import { instrumentSource } from '../instrument/transform.js';
import { listSourceFiles } from '../sources.js';
import { guardProcessGroup } from '../process-group.js';
import { readFragments, type MergedFragments } from '../fragments.js';
import { assertNotShuttingDown, registerCleanup } from '@swe-flow/runtime';

/** Every dependency name declared by package.json (all dependency fields). */
export function declaredDeps(pkg: Record<string, unknown>): Set<string> {
  const out = new Set<string>();
  for (const field of ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies']) {
    const deps = pkg[field];
    if (deps && typeof deps === 'object') for (const name of Object.keys(deps)) out.add(name);
  }
  return out;
}

/** The `scripts.test` command (empty when there is none). */
export function testScript(pkg: Record<string, unknown>): string {
  const scripts = pkg.scripts as Record<string, unknown> | undefined;
  const test = scripts?.test;
  return typeof test === 'string' ? test : '';
}

/** All scripts joined, for "does any script call X" checks. */
export function allScripts(pkg: Record<string, unknown>): string {
  const scripts = pkg.scripts as Record<string, unknown> | undefined;
  if (!scripts) return '';
  return Object.values(scripts)
    .filter((v): v is string => typeof v === 'string')
    .join('\n');
}

export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** `^(?:a|b)$` over exact strings. */
export function exactAlternation(values: readonly string[]): string {
  const unique = [...new Set(values)];
  return `^(?:${unique.map(escapeRegex).join('|')})$`;
}

/** The files named by a selection: its files, or the files of its test ids. */
export function selectionFiles(selection: { files: string[]; testIds: string[] }): string[] {
  if (selection.files.length > 0) return [...new Set(selection.files)];
  return [...new Set(selection.testIds.map((id) => parseTestId(id).file))];
}

export function isInNodeModules(rel: string): boolean {
  return rel.split('/').includes('node_modules');
}

/** Repo-relative POSIX files matching any include glob and no exclude glob (picomatch, dot files off). */
export function matchGlobs(files: readonly string[], include: readonly string[], exclude: readonly string[] = []): string[] {
  const clean = (g: string) => g.replace(/^\.\//, '');
  const inc = picomatch(include.map(clean), { dot: false });
  const exc = exclude.length > 0 ? picomatch(exclude.map(clean), { dot: false }) : () => false;
  return files.filter((f) => !isInNodeModules(f) && inc(f) && !exc(f)).sort();
}

/** Repo-relative POSIX path of an absolute (or file://) path, or the input when it lies outside. */
export function toRepoRelative(root: string, file: string): string {
  const abs = file.startsWith('file://') ? fileURLToPath(file) : file;
  if (!path.isAbsolute(abs)) return abs.split(path.sep).join('/').replace(/^\.\//, '');
  const rel = path.relative(root, abs);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return abs;
  return rel.split(path.sep).join('/');
}

/** Absolute directory of the tracer's in-process runtime files (`packages/tracer/runtime`). */
export function runtimeDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'runtime');
}

export interface RunnerProcess {
  exitCode: number | null;
  timedOut: boolean;
  wallMs: number;
  logTail: string;
  /** Everything the runner wrote to stdout and stderr, interleaved. */
  output: string;
}

/** Lines of a runner's own output an error shows. */
export const TAIL_LINES = 40;

/** The last `lines` lines of a runner's output (trailing blank lines dropped). */
export function tail(text: string, lines = TAIL_LINES): string {
  return text.replace(/\s+$/, '').split('\n').slice(-lines).join('\n');
}

/** How many logs of each name this process wrote (a second traced run gets `-2`). */
const logCounts = new Map<string, number>();

/**
 * Writes a runner's whole output to `<logDir>/<name>.log` (a numbered name when taken in this
 * process) and returns its path; undefined when there is no log folder or it cannot be written.
 */
export async function writeRunnerLog(logDir: string | undefined, name: string, output: string): Promise<string | undefined> {
  if (!logDir) return undefined;
  try {
    await mkdir(logDir, { recursive: true });
    const base = `${path.resolve(logDir)}/${name.replace(/[^\w.-]+/g, '-')}`;
    const n = (logCounts.get(base) ?? 0) + 1;
    logCounts.set(base, n);
    const file = `${base}${n === 1 ? '' : `-${n}`}.log`;
    await writeFile(file, output);
    return file;
  } catch {
    return undefined;
  }
}

/** An error message followed by the runner's last lines and where its full log is. */
export interface RunOutputContext {
  runner: string;
  /** The run's whole output (stdout and stderr). */
  output: string;
  logFile: string | undefined;
  /** Which run (`the untraced tap run`), for the message. */
  what: string;
  explain?: (output: string, logFile?: string) => SweFlowError | undefined;
}

/**
 * Parses a run's result file; when the parser cannot read it (a runner that stopped before it
 * reported: tap writes its TAP to stdout, the result file, and its own errors to stderr), the error
 * shows the runner's own output, or the adapter's reading of it where it knows the case.
 */
export function parseRunResults(parse: (text: string, root: string) => TestResult[], text: string, root: string, run: RunOutputContext): TestResult[] {
  try {
    return parse(text, root);
  } catch (error) {
    if (!(error instanceof SweFlowError) || error.code !== ErrorCodes.RESULTS_UNREADABLE) throw error;
    const known = run.explain?.(run.output, run.logFile);
    if (known) throw known;
    throw new SweFlowError(ErrorCodes.RESULTS_UNREADABLE, withRunnerOutput(`${run.what} left results swe-flow cannot read: ${error.message}`, run.runner, run.output, run.logFile), {
      cause: error,
      details: { logTail: tail(run.output), ...(run.logFile ? { logFile: run.logFile } : {}) },
    });
  }
}

export function withRunnerOutput(message: string, runner: string, output: string, logFile: string | undefined): string {
  const body = tail(output);
  const shown = body ? `\n--- last ${TAIL_LINES} lines of ${runner}'s output ---\n${body}\n---` : `\n(${runner} printed nothing)`;
  return `${message}${shown}${logFile ? `\nfull log: ${logFile}` : ''}`;
}

/**
 * Runs a runner process in the repository with a wall-clock limit; never throws for a non-zero exit.
 * The runner gets its own process group, and the limit kills the whole group: node:test children
 * and jest workers must not outlive a timed-out run.
 */
export async function runRunner(
  command: string,
  args: string[],
  options: { cwd: string; env: Record<string, string>; timeoutMs: number },
): Promise<RunnerProcess> {
  const started = performance.now();
  const sub = execa(command, args, {
    cwd: options.cwd,
    // The same colour and CI variables as every other test run (untraced, verification, eval): tests
    // that read the environment must see what the untraced run sees.
    env: { ...options.env, ...TEST_RUN_ENV },
    extendEnv: true,
    reject: false,
    all: true,
    detached: true,
    stdin: 'ignore',
    maxBuffer: 256 * 1024 * 1024,
  });
  let timedOut = false;
  const unguard = guardProcessGroup(sub.pid);
  const timer = setTimeout(() => {
    timedOut = true;
    if (!killProcessGroup(sub.pid)) sub.kill('SIGKILL');
  }, options.timeoutMs);
  const result = await sub;
  clearTimeout(timer);
  unguard();
  // Killed by a signal's shutdown: its output is not a result, and nothing after it should start.
  assertNotShuttingDown();
  const wallMs = performance.now() - started;
  const all = typeof result.all === 'string' ? result.all : '';
  return {
    exitCode: result.exitCode ?? null,
    timedOut,
    wallMs,
    logTail: all.split('\n').slice(-60).join('\n'),
    output: all,
  };
}

export function timeoutError(runner: string, timeoutMs: number, logTail: string, logFile?: string): SweFlowError {
  return new SweFlowError(
    ErrorCodes.TRACE_TIMEOUT,
    withRunnerOutput(`the traced ${runner} run did not finish within ${timeoutMs} ms; raise --trace-timeout (traceTimeoutMs in swe-flow.config.json), or find the hanging test by running the suite with the repository's own test command`, runner, logTail, logFile),
    { details: { logTail: tail(logTail), ...(logFile ? { logFile } : {}) } },
  );
}

export async function clearDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** Assembles the adapter's output from the merged fragments and the runner's results. */
export function tracedOutput(
  merged: MergedFragments,
  rest: Pick<TracedRunOutput, 'results' | 'testFiles' | 'wallMs' | 'exitCode' | 'logTail' | 'functions'>,
): TracedRunOutput {
  return {
    ...(rest.functions ? { functions: rest.functions } : {}),
    fragmentBytes: merged.bytes,
    results: rest.results,
    records: merged.records,
    setup: merged.setup,
    moduleLoadFunctions: merged.moduleLoadFunctions,
    instrumentedFiles: merged.instrumentedFiles,
    testFiles: rest.testFiles,
    wallMs: rest.wallMs,
    exitCode: rest.exitCode,
    logTail: rest.logTail,
  };
}

export interface TracedRunSpec {
  /** Name used in errors (`node:test`, `jest`, …). */
  runner: string;
  command: string;
  args: string[];
  root: string;
  ctx: TracedRunContext;
  env: Record<string, string>;
  /** Absolute path of the result file the runner writes. */
  resultFile: string;
  /** Per-run work directory, removed afterwards. */
  work: string;
  parse: (text: string, root: string) => TestResult[];
  /** The test files, or how to read them from the result file's text. */
  testFiles: string[] | ((text: string) => string[]);
  /** Function manifests of the files instrumented ahead of the run (`prewarmInstrumentCache`). */
  functions?: Record<string, FunctionInfo[]>;
  /** The adapter's `explainRunFailure`. */
  explain?: (output: string, logFile?: string) => SweFlowError | undefined;
}

/**
 * The common end of every traced run: run the runner (killed on timeout), read its machine-readable
 * results, merge the recorder's fragments, remove the work directory.
 */
export async function collectTracedRun(spec: TracedRunSpec): Promise<TracedRunOutput> {
  // The work directory goes on every path out: success, timeout, a failed run, a signal.
  const unguard = registerCleanup(() => rm(spec.work, { recursive: true, force: true }));
  let run;
  try {
    run = await readTracedRun(spec);
  } finally {
    await rm(spec.work, { recursive: true, force: true });
    unguard();
  }
  const { proc, results, merged, testFiles } = run;
  return tracedOutput(merged, {
    results, testFiles, wallMs: proc.wallMs, exitCode: proc.exitCode, logTail: proc.logTail,
    ...(spec.functions ? { functions: spec.functions } : {}),
  });
}

async function readTracedRun(spec: TracedRunSpec) {
  const proc = await runRunner(spec.command, spec.args, { cwd: spec.root, timeoutMs: spec.ctx.timeoutMs, env: spec.env });
  const logFile = await writeRunnerLog(spec.ctx.logDir, `${spec.runner.replace(':', '-')}-traced`, proc.output);
  if (proc.timedOut) throw timeoutError(spec.runner, spec.ctx.timeoutMs, proc.output, logFile);
  let text: string;
  try {
    text = await readFile(spec.resultFile, 'utf8');
  } catch (cause) {
    throw new SweFlowError(ErrorCodes.TRACE_FAILED, withRunnerOutput(`the traced ${spec.runner} run wrote no results (exit ${proc.exitCode})`, spec.runner, proc.output, logFile), {
      cause,
      details: { logTail: tail(proc.output), ...(logFile ? { logFile } : {}) },
    });
  }
  const results = parseRunResults(spec.parse, text, spec.root, { runner: spec.runner, output: proc.output, logFile, what: `the traced ${spec.runner} run`, ...(spec.explain ? { explain: spec.explain } : {}) });
  const merged = await readFragments(spec.ctx.traceDir);
  const testFiles = typeof spec.testFiles === 'function' ? spec.testFiles(text) : spec.testFiles;
  return { proc, results, merged, testFiles };
}

/** The recorder's environment for a traced run of `runner` (mocha, node:test, ava). */
export async function tracedEnv(ctx: TracedRunContext, root: string, instrumenter: string, runner: string, extra: Record<string, string> = {}): Promise<Record<string, string>> {
  return {
    ...(ctx.env ?? {}),
    SWEFLOW_TRACE_DIR: ctx.traceDir,
    SWEFLOW_ROOT: root,
    SWEFLOW_INSTRUMENTER: instrumenter,
    SWEFLOW_CACHE_DIR: instrumentCacheDir(),
    ...extra,
    SWEFLOW_RUNNER: runner,
    ...(await esmHooksEnv(ctx.facts)),
    ...esmPackageEnv(ctx.facts, ctx.env?.ESM_OPTIONS ?? process.env.ESM_OPTIONS),
  };
}

/**
 * `ESM_OPTIONS` for a traced run of a repository that loads its ES modules through the `esm` package
 * (`node -r esm`, `uvu -r esm`, `mocha -r esm`): the repository's own options (package.json's `esm`
 * field, or what its environment already sets) with esm's compile cache off. The cache is keyed by
 * path and mtime, so a warm one hands the traced run the untraced run's compiled code without reading
 * the file (nothing instrumented), and a traced run writing it would hand instrumented code to later
 * untraced runs. Empty when the repository does not depend on esm, or keeps its options in a file
 * (`.esmrc.js`) that ESM_OPTIONS would replace.
 */
export function esmPackageEnv(facts: RepoFacts, inherited?: string): Record<string, string> {
  if (!declaredDeps(facts.packageJson).has('esm')) return {};
  const parse = (text: string | undefined): Record<string, unknown> | undefined => {
    if (text === undefined || text.trim() === '') return {};
    try {
      const value = JSON.parse(text) as unknown;
      return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  };
  const own = facts.packageJson.esm;
  let base: Record<string, unknown> | undefined;
  if (inherited !== undefined) base = parse(inherited);
  else if (own === undefined || own === true) base = hasFile(facts, /^\.esmrc(\.json|\.js|\.cjs|\.mjs)?$/) ? undefined : {};
  else if (own && typeof own === 'object' && !Array.isArray(own)) base = own as Record<string, unknown>;
  if (base === undefined) return {};
  return { ESM_OPTIONS: JSON.stringify({ ...base, cache: false }) };
}

export function hasFile(facts: RepoFacts, pattern: RegExp): boolean {
  return facts.files.some((f) => pattern.test(f));
}

/**
 * The module runner processes load to instrument sources: the tracer's compiled `instrument/transform.js`
 * (plain ESM; CommonJS runtime files load it with Node 20.19's require(esm)). Child processes cannot
 * read TypeScript, so the tracer package must be built (`tsc -b packages/tracer/tsconfig.lib.json`).
 */
export async function instrumenterModule(): Promise<string> {
  const override = process.env.SWEFLOW_INSTRUMENTER;
  const candidate = override ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'instrument', 'transform.js');
  try {
    await readFile(candidate);
  } catch (cause) {
    throw new SweFlowError(
      ErrorCodes.TRACE_FAILED,
      `the compiled instrumenter ${candidate} is missing; build the tracer first (npx tsc -b packages/tracer/tsconfig.lib.json)`,
      { cause },
    );
  }
  return candidate;
}

/**
 * A command that first creates the result file's directory (runners do not all do it), then execs
 * the runner; with `redirectStdout`, the runner's standard output becomes the result file. Arguments
 * pass as positional parameters, so nothing is ever quoted into shell text.
 */
export function shellWrapped(resultFile: string, command: string, args: string[], redirectStdout = false): CommandSpec {
  const dir = path.posix.dirname(resultFile.split(path.sep).join('/'));
  if (!redirectStdout && (dir === '.' || dir === '')) return { command, args };
  const script = redirectStdout
    ? 'mkdir -p -- "$1" && out=$2 && shift 2 && exec "$@" > "$out"'
    : 'mkdir -p -- "$1" && shift 2 && exec "$@"';
  return { command: 'sh', args: ['-c', script, 'sweflow-run', dir, resultFile, command, ...args] };
}

/** Where runner processes keep instrumented files (runtime/node-test-instrument.cjs reads the same layout). */
export function instrumentCacheDir(): string {
  return path.join(os.tmpdir(), 'sweflow-instrument-cache');
}

/** Same rewrite as runtime/node-test-instrument.cjs `avaRewrite` (the cache key covers the rewritten text). */
export function avaImportRewrite(code: string): string {
  return code
    .replace(/^([ \t]*)import\s+([A-Za-z_$][\w$]*)\s+from\s+(['"])ava\3\s*;?/m, (_m, indent: string, name: string) => `${indent}import __sweflowAvaOrig from 'ava';const ${name}=globalThis.__SWEFLOW_AVA_WRAP__(__sweflowAvaOrig);`)
    .replace(/\brequire\((['"])ava\1\)/, (m) => `globalThis.__SWEFLOW_AVA_WRAP__(${m})`);
}

export interface PrewarmResult {
  files: number;
  written: number;
  ms: number;
  /**
   * Function manifest per repo-relative file (the instrumenter's, as `locateFunctions` gives for the
   * file on disk), for every file instrumented here or found in the cache with one; not for files
   * whose code the runner rewrites (ava test files).
   */
  functions: Record<string, FunctionInfo[]>;
}

/**
 * Instruments every source file once, here, into the cache the runner processes read: with one
 * process (or worker) per test file, each would otherwise load Babel and instrument the shared
 * sources again. Keys and entries match runtime/node-test-instrument.cjs exactly; entries written
 * here also keep the file's function manifest, so trace() need not parse the file again.
 */
export async function prewarmInstrumentCache(
  facts: RepoFacts,
  instrumenterPath: string,
  options: { rewrite?: (relFile: string, code: string) => string } = {},
): Promise<PrewarmResult> {
  const started = performance.now();
  const cacheDir = instrumentCacheDir();
  const tracerKey = createHash('sha1').update(await readFile(instrumenterPath)).digest('hex');
  const root = path.resolve(facts.root);
  const files = await listSourceFiles(facts);
  const functions: Record<string, FunctionInfo[]> = {};
  let written = 0;
  for (const rel of files) {
    const abs = path.join(root, rel);
    let original: string;
    try {
      original = await readFile(abs, 'utf8');
    } catch {
      continue;
    }
    const code = options.rewrite ? options.rewrite(rel, original) : original;
    // The manifest describes the file as it is on disk; a rewritten file's is left to trace().
    const keepManifest = code === original;
    const key = createHash('sha1').update(tracerKey).update('\0').update(abs).update('\0').update(code).digest('hex');
    const target = path.join(cacheDir, key.slice(0, 2), `${key}.json`);
    // A missing or unreadable entry is a miss (written again below).
    const cached = await readFile(target, 'utf8')
      .then((text) => JSON.parse(text) as { code: string | null; file?: string; functions?: FunctionInfo[] })
      .catch(() => undefined);
    if (cached) {
      if (keepManifest && cached.file && cached.functions) functions[cached.file] = cached.functions;
      continue;
    }
    let entry: { code: string | null; file?: string; functions?: FunctionInfo[] } = { code: null };
    try {
      const r = instrumentSource(code, abs, { root });
      if (r) {
        const out = r.code + (r.map ? `\n//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify(r.map)).toString('base64')}` : '');
        entry = { code: out, file: r.file, functions: r.functions };
        if (keepManifest) functions[r.file] = r.functions;
      }
    } catch {
      continue; // the runner process tries again and warns
    }
    await mkdir(path.dirname(target), { recursive: true });
    const tmp = `${target}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(entry));
    await rename(tmp, target);
    written++;
  }
  return { files: files.length, written, ms: performance.now() - started, functions };
}

/** Files that Node (or a loader such as tsx) may load as ES modules. */
const ESM_CANDIDATE = /\.(mjs|mts|cts|ts|tsx|jsx)$/;

/**
 * Whether a traced run needs swe-flow's ES module hooks (`module.register`). They run in a loader
 * thread that every `import()` (mocha loads spec files that way, too) waits on, which cost a
 * CommonJS repository more than the instrumentation itself. Off only when nothing can load as ESM:
 * no package.json (root or nested, outside node_modules) says `"type": "module"`, and there is no
 * .mjs/.mts/.ts-like file outside node_modules; CommonJS is instrumented by the `_compile` patch.
 */
export async function needsEsmHooks(facts: RepoFacts): Promise<boolean> {
  if (facts.packageJson.type === 'module') return true;
  const own = facts.files.filter((f) => !isInNodeModules(f));
  if (own.some((f) => ESM_CANDIDATE.test(f))) return true;
  for (const f of own) {
    if (f === 'package.json' || !f.endsWith('/package.json')) continue;
    try {
      if ((JSON.parse(await readFile(path.join(facts.root, f), 'utf8')) as { type?: unknown }).type === 'module') return true;
    } catch {
      return true; // unreadable: assume it could
    }
  }
  return false;
}

/** Environment for runtime/node-test-preload.mjs: `SWEFLOW_ESM_HOOKS=0` skips the ES module hooks. */
export async function esmHooksEnv(facts: RepoFacts): Promise<Record<string, string>> {
  return (await needsEsmHooks(facts)) ? {} : { SWEFLOW_ESM_HOOKS: '0' };
}

/**
 * The adapter with `env` added to every plain command (the assignments of the repository's test
 * script): verification runs, evaluation and the task's recorded test command all carry it.
 */
export function withRunEnv<A extends { plainCommand(ctx: PlainRunContext): CommandSpec }>(adapter: A, env: Record<string, string>): A {
  if (Object.keys(env).length === 0) return adapter;
  return {
    ...adapter,
    plainCommand: (ctx: PlainRunContext) => {
      const spec = adapter.plainCommand(ctx);
      return { ...spec, env: { ...env, ...(spec.env ?? {}) } };
    },
  };
}

/**
 * The adapter with `files` (the test script's spec globs) run whenever a plain command selects nothing:
 * the untraced whole-suite run and the task's recorded test command run what the script runs.
 */
export function withDefaultFiles<A extends { plainCommand(ctx: PlainRunContext): CommandSpec }>(adapter: A, files: readonly string[]): A {
  if (files.length === 0) return adapter;
  return {
    ...adapter,
    plainCommand: (ctx: PlainRunContext) =>
      adapter.plainCommand(ctx.selection.files.length === 0 && ctx.selection.testIds.length === 0 ? { ...ctx, selection: { files: [...files], testIds: [] } } : ctx),
  };
}

/**
 * The adapter with `args` (runner options of the repository's test script, such as mocha's `--ui tdd`)
 * added to every plain command: the untraced run, verification, evaluation and the task's test command.
 */
export function withRunnerArgs<A extends { plainCommand(ctx: PlainRunContext): CommandSpec }>(adapter: A, args: readonly string[]): A {
  if (args.length === 0) return adapter;
  return {
    ...adapter,
    plainCommand: (ctx: PlainRunContext) => {
      const spec = adapter.plainCommand(ctx);
      return { ...spec, args: [...spec.args, ...args] };
    },
  };
}
