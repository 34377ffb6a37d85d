/**
 * node:test (Node 20): detection from the test script (or, when a wrapper starts it, from test files
 * that import node:test), test files from the script's arguments or Node's default patterns (without
 * a script that calls `node --test`: the files of those patterns that import node:test), plain commands with swe-flow's JSON-lines reporter (Node 20's junit
 * reporter does not say which file a test belongs to), and a traced run: `node --import <preload>
 * --test`, one process per test file, instrumented files cached on disk by content hash.
 */
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ErrorCodes, SweFlowError, formatTestId, type CommandSpec, type TestResult } from '@swe-flow/core';
import { DETECTION, type PlainRunContext, type RepoFacts, type RunnerAdapter, type TracedRunContext, type TracedRunOutput } from '../adapter.js';
import {
  allScripts,
  exactAlternation,
  instrumenterModule,
  prewarmInstrumentCache,
  matchGlobs,
  runtimeDir,
  selectionFiles,
  shellWrapped,
  testScript,
  toRepoRelative,
  collectTracedRun,
  tracedEnv,
} from './runner-kit.js';
import { nodeTestExcludeArgs } from './node-test-exclude.js';

const NODE_TEST_SCRIPT = /\bnode\b[^|&;]*\s--test\b/;

export function detectNodeTest(facts: RepoFacts): number {
  const scripts = allScripts(facts.packageJson);
  if (NODE_TEST_SCRIPT.test(testScript(facts.packageJson))) return DETECTION.nodeTestScript;
  if (NODE_TEST_SCRIPT.test(scripts)) return DETECTION.nodeTestOtherScript;
  // No script calls `node --test` (a wrapper does: ai/nanoid's `bnt`), but test files import node:test.
  return nodeTestImporters(facts).length > 0 ? DETECTION.scriptOnly : 0;
}

/**
 * Whether every run must name the test files: the test script names them (`node --test ./tests/*.js`,
 * which Node 20 neither expands nor finds by default), or no script starts `node --test` (a wrapper does).
 */
export function nodeTestRunsListedFiles(packageJson: Record<string, unknown>): boolean {
  return scriptTestArgs(testScript(packageJson)).length > 0 || !NODE_TEST_SCRIPT.test(allScripts(packageJson));
}

/** An import or require of node:test (`from 'node:test'`, `require('node:test')`). */
const IMPORTS_NODE_TEST = /\bfrom\s*['"]node:test['"]|\brequire\(\s*['"]node:test['"]\s*\)|\bimport\(\s*['"]node:test['"]\s*\)/;

/** At most this many candidate files are read for detection. */
const CONTENT_SCAN_LIMIT = 500;

/**
 * The files of Node's default test patterns that import node:test: the test files when no script
 * names them (a wrapper starts `node --test`); scripts under test/ that import nothing of it
 * (benchmarks, checks) are not tests.
 */
export function nodeTestImporters(facts: RepoFacts): string[] {
  const out: string[] = [];
  for (const file of matchGlobs(facts.files, DEFAULT_PATTERNS).slice(0, CONTENT_SCAN_LIMIT)) {
    let text: string;
    try {
      text = readFileSync(path.join(facts.root, file), 'utf8');
    } catch {
      continue;
    }
    if (IMPORTS_NODE_TEST.test(text)) out.push(file);
  }
  return out;
}

/** One event line written by the reporter below. */
interface NodeTestEvent {
  type: 'test:pass' | 'test:fail';
  name: string;
  nesting: number;
  file?: string;
  skip?: boolean | string;
  todo?: boolean | string;
  suite?: boolean;
  durationMs?: number;
  error?: string;
}

/** A custom reporter (loaded as a `data:` module) that writes one JSON line per finished test or suite. */
export const NODE_TEST_REPORTER_SOURCE = `export default async function* sweflowReporter(source) {
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const d = event.data;
    const err = d.details && d.details.error;
    const cause = err && err.cause ? err.cause : err;
    yield JSON.stringify({
      type: event.type, name: d.name, nesting: d.nesting, file: d.file, skip: d.skip, todo: d.todo,
      suite: !!(d.details && d.details.type === 'suite'),
      durationMs: d.details && d.details.duration_ms,
      error: cause ? String((cause && (cause.stack || cause.message)) || cause).slice(0, 4000) : undefined,
    }) + '\\n';
  }
}
`;

export function nodeTestReporter(): string {
  return `data:text/javascript;base64,${Buffer.from(NODE_TEST_REPORTER_SOURCE).toString('base64')}`;
}

const NOT_SELECTED = 'test name does not match pattern';

interface Pending {
  nesting: number;
  titlePath: string[];
  event: NodeTestEvent;
}

/**
 * Rebuilds title paths from finished-events: a test's or suite's event arrives after those of its
 * children, so the entries at the tail with a deeper nesting are its descendants. Suites and tests
 * with subtests are containers, not results. Tests left out by `--test-name-pattern` are dropped.
 */
export function parseNodeTestResults(text: string, root: string): TestResult[] {
  const perFile = new Map<string, Pending[]>();
  const order: string[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let ev: NodeTestEvent;
    try {
      ev = JSON.parse(line) as NodeTestEvent;
    } catch (cause) {
      throw new SweFlowError(ErrorCodes.RESULTS_UNREADABLE, 'node:test result line is not JSON; check that the run used swe-flow reporter', { cause });
    }
    const file = ev.file ?? '';
    let list = perFile.get(file);
    if (!list) {
      perFile.set(file, (list = []));
      order.push(file);
    }
    let k = list.length;
    while (k > 0 && list[k - 1]!.nesting > ev.nesting) k--;
    const children = list.slice(k);
    if (children.length > 0 || ev.suite) {
      // The descendants now sit at the container's level: its later siblings must not claim them.
      for (const c of children) {
        c.titlePath.unshift(ev.name);
        c.nesting = ev.nesting;
      }
      continue;
    }
    // A file that failed to load is reported as a test named by the file itself.
    if (ev.nesting === 0 && ev.file && ev.name === ev.file) continue;
    list.push({ nesting: ev.nesting, titlePath: [ev.name], event: ev });
  }
  const out: TestResult[] = [];
  for (const absFile of order) {
    const file = toRepoRelative(root, absFile);
    for (const p of perFile.get(absFile) ?? []) {
      const ev = p.event;
      if (ev.skip === NOT_SELECTED) continue;
      const status = ev.skip || ev.todo ? 'skipped' : ev.type === 'test:pass' ? 'passed' : 'failed';
      const result: TestResult = { id: formatTestId(file, p.titlePath), file, titlePath: p.titlePath, status, durationMs: ev.durationMs ?? 0 };
      if (status === 'failed' && ev.error) result.error = ev.error;
      out.push(result);
    }
  }
  return out;
}

/**
 * Node 20 matches `--test-name-pattern` against each test's own name (suites always run to reach
 * their tests, and a matching suite would run all of them), so the pattern lists the tests' own
 * names. Same-named tests in other suites of the selected files run too; the caller keeps the ids
 * it asked for. A subtest made with `t.test()` only runs when its parent test runs, and a parent
 * that does not match is skipped with all its subtests: so the pattern also lists every ancestor
 * title. A matching parent runs all its subtests (and a matching suite all its tests): a superset,
 * which the caller narrows to its ids.
 */
function selectionArgs(selection: PlainRunContext['selection']): string[] {
  const args: string[] = [];
  if (selection.testIds.length > 0) {
    const titles = selection.testIds.flatMap((id) => id.split(' > ').slice(1));
    args.push(`--test-name-pattern=${exactAlternation(titles)}`);
  }
  return [...args, ...selectionFiles(selection)];
}

/**
 * node:test has no time limit by default: one hanging test would hold the whole run. Node 20 applies
 * `--test-timeout` to each file's subprocess as a whole, so a hanging file is cut and the rest runs.
 */
const testFileTimeoutArgs = (ms: number | undefined): string[] => (ms ? [`--test-timeout=${ms}`] : []);

export function nodeTestPlainCommand(ctx: PlainRunContext): CommandSpec {
  return shellWrapped(ctx.resultFile, 'node', [
    ...nodeTestExcludeArgs(ctx.exclude),
    '--test',
    `--test-reporter=${nodeTestReporter()}`,
    `--test-reporter-destination=${ctx.resultFile}`,
    // A base run's limit (per file on Node 20, as `testTimeLimitScope` says) over the trace's file limit.
    ...testFileTimeoutArgs(ctx.testTimeoutMs ?? ctx.testFileTimeoutMs),
    ...selectionArgs(ctx.selection),
  ]);
}

/** Node 20's defaults when `node --test` gets no files. */
const DEFAULT_PATTERNS = [
  '**/test/**/*.{js,cjs,mjs}',
  '**/*.test.{js,cjs,mjs}',
  '**/*-test.{js,cjs,mjs}',
  '**/*_test.{js,cjs,mjs}',
  '**/test-*.{js,cjs,mjs}',
  '**/test.{js,cjs,mjs}',
];

/** The file arguments of `node ... --test ARGS` in the test script (globs as the shell would expand). */
export function scriptTestArgs(script: string): string[] {
  const m = /\bnode\b([^|&;]*?)\s--test\b([^|&;]*)/.exec(script);
  if (!m) return [];
  return (m[2] ?? '')
    .trim()
    .split(/\s+/)
    .filter((a) => a && !a.startsWith('-'))
    .map((a) => a.replace(/^['"]|['"]$/g, ''));
}

export async function listNodeTestFiles(facts: RepoFacts): Promise<string[]> {
  const args = scriptTestArgs(testScript(facts.packageJson));
  // No script starts `node --test` itself: the files that import node:test (see detectNodeTest).
  if (args.length === 0 && !NODE_TEST_SCRIPT.test(allScripts(facts.packageJson))) return nodeTestImporters(facts);
  if (args.length === 0) return matchGlobs(facts.files, DEFAULT_PATTERNS);
  const out = new Set<string>();
  for (const arg of args) {
    const clean = arg.replace(/^\.\//, '');
    if (facts.files.includes(clean)) out.add(clean);
    else if (facts.files.some((f) => f.startsWith(`${clean.replace(/\/$/, '')}/`))) {
      for (const f of matchGlobs(facts.files, [`${clean.replace(/\/$/, '')}/**/*.{js,cjs,mjs}`])) out.add(f);
    } else for (const f of matchGlobs(facts.files, [clean])) out.add(f);
  }
  return [...out].sort();
}

async function runNodeTestTraced(ctx: TracedRunContext): Promise<TracedRunOutput> {
  const root = ctx.facts.root;
  const rt = runtimeDir();
  const instrumenter = await instrumenterModule();
  const testFiles = await listNodeTestFiles(ctx.facts);
  if (testFiles.length === 0) throw new SweFlowError(ErrorCodes.NO_TESTS, `no node:test files found in ${root}; check the test script`);
  const work = await mkdtemp(path.join(os.tmpdir(), 'sweflow-node-test-'));
  const resultFile = path.join(work, 'results.jsonl');
  await mkdir(ctx.traceDir, { recursive: true });
  const { functions, ...warm } = await prewarmInstrumentCache(ctx.facts, instrumenter);
  ctx.logger.debug('instrumentation cache warmed', warm);
  const args = [
    '--import',
    path.join(rt, 'node-test-preload.mjs'),
    ...nodeTestExcludeArgs(ctx.exclude),
    '--test',
    `--test-reporter=${nodeTestReporter()}`,
    `--test-reporter-destination=${resultFile}`,
    ...testFileTimeoutArgs(ctx.testFileTimeoutMs),
    ...testFiles,
  ];
  return collectTracedRun({
    runner: 'node:test', command: 'node', args, root, ctx, resultFile, work, parse: parseNodeTestResults, testFiles, functions,
    env: await tracedEnv(ctx, root, instrumenter, 'node-test'),
  });
}

export const nodeTestAdapter: RunnerAdapter = {
  name: 'node-test',
  detect: detectNodeTest,
  listTestFiles: listNodeTestFiles,
  plainCommand: nodeTestPlainCommand,
  parseResults: parseNodeTestResults,
  runTraced: runNodeTestTraced,
};
