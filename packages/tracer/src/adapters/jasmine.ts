/**
 * jasmine (the `jasmine` npm runner for Node, 4–7): detection, test files from jasmine's config
 * (`spec_dir` + `spec_files`), plain commands that run jasmine's own bin with swe-flow's reporter
 * (`jasmine-hooks.ts`, jasmine's reporter API; JSON lines) and a `--filter` over full names, and a
 * traced run: the same, plus the preload that instruments sources; the reporter brackets every spec.
 * jasmine runs every spec file in one process, so tree batches are one shared process.
 */
import { mkdir, mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { ErrorCodes, SweFlowError, formatTestId, type CommandSpec, type TestResult, type TestStatus } from '@swe-flow/core';
import { DETECTION, type PlainRunContext, type RepoFacts, type RunnerAdapter, type TracedRunContext, type TracedRunOutput } from '../adapter.js';
import { binLaunchArgs } from './bin-launch.js';
import { jasmineHooksImport } from './jasmine-hooks.js';
import { runnerScript } from './runner-script.js';
import {
  allScripts,
  collectTracedRun,
  declaredDeps,
  exactAlternation,
  instrumenterModule,
  matchGlobs,
  prewarmInstrumentCache,
  runtimeDir,
  selectionFiles,
  shellWrapped,
  testScript,
  toRepoRelative,
  tracedEnv,
} from './runner-kit.js';
import { withTitleExclusion } from '../test-exclusions.js';

export function detectJasmine(facts: RepoFacts): number {
  const deps = declaredDeps(facts.packageJson);
  const scripts = allScripts(facts.packageJson);
  if (!deps.has('jasmine') && !/\bjasmine\b/.test(scripts)) return 0;
  // karma-jasmine and jasmine-core alone mean a browser runner, not this one.
  let score = deps.has('jasmine') ? DETECTION.dependency : DETECTION.scriptOnly;
  if (facts.files.some((f) => /^spec\/support\/jasmine\.(json|js|mjs)$/.test(f))) score += DETECTION.config;
  if (CALLS_JASMINE.test(runnerScript(facts.packageJson, CALLS_JASMINE))) score += DETECTION.script;
  return Math.min(score, 1);
}

interface JasmineLine {
  file: string;
  titlePath: string[];
  status: TestStatus;
  durationMs?: number;
  error?: string;
}

/** Parses the reporter's JSON lines into results `file > suite > ... > spec`. */
export function parseJasmineResults(text: string, root: string): TestResult[] {
  const out: TestResult[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let row: JasmineLine;
    try {
      row = JSON.parse(line) as JasmineLine;
    } catch (cause) {
      throw new SweFlowError(ErrorCodes.RESULTS_UNREADABLE, 'jasmine result line is not JSON; check that the run loaded swe-flow\'s jasmine reporter', { cause });
    }
    const file = toRepoRelative(root, row.file);
    const result: TestResult = { id: formatTestId(file, row.titlePath), file, titlePath: row.titlePath, status: row.status, durationMs: row.durationMs ?? 0 };
    if (row.error) result.error = row.error;
    out.push(result);
  }
  return out;
}

/** A script that calls jasmine (`jasmine`, `c8 jasmine spec/*spec.js`, `node_modules/.bin/jasmine …`). */
export const CALLS_JASMINE = /(?:^|[\s/;&|(])jasmine(?:\s|$)/;

/** The arguments after `jasmine` in a script (quotes stripped; up to a pipe or `&&`). */
export function jasmineScriptArgs(script: string): string[] {
  const m = /(?:^|[\s/;&|(])jasmine(?:\s+([^|&;]*))?(?:$|[|&;])/.exec(script);
  if (!m) return [];
  return (m[1] ?? '').trim().split(/\s+/).filter(Boolean).map((a) => a.replace(/^(--[\w-]+=)?['"](.*)['"]$/, '$1$2'));
}

/** What of the script's jasmine arguments every run keeps: its config, helpers and requires (not its files or filter). */
function scriptOptions(pkg: Record<string, unknown>): string[] {
  return jasmineScriptArgs(runnerScript(pkg, CALLS_JASMINE)).filter((a) => /^--(config|helper|require)=/.test(a));
}

/** The spec files or globs the script names, if any. */
function scriptFiles(pkg: Record<string, unknown>): string[] {
  return jasmineScriptArgs(runnerScript(pkg, CALLS_JASMINE)).filter((a) => !a.startsWith('-'));
}

/**
 * jasmine matches `--filter` against each spec's full name: its suites' and its own descriptions joined
 * by spaces. Excluded titles are left out by the same filter (jasmine reports them excluded).
 */
function selectionArgs(selection: PlainRunContext['selection'], exclude?: readonly string[]): string[] {
  const args: string[] = [];
  const names = selection.testIds.map((id) => id.split(' > ').slice(1).join(' '));
  const pattern = withTitleExclusion(names.length > 0 ? exactAlternation(names) : undefined, exclude);
  if (pattern) args.push(`--filter=${pattern}`);
  return [...args, ...selectionFiles(selection)];
}

/** `listFiltered`: the run leaves `--exclude-test` patterns out, and reports what its filter left out as skipped. */
function jasmineCommand(resultFile: string, args: string[], preloads: string[] = [], fromScript = false, listFiltered = false): CommandSpec {
  return shellWrapped(resultFile, 'node', [
    ...preloads.flatMap((p) => ['--import', p]),
    '--import',
    jasmineHooksImport({ resultFile, fromScript, ...(listFiltered ? { listFiltered } : {}) }),
    ...binLaunchArgs('jasmine', 'jasmine', args),
  ]);
}

/** Without files, the run takes the script's jasmine arguments (read where it runs), as `npm test` does. */
export function jasminePlainCommand(ctx: PlainRunContext): CommandSpec {
  return jasmineCommand(ctx.resultFile, selectionArgs(ctx.selection, ctx.exclude), [], selectionFiles(ctx.selection).length === 0, !!ctx.exclude?.length);
}

/** jasmine's config: the `--config` of the test script, JASMINE_CONFIG_PATH's default, or spec/support/jasmine.{json,mjs,js}. */
async function readJasmineConfig(facts: RepoFacts): Promise<Record<string, unknown>> {
  const named = scriptOptions(facts.packageJson).find((a) => a.startsWith('--config='))?.slice('--config='.length);
  const candidates = named ? [named.replace(/^\.\//, '')] : ['spec/support/jasmine.json', 'spec/support/jasmine.mjs', 'spec/support/jasmine.js'];
  const file = candidates.find((f) => facts.files.includes(f));
  if (!file) return {};
  if (file.endsWith('.json')) {
    try {
      return JSON.parse(await readFile(path.join(facts.root, file), 'utf8')) as Record<string, unknown>;
    } catch (cause) {
      throw new SweFlowError(ErrorCodes.CONFIG_INVALID, `${file} is not valid JSON; fix the jasmine config`, { cause });
    }
  }
  const script = `const m = await import(${JSON.stringify(path.join(facts.root, file))}); const c = m.default ?? m; process.stdout.write(JSON.stringify(c ?? {}));`;
  const r = await execa('node', ['--input-type=module', '-e', script], { cwd: facts.root, reject: false, stdin: 'ignore', env: facts.env });
  if (r.exitCode !== 0) {
    throw new SweFlowError(ErrorCodes.CONFIG_INVALID, `${file} could not be loaded (exit ${r.exitCode}); fix the jasmine config`, { details: { stderr: String(r.stderr).slice(-2000) } });
  }
  return JSON.parse(String(r.stdout)) as Record<string, unknown>;
}

export async function listJasmineTestFiles(facts: RepoFacts): Promise<string[]> {
  const named = scriptFiles(facts.packageJson);
  if (named.length > 0) return matchGlobs(facts.files, named);
  const config = await readJasmineConfig(facts);
  const dir = typeof config.spec_dir === 'string' ? config.spec_dir.replace(/^\.\/|\/$/g, '') : 'spec';
  const patterns = Array.isArray(config.spec_files) ? (config.spec_files as string[]) : ['**/*[sS]pec.?(m)js'];
  const inDir = (p: string) => (dir && dir !== '.' ? `${dir}/${p.replace(/^\.\//, '')}` : p);
  const include = patterns.filter((p) => !p.startsWith('!')).map(inDir);
  const exclude = patterns.filter((p) => p.startsWith('!')).map((p) => inDir(p.slice(1)));
  return matchGlobs(facts.files, include, exclude);
}

/**
 * Why no spec file was found, in the terms a user can act on. A repository without a jasmine config
 * whose scripts never start jasmine's CLI drives jasmine from its own code (jsdoc/jsdoc: `hereby test`
 * runs `new Jasmine()` with its own spec globs and globals), which swe-flow cannot run.
 */
export function noSpecFilesMessage(facts: RepoFacts): string {
  const hasConfig = facts.files.some((f) => /^spec\/support\/jasmine\.(json|js|mjs)$/.test(f)) || scriptOptions(facts.packageJson).some((a) => a.startsWith('--config='));
  if (hasConfig || runnerScript(facts.packageJson, CALLS_JASMINE)) {
    return `no jasmine spec files found in ${facts.root}; check spec_dir and spec_files in the jasmine config`;
  }
  const test = testScript(facts.packageJson);
  return `no jasmine spec files found in ${facts.root}: there is no spec/support/jasmine.json and no script starts jasmine's CLI${test ? ` (the test script is \`${test}\`)` : ''}, so the specs are started by the repository's own code; swe-flow runs jasmine through its CLI: add a jasmine config (spec_dir, spec_files, helpers) that runs the same specs, or pass --runner for another runner`;
}

async function runJasmineTraced(ctx: TracedRunContext): Promise<TracedRunOutput> {
  const root = ctx.facts.root;
  const instrumenter = await instrumenterModule();
  const testFiles = await listJasmineTestFiles(ctx.facts);
  if (testFiles.length === 0) throw new SweFlowError(ErrorCodes.NO_TESTS, noSpecFilesMessage(ctx.facts));
  const work = await mkdtemp(path.join(os.tmpdir(), 'sweflow-jasmine-'));
  const resultFile = path.join(work, 'results.jsonl');
  await mkdir(ctx.traceDir, { recursive: true });
  const { functions, ...warm } = await prewarmInstrumentCache(ctx.facts, instrumenter);
  ctx.logger.debug('instrumentation cache warmed', warm);
  const spec = jasmineCommand(resultFile, [...scriptOptions(ctx.facts.packageJson), ...selectionArgs({ files: [], testIds: [] }, ctx.exclude), ...testFiles], [path.join(runtimeDir(), 'node-test-preload.mjs')], false, !!ctx.exclude?.length);
  return collectTracedRun({
    runner: 'jasmine', command: spec.command, args: spec.args, root, ctx, resultFile, work, parse: parseJasmineResults, testFiles, functions,
    env: await tracedEnv(ctx, root, instrumenter, 'jasmine', { SWEFLOW_TEST_FILES: JSON.stringify(testFiles) }),
  });
}

export const jasmineAdapter: RunnerAdapter = {
  name: 'jasmine',
  detect: detectJasmine,
  listTestFiles: listJasmineTestFiles,
  plainCommand: jasminePlainCommand,
  parseResults: parseJasmineResults,
  runTraced: runJasmineTraced,
};
