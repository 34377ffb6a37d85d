/**
 * mocha 5-11: detection, test files from mocha itself (the suite tree it loads), plain commands with
 * swe-flow's JSON reporter (title paths kept), and a traced run: a preload instruments CommonJS through
 * `Module.prototype._compile` and ES modules through `module.register`, root hooks bracket every test.
 * The user's `.mocharc*` (mocha 6+) or `test/mocha.opts` (before mocha 8) is read by mocha as usual
 * and never edited.
 *
 * What differs by major (read from the installed mocha's package.json): root hook plugins
 * (`--require` a file exporting `mochaHooks`) and `--parallel` arrived in mocha 8; before, the hooks
 * are root-level `beforeEach`/`afterEach` in a file given with `--file`. Every major ships the
 * in-process runner as the `_mocha` bin (`mocha` re-spawns node before mocha 8).
 */
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { ErrorCodes, SweFlowError, formatTestId, type CommandSpec, type TestResult, type TestStatus } from '@swe-flow/core';
import { DETECTION, type PlainRunContext, type RepoFacts, type RunnerAdapter, type TracedRunContext, type TracedRunOutput } from '../adapter.js';
import { MOCHA_REPORTER_CJS, MOCHA_REPORTER_NAME, mochaReporterImport } from './mocha-reporter.js';
import { binLink, requireInstalledRunner, runnerBinFile, type InstalledRunner } from './runner-bin.js';
import {
  allScripts,
  declaredDeps,
  exactAlternation,
  instrumenterModule,
  prewarmInstrumentCache,
  runtimeDir,
  selectionFiles,
  toRepoRelative,
  collectTracedRun,
  tracedEnv,
  tail,
} from './runner-kit.js';
import { withTitleExclusion } from '../test-exclusions.js';
import { hasMochaConfig } from './mocha-options.js';

/** The bins that run mocha in this process, in order of preference. */
const MOCHA_BINS = ['_mocha', 'mocha'];

function installedMocha(root: string): InstalledRunner & { binFile: string } {
  const mocha = requireInstalledRunner(root, 'mocha');
  return { ...mocha, binFile: runnerBinFile(mocha, MOCHA_BINS) };
}

export function detectMocha(facts: RepoFacts): number {
  const deps = declaredDeps(facts.packageJson);
  const scripts = allScripts(facts.packageJson);
  if (!deps.has('mocha') && !/\bmocha\b/.test(scripts)) return 0;
  let score = deps.has('mocha') ? DETECTION.dependency : DETECTION.scriptOnly;
  if (hasMochaConfig(facts)) score += DETECTION.config;
  if (/\bmocha\b/.test(scripts)) score += DETECTION.script;
  return Math.min(score, 1);
}

interface MochaJson {
  tests?: { file?: string; titlePath?: string[]; state?: string; duration?: number; err?: string }[];
}

function mochaStatus(state: string | undefined): TestStatus {
  if (state === 'passed') return 'passed';
  if (state === 'failed') return 'failed';
  return 'skipped';
}

/** Parses `sweflow-json` output: ids `file > describe > ... > test`. */
export function parseMochaResults(text: string, root: string): TestResult[] {
  let json: MochaJson;
  try {
    json = JSON.parse(text) as MochaJson;
  } catch (cause) {
    throw new SweFlowError(ErrorCodes.RESULTS_UNREADABLE, 'mocha result file is not JSON; check that the run used the sweflow-json reporter', { cause });
  }
  const out: TestResult[] = [];
  const seen = new Map<string, number>();
  for (const t of json.tests ?? []) {
    const file = toRepoRelative(root, t.file ?? '');
    const titlePath = t.titlePath ?? [];
    const id = formatTestId(file, titlePath);
    const status = mochaStatus(t.state);
    const result: TestResult = { id, file, titlePath, status, durationMs: t.duration ?? 0 };
    if (status === 'failed' && t.err) result.error = t.err;
    // A failing after-each hook reports a test a second time: the failure wins.
    const prev = seen.get(id);
    if (prev !== undefined) {
      if (status === 'failed') out[prev] = result;
      continue;
    }
    seen.set(id, out.length);
    out.push(result);
  }
  return out;
}

/** `--reporter-options` (plural) is the spelling every major from 5 to 11 accepts. */
function reporterArgs(resultFile: string, reporter = MOCHA_REPORTER_NAME, extra = ''): string[] {
  return ['--reporter', reporter, '--reporter-options', `output=${resultFile}${extra}`];
}

/**
 * A per-test limit for mocha: `--timeout` (over the config's, `timeout: false` included) and `--exit`, and the
 * reporter's `maxTimeout` option, which also holds against `this.timeout(0)` or a larger value set in a
 * suite, hook or test (see the reporter).
 */
function timeoutArgs(testTimeoutMs: number | undefined): string[] {
  // `--exit` (mocha 4+): a test cut by the limit often leaves its timers behind, which would keep the
  // process alive after the results are written; mocha does not end it by itself.
  return testTimeoutMs ? [`--timeout=${testTimeoutMs}`, '--exit'] : [];
}

/** The reporter's options of a run: the per-test limit, and listing the tests `--exclude-test` left out. */
function reporterExtra(testTimeoutMs: number | undefined, exclude: readonly string[] | undefined): string {
  return `${testTimeoutMs ? `,maxTimeout=${testTimeoutMs}` : ''}${exclude?.length ? ',listFiltered=1' : ''}`;
}

/** mocha matches `--grep` against the titles joined by spaces; excluded titles are left out by the same pattern. */
function selectionArgs(selection: PlainRunContext['selection'], exclude?: readonly string[]): string[] {
  const args: string[] = [];
  const names = selection.testIds.map((id) => id.split(' > ').slice(1).join(' '));
  const pattern = withTitleExclusion(names.length > 0 ? exactAlternation(names) : undefined, exclude);
  if (pattern) args.push('--grep', pattern);
  return [...args, ...selectionFiles(selection)];
}

/**
 * The plain run: the reporter is written next to the result file and named by path, and mocha starts
 * from its `_mocha` link, so the command holds for every major and needs nothing of swe-flow's.
 */
export function mochaPlainCommand(ctx: PlainRunContext): CommandSpec {
  const resultFile = ctx.resultFile.split(path.sep).join('/');
  const reporter = path.posix.join(path.posix.dirname(resultFile), 'sweflow-mocha-reporter.cjs');
  const script = 'mkdir -p -- "$(dirname -- "$2")" && printf %s "$1" > "$2" && shift 2 && exec "$@"';
  return {
    command: 'sh',
    args: ['-c', script, 'sweflow-run', MOCHA_REPORTER_CJS, reporter, binLink('_mocha'), ...reporterArgs(resultFile, reporter, reporterExtra(ctx.testTimeoutMs, ctx.exclude)), ...timeoutArgs(ctx.testTimeoutMs), ...selectionArgs(ctx.selection, ctx.exclude)],
  };
}

/** `--no-parallel` where mocha knows it (8+): one process, whatever the repository's config says. */
function serialArgs(mocha: InstalledRunner): string[] {
  return mocha.major >= 8 ? ['--no-parallel'] : [];
}

/** The files mocha itself would run (its config, its defaults): the suite tree it loads, listed by the reporter. */
export async function listMochaTestFiles(facts: RepoFacts, specFiles: readonly string[] = [], runnerArgs: readonly string[] = []): Promise<string[]> {
  const mocha = installedMocha(facts.root);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sweflow-mocha-list-'));
  const out = path.join(dir, 'list.json');
  const r = await execa('node', ['--import', mochaReporterImport(), mocha.binFile, ...serialArgs(mocha), ...reporterArgs(out, MOCHA_REPORTER_NAME, ',list=1'), ...runnerArgs, ...specFiles], {
    cwd: facts.root,
    reject: false,
    stdin: 'ignore',
    env: facts.env,
  });
  let text: string;
  try {
    text = await readFile(out, 'utf8');
  } catch (cause) {
    throw new SweFlowError(ErrorCodes.TRACE_FAILED, `mocha ${mocha.version} loaded no test files (exit ${r.exitCode}); check that its spec files load:\n${tail(`${String(r.stdout)}\n${String(r.stderr)}`)}`, {
      cause,
      details: { stderr: String(r.stderr).slice(-2000) },
    });
  }
  await rm(dir, { recursive: true, force: true });
  const json = JSON.parse(text) as MochaJson;
  return [...new Set((json.tests ?? []).map((t) => toRepoRelative(facts.root, t.file ?? '')))].filter(Boolean).sort();
}

async function runMochaTraced(ctx: TracedRunContext): Promise<TracedRunOutput> {
  const root = ctx.facts.root;
  const rt = runtimeDir();
  const instrumenter = await instrumenterModule();
  // mocha's dry run (a process of its own) lists the test files while the sources are instrumented here.
  const listing = listMochaTestFiles(ctx.facts, ctx.specFiles, ctx.runnerArgs);
  listing.catch(() => undefined); // awaited below; not unhandled if instrumenting throws first
  let prewarm;
  try {
    prewarm = await prewarmInstrumentCache(ctx.facts, instrumenter);
  } finally {
    await listing.catch(() => undefined);
  }
  const { functions, ...warm } = prewarm;
  ctx.logger.debug('instrumentation cache warmed', warm);
  const testFiles = await listing;
  const work = await mkdtemp(path.join(os.tmpdir(), 'sweflow-mocha-'));
  const resultFile = path.join(work, 'results.json');
  await mkdir(ctx.traceDir, { recursive: true });
  const mocha = installedMocha(root);
  const args = [
    '--import',
    path.join(rt, 'node-test-preload.mjs'),
    '--import',
    mochaReporterImport(),
    mocha.binFile,
    // One process: the reporter switches the recorder's current file, and hooks run where tests run.
    ...serialArgs(mocha),
    // Root hook plugins from mocha 8; before, root-level hooks in a file loaded ahead of the specs.
    ...(mocha.major >= 8 ? ['--require', path.join(rt, 'mocha-hooks.cjs')] : ['--file', path.join(rt, 'mocha-hooks-legacy.cjs')]),
    ...reporterArgs(resultFile, MOCHA_REPORTER_NAME, reporterExtra(ctx.testTimeoutMs, ctx.exclude)),
    ...(ctx.runnerArgs ?? []),
    // After the test script's options: swe-flow's limit wins over a `--timeout 0` there.
    ...timeoutArgs(ctx.testTimeoutMs),
    ...selectionArgs({ files: [], testIds: [] }, ctx.exclude),
    ...(ctx.specFiles ?? []),
  ];
  return collectTracedRun({
    runner: 'mocha', command: 'node', args, root, ctx, resultFile, work, parse: parseMochaResults, testFiles, functions,
    env: await tracedEnv(ctx, root, instrumenter, 'mocha', { SWEFLOW_TEST_FILES: JSON.stringify(testFiles) }),
  });
}

export const mochaAdapter: RunnerAdapter = {
  name: 'mocha',
  detect: detectMocha,
  listTestFiles: listMochaTestFiles,
  plainCommand: mochaPlainCommand,
  parseResults: parseMochaResults,
  runTraced: runMochaTraced,
};
