/**
 * uvu 0.5: detection, test files as uvu's CLI finds them (`uvu [dir] [pattern] -i …` of the test
 * script, uvu's default patterns), plain commands that run uvu's own bin with swe-flow's hooks module
 * (`uvu-hooks.ts`: results as JSON lines, selection by id; uvu has neither a reporter API nor a name
 * filter), and a traced run: the same, plus the preload that instruments sources. The bin always gets
 * `.` and an exact pattern of the files to run. uvu runs every file in one process, so tree batches
 * are one shared process.
 */
import { mkdir, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ErrorCodes, SweFlowError, formatTestId, type CommandSpec, type TestResult, type TestStatus } from '@swe-flow/core';
import { DETECTION, type PlainRunContext, type RepoFacts, type RunnerAdapter, type TracedRunContext, type TracedRunOutput } from '../adapter.js';
import { binScriptCommand } from './bin-launch.js';
import { uvuHooksImport } from './uvu-hooks.js';
import { runnerScript } from './runner-script.js';
import {
  allScripts,
  collectTracedRun,
  declaredDeps,
  exactAlternation,
  instrumenterModule,
  isInNodeModules,
  prewarmInstrumentCache,
  runtimeDir,
  selectionFiles,
  toRepoRelative,
  tracedEnv,
} from './runner-kit.js';

/** A script that calls uvu. */
export const CALLS_UVU = /(?:^|[\s/;&|(])uvu(?:\s|$)/;

export function detectUvu(facts: RepoFacts): number {
  const deps = declaredDeps(facts.packageJson);
  const scripts = allScripts(facts.packageJson);
  if (!deps.has('uvu') && !/\buvu\b/.test(scripts)) return 0;
  let score = deps.has('uvu') ? DETECTION.dependency : DETECTION.scriptOnly;
  if (CALLS_UVU.test(runnerScript(facts.packageJson, CALLS_UVU))) score += DETECTION.config;
  return Math.min(score, 1);
}

/** The options of `uvu [dir] [pattern] -i <ignore> -r <module>` in a script. */
export function uvuScriptArgs(script: string): { dir?: string; pattern?: string; ignores: string[]; requires: string[] } {
  const m = /(?:^|[\s/;&|(])uvu(?:\s+([^|&;]*))?(?:$|[|&;])/.exec(script);
  const out: { dir?: string; pattern?: string; ignores: string[]; requires: string[] } = { ignores: [], requires: [] };
  if (!m) return out;
  const tokens = (m[1] ?? '').trim().split(/\s+/).filter(Boolean).map((a) => a.replace(/^['"]|['"]$/g, ''));
  const positional: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const a = tokens[i]!;
    if (a === '-i' || a === '--ignore') out.ignores.push(tokens[++i] ?? '');
    else if (a === '-r' || a === '--require') out.requires.push(tokens[++i] ?? '');
    else if (a === '-C' || a === '--cwd') i++;
    else if (a.startsWith('--ignore=')) out.ignores.push(a.slice('--ignore='.length));
    else if (a.startsWith('--require=')) out.requires.push(a.slice('--require='.length));
    else if (!a.startsWith('-')) positional.push(a);
  }
  if (positional[0] !== undefined) out.dir = positional[0];
  if (positional[1] !== undefined) out.pattern = positional[1];
  out.ignores = out.ignores.filter(Boolean);
  out.requires = out.requires.filter(Boolean);
  return out;
}

/** uvu's own defaults (uvu/parse): a pattern over the path relative to the directory, case-insensitive. */
const DEFAULT_PATTERN_WITH_DIR = /(((?:[^/]*(?:\/|$))*)[\\/])?\w+\.([mc]js|[jt]sx?)$/;
const DEFAULT_PATTERN = /((\/|^)(tests?|__tests?__)\/.*|\.(tests?|spec)|^\/?tests?)\.([mc]js|[jt]sx?)$/i;

export async function listUvuTestFiles(facts: RepoFacts): Promise<string[]> {
  const args = uvuScriptArgs(runnerScript(facts.packageJson, CALLS_UVU));
  const dir = (args.dir ?? '.').replace(/^\.\/?/, '').replace(/\/$/, '');
  const pattern = args.pattern ? new RegExp(args.pattern, 'i') : args.dir ? DEFAULT_PATTERN_WITH_DIR : DEFAULT_PATTERN;
  const ignores = ['^.git', 'node_modules', ...args.ignores].map((x) => new RegExp(x, 'i'));
  const out: string[] = [];
  for (const f of facts.files) {
    if (isInNodeModules(f)) continue;
    if (dir && !f.startsWith(`${dir}/`)) continue;
    const name = dir ? f.slice(dir.length + 1) : f;
    // uvu tests every leading part of the path against its ignores as it walks down.
    const parts = name.split('/');
    if (parts.some((_, i) => ignores.some((r) => r.test(parts.slice(0, i + 1).join('/'))))) continue;
    if (pattern.test(name)) out.push(f);
  }
  return out.sort();
}

interface UvuLine {
  file: string;
  titlePath: string[];
  status: TestStatus;
  error?: string;
}

/** Parses the hooks' JSON lines into results `file > [suite] > title`. */
export function parseUvuResults(text: string, root: string): TestResult[] {
  const out: TestResult[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let row: UvuLine;
    try {
      row = JSON.parse(line) as UvuLine;
    } catch (cause) {
      throw new SweFlowError(ErrorCodes.RESULTS_UNREADABLE, 'uvu result line is not JSON; check that the run loaded swe-flow\'s uvu hooks', { cause });
    }
    const file = toRepoRelative(root, row.file);
    const result: TestResult = { id: formatTestId(file, row.titlePath), file, titlePath: row.titlePath, status: row.status, durationMs: 0 };
    if (row.error) result.error = row.error;
    out.push(result);
  }
  return out;
}

/** uvu's bin over exactly `files` (from `.`, so its names are the repository-relative paths). */
function fileArgs(files: readonly string[]): string[] {
  return files.length === 0 ? [] : ['.', exactAlternation(files)];
}

function uvuCommand(resultFile: string, select: string[] | null, args: string[], fromScript: boolean, preloads: string[] = [], exclude: readonly string[] = []): CommandSpec {
  const hooks = uvuHooksImport({ resultFile, select, fromScript, ...(exclude.length > 0 ? { exclude } : {}) });
  // As the main script: uvu 0.3 decides from process.argv, as it loads, whether its CLI runs it.
  return binScriptCommand('uvu', 'uvu', args, { resultFile, nodeArgs: [...preloads.flatMap((p) => ['--import', p]), '--import', hooks] });
}

export function uvuPlainCommand(ctx: PlainRunContext): CommandSpec {
  const select = ctx.selection.testIds.length > 0 ? [...new Set(ctx.selection.testIds)] : null;
  const files = selectionFiles(ctx.selection);
  return uvuCommand(ctx.resultFile, select, fileArgs(files), files.length === 0, [], ctx.exclude);
}

async function runUvuTraced(ctx: TracedRunContext): Promise<TracedRunOutput> {
  const root = ctx.facts.root;
  const instrumenter = await instrumenterModule();
  const testFiles = await listUvuTestFiles(ctx.facts);
  if (testFiles.length === 0) throw new SweFlowError(ErrorCodes.NO_TESTS, `no uvu test files found in ${root}; check the dir and pattern uvu gets in the test script`);
  const work = await mkdtemp(path.join(os.tmpdir(), 'sweflow-uvu-'));
  const resultFile = path.join(work, 'results.jsonl');
  await mkdir(ctx.traceDir, { recursive: true });
  const { functions, ...warm } = await prewarmInstrumentCache(ctx.facts, instrumenter);
  ctx.logger.debug('instrumentation cache warmed', warm);
  const { requires } = uvuScriptArgs(runnerScript(ctx.facts.packageJson, CALLS_UVU));
  const args = [...fileArgs(testFiles), ...requires.flatMap((r) => ['-r', r])];
  const spec = uvuCommand(resultFile, null, args, false, [path.join(runtimeDir(), 'node-test-preload.mjs')], ctx.exclude);
  return collectTracedRun({
    runner: 'uvu', command: spec.command, args: spec.args, root, ctx, resultFile, work, parse: parseUvuResults, testFiles, functions,
    env: await tracedEnv(ctx, root, instrumenter, 'uvu', { SWEFLOW_TEST_FILES: JSON.stringify(testFiles) }),
  });
}

export const uvuAdapter: RunnerAdapter = {
  name: 'uvu',
  detect: detectUvu,
  listTestFiles: listUvuTestFiles,
  plainCommand: uvuPlainCommand,
  parseResults: parseUvuResults,
  runTraced: runUvuTraced,
};
