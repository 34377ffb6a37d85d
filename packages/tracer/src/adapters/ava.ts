/**
 * ava 3–6: detection, test files from ava's `files` config (or its defaults), plain commands writing
 * TAP to the result file, and a traced run: `--serial`, a preload in the main process and its
 * workers instruments sources, and a load hook prepends swe-flow's hooks to each test file on its
 * first line (ava has no global hooks).
 *
 * ava's TAP prefixes titles with a shortened file name only when several files run, which cannot be
 * mapped back to a file reliably. A small `data:` preload makes ava's TAP reporter always write
 * `["<repo-relative file>","<title>"]` as the test name; the output stays TAP.
 */
import { mkdir, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { ErrorCodes, SweFlowError, formatTestId, type CommandSpec, type TestResult, type TestStatus } from '@swe-flow/core';
import { DETECTION, type PlainRunContext, type RepoFacts, type RunnerAdapter, type TracedRunContext, type TracedRunOutput } from '../adapter.js';
import {
  allScripts,
  declaredDeps,
  hasFile,
  instrumenterModule,
  prewarmInstrumentCache,
  avaImportRewrite,
  matchGlobs,
  runtimeDir,
  selectionFiles,
  shellWrapped,
  toRepoRelative,
  collectTracedRun,
  tracedEnv,
} from './runner-kit.js';
import { binLink, requireInstalledRunner, runnerBinFile } from './runner-bin.js';
import { exactIdOf, REGEX_PATTERN } from '../test-exclusions.js';

/** The repository's ava entry, from ava's package.json `bin` (ava 6: entrypoints/cli.mjs, ava 3: cli.js). */
function avaBinFile(root: string): string {
  return runnerBinFile(requireInstalledRunner(root, 'ava'), ['ava']);
}

export function detectAva(facts: RepoFacts): number {
  const deps = declaredDeps(facts.packageJson);
  const scripts = allScripts(facts.packageJson);
  if (!deps.has('ava') && !/\bava\b/.test(scripts)) return 0;
  let score = deps.has('ava') ? DETECTION.dependency : DETECTION.scriptOnly;
  if (hasFile(facts, /^ava\.config\.(js|cjs|mjs)$/) || 'ava' in facts.packageJson) score += DETECTION.config;
  if (/\bava\b/.test(scripts)) score += DETECTION.script;
  return Math.min(score, 1);
}

/**
 * ava 6's TAP reporter throws on its own timeout and on a test file's `process.exit` (`writeTimeout`
 * and `writeProcessExit` hand `dumpError` a plain Error where it expects a serialized one), and the
 * run then ends without reporting the tests still running; the hooks hand it the serialized form ava
 * uses for a non-native error, so each of them is reported failed with ava's message ("no new tests
 * completed within ...", "Exiting due to process.exit() ...").
 */
const TIMEOUT_CRASH = '{testFile, title, err: error}';
const TIMEOUT_FIX = "{testFile, title, err: {type: 'unknown', formattedError: error.message}}";

/** Module hooks that make ava's TAP reporter name every test `["file","title"]` (and report its timeout). */
const TAP_NAMES_HOOKS = `
export async function load(url, context, nextLoad) {
  const result = await nextLoad(url, context);
  if (url.endsWith('/ava/lib/reporters/prefix-title.js')) {
    return { format: 'module', shortCircuit: true, source: "import path from 'node:path';" +
      "export default function prefixTitle(extensions, base, file, title) {" +
      "return JSON.stringify([path.relative(process.cwd(), file).split(path.sep).join('/'), title]); }" };
  }
  if (url.endsWith('/ava/lib/reporters/tap.js') && result.source != null) {
    const text = String(result.source).replace('if (plan.files.length > 1) {', 'if (true) {').split(${JSON.stringify(TIMEOUT_CRASH)}).join(${JSON.stringify(TIMEOUT_FIX)});
    return { ...result, source: text, shortCircuit: true };
  }
  return result;
}
`;

/**
 * ava 3 is CommonJS, and Node 20's module hooks do not see a plain `require` chain: the same two
 * changes go in through CommonJS compilation (ava 3's prefixTitle has no `extensions` argument).
 */
const TAP_NAMES_CJS = `
const compileModule = Module.prototype._compile;
Module.prototype._compile = function (content, filename) {
  const f = String(filename).split(path.sep).join('/');
  if (f.endsWith('/ava/lib/reporters/prefix-title.js')) {
    content = "const path = require('path'); module.exports = (base, file, title) => " +
      "JSON.stringify([path.relative(process.cwd(), file).split(path.sep).join('/'), title]);";
  } else if (f.endsWith('/ava/lib/reporters/tap.js')) {
    content = content.replace('if (plan.files.length > 1) {', 'if (true) {').split(${JSON.stringify(TIMEOUT_CRASH)}).join(${JSON.stringify(TIMEOUT_FIX)});
  }
  return compileModule.call(this, content, filename);
};
`;

const TAP_NAMES_PRELOAD = `import Module, { register } from 'node:module';
import path from 'node:path';
register(${JSON.stringify(`data:text/javascript;base64,${Buffer.from(TAP_NAMES_HOOKS).toString('base64')}`)});
${TAP_NAMES_CJS}`;

export function avaTapNamesImport(): string {
  return `data:text/javascript;base64,${Buffer.from(TAP_NAMES_PRELOAD).toString('base64')}`;
}

const TAP_LINE = /^(ok|not ok) \d+ - (.*)$/;

/** Parses ava's TAP (with `["file","title"]` names) into results with ids `file > title`. */
export function parseAvaResults(text: string, root: string): TestResult[] {
  const lines = text.split('\n');
  const out: TestResult[] = [];
  if (!lines.some((l) => l.startsWith('TAP version'))) {
    throw new SweFlowError(ErrorCodes.RESULTS_UNREADABLE, 'ava result file is not TAP; check that the run used --tap and wrote stdout to the result file');
  }
  for (let i = 0; i < lines.length; i++) {
    const m = TAP_LINE.exec(lines[i]!);
    if (!m) continue;
    // supertap writes `<name> # SKIP` / `<name> # TODO`; swe-flow's names always end with `]`.
    let name = m[2]!;
    let directive: string | undefined;
    const d = /^(.*\])\s*# (SKIP|TODO)\b.*$/.exec(name);
    if (!name.endsWith(']') && d) {
      name = d[1]!;
      directive = d[2];
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(name);
    } catch {
      parsed = undefined;
    }
    if (!Array.isArray(parsed) || parsed.length !== 2) continue; // not a test line swe-flow can place
    const [rawFile, title] = parsed as [string, string];
    const file = toRepoRelative(root, rawFile);
    let status: TestStatus = m[1] === 'ok' ? 'passed' : 'failed';
    if (directive) status = 'skipped';
    const result: TestResult = { id: formatTestId(file, [title]), file, titlePath: [title], status, durationMs: 0 };
    if (status === 'failed') {
      const block: string[] = [];
      for (let j = i + 1; j < lines.length && /^\s/.test(lines[j]!); j++) block.push(lines[j]!);
      if (block.length > 0) result.error = block.join('\n').slice(0, 4000);
    }
    out.push(result);
  }
  return out;
}

/**
 * ava's `--match` pattern for one exact title. ava (through `matcher`) reads `*` as a wildcard with no
 * escape, and a leading `!` as negation: alone, a negated pattern selects every other test, so a title
 * starting with `!` gets a leading `*`. A `*` inside a title stays a wildcard; both only widen the
 * match (case-insensitive, too), and the caller keeps the ids it asked for.
 */
export function avaMatchPattern(title: string): string {
  return title.startsWith('!') ? `*${title}` : title;
}

/**
 * `--match '!title'` for each exact id (`exactIdPattern`: the tests a run's limit cut), and
 * `--match '!*title*'` for each substring `--exclude-test` pattern (its leading test-file segment
 * dropped): ava then never starts those tests. /Regular expressions/ have no ava equivalent and are
 * filtered after the run only.
 */
export function avaExcludeArgs(exclude: readonly string[] = []): string[] {
  const args: string[] = [];
  for (const p of exclude) {
    // One exact test (a cut one): its title alone, so a test whose title merely contains it still runs.
    const exact = exactIdOf(p);
    if (exact !== undefined) {
      args.push('--match', `!${titleOfId(exact)}`);
      continue;
    }
    if (REGEX_PATTERN.test(p)) continue;
    const title = titleOfId(p);
    if (title.trim()) args.push('--match', `!*${title}*`);
  }
  return args;
}

/** An id or pattern without its leading test-file segment: what ava's `--match` sees. */
function titleOfId(id: string): string {
  const segments = id.split(' > ');
  if (segments.length > 1 && /\.[cm]?[jt]sx?$/.test(segments[0]!)) segments.shift();
  return segments.join(' > ');
}

/** ava's `--match` takes wildcard patterns (`*`) over the title alone; several flags are ORed. */
function selectionArgs(selection: PlainRunContext['selection'], exclude?: readonly string[]): string[] {
  const args: string[] = [];
  for (const id of new Set(selection.testIds)) args.push('--match', avaMatchPattern(id.split(' > ').slice(1).join(' > ')));
  return [...args, ...avaExcludeArgs(exclude), ...selectionFiles(selection)];
}

/**
 * ava's timeout is an inactivity timer over the whole run (10 s by default): when no test finishes
 * within it, ava stops every worker and reports the tests it has. On a loaded machine, or while a
 * loader such as tsx compiles the first files, a healthy suite can go 10 s without a result, and the
 * run then reports nothing (sindresorhus/ky at load 37: 0 of 581 tests). swe-flow's runs use a timeout
 * that only cuts a run that is hung; swe-flow's own run limits stay in force around it.
 */
const AVA_TIMEOUT_ARG = '--timeout=5m';

/**
 * ava's `--timeout` for a run: the trace runs' per-test limit (`--trace-test-timeout`) where trace()
 * gives one, which also wins over a repository config that raises it; else 5 minutes. Base
 * verification runs never give one (`testTimeLimitScope`: ava has no per-test limit).
 */
function avaTimeoutArg(testTimeoutMs: number | undefined): string {
  return testTimeoutMs ? `--timeout=${testTimeoutMs}ms` : AVA_TIMEOUT_ARG;
}

/**
 * The plain run starts ava from its `.bin` link (no path into the package); the TAP-names hooks go in
 * through NODE_OPTIONS, after whatever NODE_OPTIONS the environment already has. TAP goes to the result file.
 */
export function avaPlainCommand(ctx: PlainRunContext): CommandSpec {
  const dir = path.posix.dirname(ctx.resultFile.split(path.sep).join('/'));
  const script = 'mkdir -p -- "$1" && out=$2 && NODE_OPTIONS="${NODE_OPTIONS:+$NODE_OPTIONS }--import=$3" && export NODE_OPTIONS && shift 3 && exec "$@" > "$out"';
  return { command: 'sh', args: ['-c', script, 'sweflow-run', dir, ctx.resultFile, avaTapNamesImport(), binLink('ava'), '--tap', avaTimeoutArg(ctx.testTimeoutMs), ...selectionArgs(ctx.selection, ctx.exclude)] };
}

const DEFAULT_EXTENSIONS = ['cjs', 'mjs', 'js'];

/**
 * ava's test file extensions: its `extensions` config (a list, or an object whose keys are the
 * extensions and whose values say how to load them, as `{ ts: 'module' }` with a loader in
 * `nodeArguments`), else cjs, mjs and js.
 */
export function avaExtensions(config: Record<string, unknown>): string[] {
  const ext = config.extensions;
  const list = Array.isArray(ext) ? ext : ext && typeof ext === 'object' ? Object.keys(ext) : [];
  const names = list.filter((e): e is string => typeof e === 'string' && e.length > 0).map((e) => e.replace(/^\./, ''));
  return names.length > 0 ? names : DEFAULT_EXTENSIONS;
}

/** ava's default test file globs for the given extensions. */
function defaultFiles(extensions: readonly string[]): string[] {
  const ext = extensions.length === 1 ? extensions[0]! : `{${extensions.join(',')}}`;
  return [
    `test.${ext}`,
    `src/test.${ext}`,
    `source/test.${ext}`,
    `**/test-*.${ext}`,
    `**/*.spec.${ext}`,
    `**/*.test.${ext}`,
    `**/test/**/*.${ext}`,
    `**/tests/**/*.${ext}`,
    `**/__tests__/**/*.${ext}`,
  ];
}
/** Helpers and fixtures ava never treats as test files, and files starting with an underscore. */
const ALWAYS_IGNORED = [
  '**/__tests__/**/__helper__/**/*',
  '**/__tests__/**/__helpers__/**/*',
  '**/__tests__/**/__fixture__/**/*',
  '**/__tests__/**/__fixtures__/**/*',
  '**/test/**/helper/**/*',
  '**/test/**/helpers/**/*',
  '**/test/**/fixture/**/*',
  '**/test/**/fixtures/**/*',
  '**/tests/**/helper/**/*',
  '**/tests/**/helpers/**/*',
  '**/tests/**/fixture/**/*',
  '**/tests/**/fixtures/**/*',
  '**/_*',
  '**/_*/**',
];

/** ava's config: package.json "ava", or ava.config.* evaluated by Node in the repository. */
async function readAvaConfig(facts: RepoFacts): Promise<Record<string, unknown>> {
  if (facts.packageJson.ava && typeof facts.packageJson.ava === 'object') return facts.packageJson.ava as Record<string, unknown>;
  const configFile = ['ava.config.js', 'ava.config.mjs', 'ava.config.cjs'].find((f) => facts.files.includes(f));
  if (!configFile) return {};
  const script = `const m = await import(${JSON.stringify(path.join(facts.root, configFile))}); let c = m.default; if (typeof c === 'function') c = await c({ projectDir: process.cwd() }); process.stdout.write(JSON.stringify(c ?? {}));`;
  const r = await execa('node', ['--input-type=module', '-e', script], { cwd: facts.root, reject: false, stdin: 'ignore', env: facts.env });
  if (r.exitCode !== 0) {
    throw new SweFlowError(ErrorCodes.CONFIG_INVALID, `${configFile} could not be loaded (exit ${r.exitCode}); fix the ava config`, { details: { stderr: String(r.stderr).slice(-2000) } });
  }
  return JSON.parse(String(r.stdout)) as Record<string, unknown>;
}

export async function listAvaTestFiles(facts: RepoFacts): Promise<string[]> {
  const config = await readAvaConfig(facts);
  const extensions = avaExtensions(config);
  const patterns = Array.isArray(config.files) ? (config.files as string[]) : defaultFiles(extensions);
  const include = patterns.filter((p) => !p.startsWith('!'));
  const exclude = [...patterns.filter((p) => p.startsWith('!')).map((p) => p.slice(1)), ...ALWAYS_IGNORED];
  // ava runs only files with one of its extensions, whatever its `files` globs match.
  return matchGlobs(facts.files, include, exclude).filter((f) => extensions.some((e) => f.endsWith(`.${e}`)));
}

async function runAvaTraced(ctx: TracedRunContext): Promise<TracedRunOutput> {
  const root = ctx.facts.root;
  const rt = runtimeDir();
  const instrumenter = await instrumenterModule();
  const testFiles = await listAvaTestFiles(ctx.facts);
  if (testFiles.length === 0) throw new SweFlowError(ErrorCodes.NO_TESTS, `no ava test files found in ${root}; check ava's "files" config`);
  const work = await mkdtemp(path.join(os.tmpdir(), 'sweflow-ava-'));
  const resultFile = path.join(work, 'results.tap');
  await mkdir(ctx.traceDir, { recursive: true });
  const { functions, ...warm } = await prewarmInstrumentCache(ctx.facts, instrumenter, { rewrite: (rel, code) => (testFiles.includes(rel) ? avaImportRewrite(code) : code) });
  ctx.logger.debug('instrumentation cache warmed', warm);
  // Workers (threads) inherit the main process's execArgv, so the preload reaches them too.
  const spec = shellWrapped(
    resultFile,
    'node',
    ['--import', path.join(rt, 'node-test-preload.mjs'), '--import', avaTapNamesImport(), avaBinFile(root), '--tap', '--serial', avaTimeoutArg(ctx.testTimeoutMs), ...avaExcludeArgs(ctx.exclude), ...testFiles],
    true,
  );
  return collectTracedRun({
    runner: 'ava', command: spec.command, args: spec.args, root, ctx, resultFile, work, parse: parseAvaResults, testFiles, functions,
    env: await tracedEnv(ctx, root, instrumenter, 'ava', { SWEFLOW_TEST_FILES: JSON.stringify(testFiles) }),
  });
}

export const avaAdapter: RunnerAdapter = {
  name: 'ava',
  detect: detectAva,
  listTestFiles: listAvaTestFiles,
  plainCommand: avaPlainCommand,
  parseResults: parseAvaResults,
  runTraced: runAvaTraced,
};
