/**
 * tape 5 (and 4): detection, test files from the test script's arguments (tape takes files and globs,
 * it has no defaults), plain commands that run tape's own bin with swe-flow's hooks module
 * (`tape-hooks.ts`: results as JSON lines from tape's result objects, selection by id), and a traced
 * run: the same, plus the preload that instruments sources and the recorder the hooks bracket every
 * test with. tape runs every file in one process, so tree batches are one shared process.
 */
import { mkdir, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ErrorCodes, SweFlowError, formatTestId, type CommandSpec, type TestResult, type TestStatus } from '@swe-flow/core';
import { DETECTION, type PlainRunContext, type RepoFacts, type RunnerAdapter, type TracedRunContext, type TracedRunOutput } from '../adapter.js';
import { binLaunchArgs } from './bin-launch.js';
import { tapeHooksImport } from './tape-hooks.js';
import { runnerScript } from './runner-script.js';
import {
  allScripts,
  collectTracedRun,
  declaredDeps,
  instrumenterModule,
  matchGlobs,
  prewarmInstrumentCache,
  runtimeDir,
  selectionFiles,
  shellWrapped,
  toRepoRelative,
  tracedEnv,
} from './runner-kit.js';

/** A script that calls tape (`tape …`, `nyc tape …`, `node_modules/.bin/tape …`). */
export const CALLS_TAPE = /(?:^|[\s/;&|(])tape\s/;

export function detectTape(facts: RepoFacts): number {
  const deps = declaredDeps(facts.packageJson);
  const scripts = allScripts(facts.packageJson);
  if (!deps.has('tape') && !/\btape\b/.test(scripts)) return 0;
  let score = deps.has('tape') ? DETECTION.dependency : DETECTION.scriptOnly;
  if (CALLS_TAPE.test(runnerScript(facts.packageJson, CALLS_TAPE))) score += DETECTION.config;
  return Math.min(score, 1);
}

/**
 * The file and glob arguments of the first `tape` command in a script (`tape 'test/*.js' | tap-spec`,
 * `tape -r esm test/index.js`), with the modules its `-r` options require.
 */
export function tapeScriptArgs(script: string): { files: string[]; requires: string[] } {
  const m = /(?:^|[\s/;&|(])tape\s+([^|&;]*)/.exec(script);
  const files: string[] = [];
  const requires: string[] = [];
  if (!m) return { files, requires };
  const tokens = (m[1] ?? '').trim().split(/\s+/).filter(Boolean).map((a) => a.replace(/^['"]|['"]$/g, ''));
  for (let i = 0; i < tokens.length; i++) {
    const a = tokens[i]!;
    if (a === '-r' || a === '--require') requires.push(tokens[++i] ?? '');
    else if (a.startsWith('--require=')) requires.push(a.slice('--require='.length));
    else if (a === '-i' || a === '--ignore' || a === '--ignore-pattern') i++;
    else if (!a.startsWith('-')) files.push(a);
  }
  return { files, requires: requires.filter(Boolean) };
}

export async function listTapeTestFiles(facts: RepoFacts): Promise<string[]> {
  const { files } = tapeScriptArgs(runnerScript(facts.packageJson, CALLS_TAPE));
  const out = new Set<string>();
  for (const arg of files) {
    const clean = arg.replace(/^\.\//, '');
    if (facts.files.includes(clean)) out.add(clean);
    else for (const f of matchGlobs(facts.files, [clean])) out.add(f);
  }
  return [...out].sort();
}

interface TapeLine {
  file: string;
  titlePath: string[];
  status: TestStatus;
  error?: string;
}

/** Parses the hooks' JSON lines (one per finished top-level test) into results `file > title`. */
export function parseTapeResults(text: string, root: string): TestResult[] {
  const out: TestResult[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let row: TapeLine;
    try {
      row = JSON.parse(line) as TapeLine;
    } catch (cause) {
      throw new SweFlowError(ErrorCodes.RESULTS_UNREADABLE, 'tape result line is not JSON; check that the run loaded swe-flow\'s tape hooks', { cause });
    }
    const file = toRepoRelative(root, row.file);
    const result: TestResult = { id: formatTestId(file, row.titlePath), file, titlePath: row.titlePath, status: row.status, durationMs: 0 };
    if (row.error) result.error = row.error;
    out.push(result);
  }
  return out;
}

function tapeCommand(resultFile: string, select: string[] | null, files: string[], preloads: string[] = [], exclude: readonly string[] = []): CommandSpec {
  const hooks = tapeHooksImport({ resultFile, select, fromScript: files.length === 0, ...(exclude.length > 0 ? { exclude } : {}) });
  const args = [...preloads.flatMap((p) => ['--import', p]), '--import', hooks, ...binLaunchArgs('tape', 'tape', files)];
  return shellWrapped(resultFile, 'node', args);
}

export function tapePlainCommand(ctx: PlainRunContext): CommandSpec {
  const select = ctx.selection.testIds.length > 0 ? [...new Set(ctx.selection.testIds)] : null;
  return tapeCommand(ctx.resultFile, select, selectionFiles(ctx.selection), [], ctx.exclude);
}

async function runTapeTraced(ctx: TracedRunContext): Promise<TracedRunOutput> {
  const root = ctx.facts.root;
  const instrumenter = await instrumenterModule();
  const testFiles = await listTapeTestFiles(ctx.facts);
  if (testFiles.length === 0) throw new SweFlowError(ErrorCodes.NO_TESTS, `no tape test files found in ${root}; the test script must name tape's files or globs`);
  const work = await mkdtemp(path.join(os.tmpdir(), 'sweflow-tape-'));
  const resultFile = path.join(work, 'results.jsonl');
  await mkdir(ctx.traceDir, { recursive: true });
  const { functions, ...warm } = await prewarmInstrumentCache(ctx.facts, instrumenter);
  ctx.logger.debug('instrumentation cache warmed', warm);
  const { requires } = tapeScriptArgs(runnerScript(ctx.facts.packageJson, CALLS_TAPE));
  const spec = tapeCommand(resultFile, null, [...requires.flatMap((r) => ['-r', r]), ...testFiles], [path.join(runtimeDir(), 'node-test-preload.mjs')], ctx.exclude);
  return collectTracedRun({
    runner: 'tape', command: spec.command, args: spec.args, root, ctx, resultFile, work, parse: parseTapeResults, testFiles, functions,
    env: await tracedEnv(ctx, root, instrumenter, 'tape', { SWEFLOW_TEST_FILES: JSON.stringify(testFiles) }),
  });
}

export const tapeAdapter: RunnerAdapter = {
  name: 'tape',
  detect: detectTape,
  listTestFiles: listTapeTestFiles,
  plainCommand: tapePlainCommand,
  parseResults: parseTapeResults,
  runTraced: runTapeTraced,
};
