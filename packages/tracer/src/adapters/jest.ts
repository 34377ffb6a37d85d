/**
 * jest 30 (with ts-jest or babel-jest): detection, `--listTests`, plain commands with `--json
 * --outputFile --testLocationInResults`, result parsing, and a traced run that wraps every configured
 * transformer (instrument first, then the repository's own transformer) and adds a setup file with
 * per-test hooks, all through CLI flags: the user's config files are never edited.
 */
import { mkdir, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { ErrorCodes, SweFlowError, formatTestId, type CommandSpec, type TestResult, type TestStatus } from '@swe-flow/core';
import type { PlainRunContext, RepoFacts, RunnerAdapter, TracedRunContext, TracedRunOutput } from '../adapter.js';
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

export const JEST_BIN = 'node_modules/jest/bin/jest.js';

const CONFIG_FILE = /^jest\.config\.(c|m)?(j|t)s$|^jest\.config\.json$/;

export function detectJest(facts: RepoFacts): number {
  const deps = declaredDeps(facts.packageJson);
  const scripts = allScripts(facts.packageJson);
  let score = 0;
  if (deps.has('jest')) score += 0.6;
  if (hasFile(facts, CONFIG_FILE) || 'jest' in facts.packageJson) score += 0.3;
  if (/\bjest\b/.test(scripts)) score += 0.1;
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

/** Flags that select files and names; jest matches `-t` against the titles joined by spaces. */
function selectionArgs(ctx: PlainRunContext['selection']): string[] {
  const args: string[] = [];
  if (ctx.testIds.length > 0) {
    const names = ctx.testIds.map((id) => id.split(' > ').slice(1).join(' '));
    args.push('--testNamePattern', exactAlternation(names));
  }
  const files = selectionFiles(ctx);
  if (files.length > 0) args.push('--runTestsByPath', ...files);
  return args;
}

export function jestPlainCommand(ctx: PlainRunContext): CommandSpec {
  return shellWrapped(ctx.resultFile, 'node', [
    JEST_BIN,
    '--ci',
    '--no-watchman',
    '--json',
    `--outputFile=${ctx.resultFile}`,
    '--testLocationInResults',
    ...selectionArgs(ctx.selection),
  ]);
}

export async function listJestTestFiles(facts: RepoFacts): Promise<string[]> {
  const r = await execa('node', [JEST_BIN, '--listTests', '--json', '--no-watchman'], { cwd: facts.root, reject: false, stdin: 'ignore' });
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
  configs: { rootDir: string; transform?: [string, string, unknown][]; setupFilesAfterEnv?: string[] }[];
}

/** The repository's resolved project config, as jest itself prints it. */
async function showConfig(root: string, env: Record<string, string>): Promise<ShownConfig> {
  const r = await execa('node', [JEST_BIN, '--showConfig', '--no-watchman'], { cwd: root, reject: false, stdin: 'ignore', env });
  if (r.exitCode !== 0) {
    throw new SweFlowError(ErrorCodes.TRACE_FAILED, `jest --showConfig failed (exit ${r.exitCode}); the repository's jest config does not load`, {
      details: { stderr: String(r.stderr).slice(-2000) },
    });
  }
  const text = String(r.stdout);
  return JSON.parse(text.slice(text.indexOf('{'))) as ShownConfig;
}

async function runJestTraced(ctx: TracedRunContext): Promise<TracedRunOutput> {
  const root = ctx.facts.root;
  const env = { ...(ctx.env ?? {}) };
  const shown = await showConfig(root, env);
  const project = shown.configs[0];
  if (!project) throw new SweFlowError(ErrorCodes.TRACE_FAILED, 'jest --showConfig printed no project config');
  const rt = runtimeDir();
  const instrumenter = await instrumenterModule();
  const work = await mkdtemp(path.join(os.tmpdir(), 'sweflow-jest-'));
  const transformerPath = path.join(rt, 'jest-transformer.cjs');
  // Every configured transformer is wrapped; JS files with no transformer still get instrumented.
  const transform: Record<string, [string, Record<string, unknown>]> = {};
  for (const [pattern, inner, options] of project.transform ?? []) {
    transform[pattern] = [transformerPath, { inner, innerOptions: options ?? {} }];
  }
  const jsPattern = '\\.[cm]?jsx?$';
  if (!Object.keys(transform).some((p) => new RegExp(p).test('x.js'))) transform[jsPattern] = [transformerPath, { inner: null, innerOptions: {} }];
  const setupFiles = [...(project.setupFilesAfterEnv ?? []), path.join(rt, 'jest-setup.cjs')];
  const resultFile = path.join(work, 'results.json');
  await mkdir(ctx.traceDir, { recursive: true });
  const args = [
    JEST_BIN,
    '--ci',
    '--no-watchman',
    '--json',
    `--outputFile=${resultFile}`,
    '--testLocationInResults',
    // Tests inside a worker one at a time (test.concurrent would mix edges); the number of workers
    // stays jest's own choice, as in the untraced run (each worker has its own recorder).
    '--maxConcurrency=1',
    '--transform',
    JSON.stringify(transform),
    // The option takes every following value: the repository's own setup files, then ours.
    '--setupFilesAfterEnv',
    ...setupFiles,
    '--',
  ];
  ctx.logger.debug('jest traced run', { args });
  return collectTracedRun({
    runner: 'jest', command: 'node', args, root, ctx, resultFile, work, parse: parseJestResults,
    env: { ...env, SWEFLOW_TRACE_DIR: ctx.traceDir, SWEFLOW_ROOT: root, SWEFLOW_INSTRUMENTER: instrumenter, SWEFLOW_RUNNER: 'jest' },
    testFiles: (text: string) => [...new Set(JSON.parse(text).testResults.map((s: { name: string }) => toRepoRelative(root, s.name)) as string[])].sort(),
  });
}

export const jestAdapter: RunnerAdapter = {
  name: 'jest',
  detect: detectJest,
  listTestFiles: listJestTestFiles,
  plainCommand: jestPlainCommand,
  parseResults: parseJestResults,
  runTraced: runJestTraced,
};
