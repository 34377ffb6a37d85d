/**
 * node-tap 16 (nyc-based) and 18–21 (the `tap` package with @tapjs plugins): detection, test files
 * from `tap list` (its config, its defaults; tap 16: its `test-regex` and `test-ignore`), plain commands that run tap's own bin with its TAP reporter on stdout, parsed
 * with tap-parser (node-tap's own TAP parser; subtests are nested TAP 14), selection with one `--grep`
 * per title level, and a traced run: every test process tap starts gets the instrumenting preload
 * and swe-flow's root hooks (`tap-hooks.ts`) through `--node-arg`. Coverage is turned off in every run.
 * tap runs each file in a process of its own, so tree batches are a run over every tree's files.
 */
import { mkdir, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { Parser, type EventLog, type Result } from 'tap-parser';
import { ErrorCodes, SweFlowError, formatTestId, type CommandSpec, type TestResult, type TestStatus } from '@swe-flow/core';
import { DETECTION, type PlainRunContext, type RepoFacts, type RunnerAdapter, type TracedRunContext, type TracedRunOutput } from '../adapter.js';
import { binScriptCommand, PACKAGE_VERSION_SCRIPT } from './bin-launch.js';
import { findInstalledRunner } from './runner-bin.js';
import { tapHooksImport } from './tap-hooks.js';
import {
  allScripts,
  collectTracedRun,
  declaredDeps,
  exactAlternation,
  instrumenterModule,
  prewarmInstrumentCache,
  runtimeDir,
  selectionFiles,
  testScript,
  toRepoRelative,
  tail,
  tracedEnv,
  withRunnerOutput,
} from './runner-kit.js';
import { withTitleExclusion } from '../test-exclusions.js';

export function detectTap(facts: RepoFacts): number {
  const deps = declaredDeps(facts.packageJson);
  if (!deps.has('tap') && !/(^|[\s/])tap(\s|$)/.test(allScripts(facts.packageJson))) return 0;
  let score = deps.has('tap') ? DETECTION.dependency : DETECTION.scriptOnly;
  if (/(^|[\s/;&])tap(\s|$)/.test(testScript(facts.packageJson))) score += DETECTION.config;
  // tap's config weighs what a script naming the runner weighs elsewhere: the test script calling tap is the stronger sign.
  if ('tap' in facts.packageJson || facts.files.includes('.taprc')) score += DETECTION.script;
  return Math.min(score, 1);
}

/**
 * Options every run gets: TAP on stdout, no coverage (it slows every process down and can fail a run),
 * no per-file time limit of tap's own (30 s by default; on a machine at load 35 one whole-suite run of
 * the fixture reported no test at all, likely that limit): swe-flow's wall-clock limit kills a run that hangs.
 */
const RUN_OPTIONS = ['--reporter=tap', '--disable-coverage', '--allow-empty-coverage', '--no-color', '--timeout=0'];

/** The same for tap 15-16 (nyc coverage, which also checks thresholds unless told not to). */
const RUN_OPTIONS_16 = ['--reporter=tap', '--no-coverage', '--no-check-coverage', '--no-color', '--timeout=0'];

/** tap before 18 (the nyc-based node-tap): other option names, no `tap list`. */
const isLegacyTap = (major: number) => major < 18;

/** The major of the tap installed in `root`; without one, taken as the newest. */
const installedTapMajor = (root: string): number => findInstalledRunner(root, 'tap')?.major ?? 21;

const runOptions = (major: number) => (isLegacyTap(major) ? RUN_OPTIONS_16 : RUN_OPTIONS);

/**
 * `command` with the run options of the tap installed where it runs appended: the plain command is
 * made without the repository at hand (it runs in task checkouts and containers too), so the
 * installed version is read when it starts.
 */
function withInstalledTapOptions(command: CommandSpec): CommandSpec {
  const pick = `v=$(node -e "$1" tap) && shift && if [ "\${v%%.*}" -lt 18 ] 2>/dev/null; then set -- "$@" ${RUN_OPTIONS_16.join(' ')}; else set -- "$@" ${RUN_OPTIONS.join(' ')}; fi && exec "$@"`;
  return { command: 'sh', args: ['-c', pick, 'sweflow-tap', PACKAGE_VERSION_SCRIPT, command.command, ...command.args] };
}

interface TestNode {
  name: string;
  result: Result;
  /** Events of the subtest's own TAP, when it had any. */
  events?: EventLog;
}

/** The test points of one TAP level: asserts closing a subtest, and skipped points (tests a filter left out). */
function testNodes(events: EventLog): TestNode[] {
  const out: TestNode[] = [];
  let child: EventLog | undefined;
  for (const ev of events) {
    if (ev[0] === 'child') child = ev[1] as EventLog;
    else if (ev[0] === 'assert') {
      const res = ev[1] as Result;
      if (res.closingTestPoint && child) out.push({ name: res.name, result: res, events: child });
      else if (res.skip || res.todo) out.push({ name: res.name, result: res });
      child = undefined;
    }
  }
  return out;
}

function failureText(node: TestNode): string {
  const lines: string[] = [];
  const walk = (events: EventLog, depth: number) => {
    for (const ev of events) {
      if (ev[0] === 'child') walk(ev[1] as EventLog, depth + 1);
      else if (ev[0] === 'assert') {
        const r = ev[1] as Result;
        if (!r.ok && !r.todo && !r.skip && !r.closingTestPoint) lines.push(`${r.name}${r.diag ? `\n${JSON.stringify(r.diag, null, 1)}` : ''}`);
      }
    }
  };
  if (node.events) walk(node.events, 0);
  return (lines.join('\n') || `not ok - ${node.name}`).slice(0, 4000);
}

function collectLeaves(node: TestNode, titlePath: string[], file: string, out: TestResult[]): void {
  const subtests = node.events ? testNodes(node.events) : [];
  if (subtests.length > 0) {
    for (const s of subtests) collectLeaves(s, [...titlePath, s.name], file, out);
    return;
  }
  const r = node.result;
  const status: TestStatus = r.skip || r.todo ? 'skipped' : r.ok ? 'passed' : 'failed';
  const result: TestResult = { id: formatTestId(file, titlePath), file, titlePath, status, durationMs: typeof r.time === 'number' ? r.time : 0 };
  if (status === 'failed') result.error = failureText(node);
  out.push(result);
}

/**
 * Parses tap's TAP report: the top level has one subtest per test file (named by its path); below
 * it, the tests are the subtests, and the results are the tests without subtests of their own.
 */
export function parseTapResults(text: string, root: string): TestResult[] {
  if (!/^TAP version/m.test(text)) {
    throw new SweFlowError(ErrorCodes.RESULTS_UNREADABLE, 'tap result file is not TAP; check that the run used --reporter=tap and wrote stdout to the result file');
  }
  const out: TestResult[] = [];
  for (const fileNode of testNodes(Parser.parse(text))) {
    if (!fileNode.events) continue;
    const file = toRepoRelative(root, fileNode.name);
    const tests = testNodes(fileNode.events);
    if (tests.length > 0) for (const t of tests) collectLeaves(t, [t.name], file, out);
    else if (hasAsserts(fileNode.events)) collectLeaves(fileNode, [], file, out);
  }
  return out;
}

/**
 * Whether a level has assertions of its own: a test file that only asserts at its top level (`t.match(...)`,
 * no `t.test`) is one test, with the file's id (`test/index.js`), passing when the file's TAP passes.
 */
function hasAsserts(events: EventLog): boolean {
  return events.some((ev) => ev[0] === 'assert' && !(ev[1] as Result).closingTestPoint);
}

/** One `--grep` per title level: level k matches the k-th titles of the selected ids (a superset, narrowed by the caller). */
function selectionArgs(selection: PlainRunContext['selection']): string[] {
  const paths = selection.testIds.map((id) => id.split(' > ').slice(1));
  const depth = Math.max(0, ...paths.map((p) => p.length));
  const args: string[] = [];
  for (let k = 0; k < depth; k++) {
    const names = paths.map((p) => p[k]).filter((n): n is string => n !== undefined);
    args.push(`--grep=${exactAlternation(names)}`);
  }
  return [...args, ...selectionFiles(selection)];
}

/** How deep the exclusion's `--grep` reaches: tap filters each level of subtests by its own grep. */
const EXCLUDE_LEVELS = 4;

/**
 * `--exclude-test` for a whole-suite run: the same negative `--grep` at every level, so a test whose
 * own title matches never starts (tap reports it skipped); a pattern spanning several titles is
 * filtered after the run only.
 */
export function tapExcludeArgs(exclude: readonly string[] = []): string[] {
  const pattern = withTitleExclusion(undefined, exclude);
  return pattern ? Array.from({ length: EXCLUDE_LEVELS }, () => `--grep=${pattern}`) : [];
}

export function tapPlainCommand(ctx: PlainRunContext): CommandSpec {
  const select = ctx.selection.testIds.length > 0 ? selectionArgs(ctx.selection) : [...tapExcludeArgs(ctx.exclude), ...selectionArgs(ctx.selection)];
  return withInstalledTapOptions(binScriptCommand('tap', 'tap', select, { resultFile: ctx.resultFile, redirectStdout: true }));
}

/** tap 15-16 have no `tap list`: their `test-regex` and `test-ignore` (from `--dump-config`) over the repository's files. */
async function listLegacyTapTestFiles(facts: RepoFacts): Promise<string[]> {
  const dump = binScriptCommand('tap', 'tap', ['--dump-config']);
  const r = await execa(dump.command, dump.args, { cwd: facts.root, reject: false, stdin: 'ignore', env: facts.env });
  const value = (key: string) => new RegExp(`^${key}: (.*)$`, 'm').exec(String(r.stdout))?.[1]?.trim().replace(/^(['"])(.*)\1$/, '$2');
  const include = value('test-regex');
  if (r.exitCode !== 0 || !include) {
    throw new SweFlowError(ErrorCodes.TRACE_FAILED, `tap --dump-config failed (exit ${r.exitCode}); install the repository's dependencies first`, { details: { stderr: String(r.stderr).slice(-2000) } });
  }
  const ignore = value('test-ignore');
  const inc = new RegExp(include);
  const exc = ignore ? new RegExp(ignore) : undefined;
  return facts.files.filter((f) => !f.split('/').some(isLegacyTapSkippedFolder) && inc.test(f) && !exc?.test(f)).sort();
}

/**
 * Folders tap 16 never looks for tests in, whatever its `test-regex` says (its `bin/run.js`): its own
 * snapshots (`tap-snapshots/test/foo.js.test.cjs` match the default regex), fixtures, `tap-testdir-*`.
 */
const isLegacyTapSkippedFolder = (part: string): boolean =>
  part === 'node_modules' || part === 'tap-snapshots' || part === 'fixtures' || part.startsWith('.') || part.startsWith('tap-testdir-');

/** The files tap itself would run (`tap list`: its config, its defaults). */
export async function listTapTestFiles(facts: RepoFacts): Promise<string[]> {
  if (isLegacyTap(installedTapMajor(facts.root))) return listLegacyTapTestFiles(facts);
  const list = binScriptCommand('tap', 'tap', ['list']);
  const r = await execa(list.command, list.args, { cwd: facts.root, reject: false, stdin: 'ignore', env: facts.env });
  if (r.exitCode !== 0) {
    throw new SweFlowError(ErrorCodes.TRACE_FAILED, `tap list failed (exit ${r.exitCode}); install the repository's dependencies first`, { details: { stderr: String(r.stderr).slice(-2000) } });
  }
  return String(r.stdout).split('\n').map((l) => l.trim()).filter(Boolean).map((f) => toRepoRelative(facts.root, f)).sort();
}

async function runTapTraced(ctx: TracedRunContext): Promise<TracedRunOutput> {
  const root = ctx.facts.root;
  const instrumenter = await instrumenterModule();
  const testFiles = await listTapTestFiles(ctx.facts);
  if (testFiles.length === 0) throw new SweFlowError(ErrorCodes.NO_TESTS, `no tap test files found in ${root}; check tap's include config`);
  const work = await mkdtemp(path.join(os.tmpdir(), 'sweflow-tap-'));
  const resultFile = path.join(work, 'results.tap');
  await mkdir(ctx.traceDir, { recursive: true });
  const { functions, ...warm } = await prewarmInstrumentCache(ctx.facts, instrumenter);
  ctx.logger.debug('instrumentation cache warmed', warm);
  const nodeArgs = [`--node-arg=--import=${path.join(runtimeDir(), 'node-test-preload.mjs')}`, `--node-arg=--import=${tapHooksImport()}`];
  const spec = binScriptCommand('tap', 'tap', [...runOptions(installedTapMajor(root)), ...nodeArgs, ...tapExcludeArgs(ctx.exclude), ...testFiles], { resultFile, redirectStdout: true });
  // A file that only asserts at its top level is one test; the recorder charges what its body calls to
  // that file's tests (its setup), not to module load, as for every test file the preload announces.
  return collectTracedRun({
    runner: 'tap', command: spec.command, args: spec.args, root, ctx, resultFile, work, parse: parseTapResults, testFiles, functions, explain: explainTapFailure,
    env: await tracedEnv(ctx, root, instrumenter, 'tap', { SWEFLOW_TEST_FILES: JSON.stringify(testFiles) }),
  });
}

/** What tap 18+ prints when its config names a plugin it cannot install (`@tapjs/run` get-install-set). */
const PLUGIN_NOT_INSTALLABLE = /Cannot install (\S+?)\.\s*\n\s*Version not found, or incompatible with the current tap version/;

/**
 * A tap 18+ run that stopped before any test because the plugin its config names is not installed and
 * tap could not install it (isaacs/node-lru-cache: `.taprc` names `@tapjs/clock`, which is in no
 * package.json; tap installs plugins into `.tap/plugins` on its first run, at the version whose
 * peerDependencies match the installed `@tapjs/core`, and the registry had none).
 */
export function explainTapFailure(output: string, logFile?: string): SweFlowError | undefined {
  const plugin = PLUGIN_NOT_INSTALLABLE.exec(output.replace(/\x1b\[[0-9;]*m/g, ''))?.[1];
  if (!plugin) return undefined;
  const message = `tap stopped before running any test: its config (.taprc, or "tap" in package.json) names the plugin ${plugin}, which is not installed, and tap could not install it (it looks for the version of ${plugin} made for the installed @tapjs/core and the registry has none). Add ${plugin} to devDependencies at the version whose peerDependencies name the lockfile's @tapjs/core, or update tap and the lockfile together, then run again`;
  return new SweFlowError(ErrorCodes.RUNNER_PLUGIN_UNAVAILABLE, withRunnerOutput(message, 'tap', output, logFile), { details: { plugin, logTail: tail(output), ...(logFile ? { logFile } : {}) } });
}

export const tapAdapter: RunnerAdapter = {
  name: 'tap',
  detect: detectTap,
  listTestFiles: listTapTestFiles,
  plainCommand: tapPlainCommand,
  parseResults: parseTapResults,
  runTraced: runTapTraced,
  explainRunFailure: explainTapFailure,
};
