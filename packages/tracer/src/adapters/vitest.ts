/**
 * vitest adapter (vitest 1, 2 and 4). Traced runs use a wrapper config in `.swe-flow/` that loads the repository's own
 * config with Vite's `loadConfigFromFile` and adds a pre-instrumented-source plugin (`enforce: 'pre'`)
 * and a setup file with per-test hooks; the user's config is never edited.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ErrorCodes, formatTestId, parseTestId, SweFlowError, WORK_DIR, type CommandSpec, type TestResult, type TestStatus } from '@swe-flow/core';
import { DETECTION, type PlainRunContext, type RepoFacts, type RunnerAdapter, type TracedRunContext, type TracedRunOutput } from '../adapter.js';
import { execLocal } from '../exec.js';
import { readFragments } from '../fragments.js';
import { RUNTIME_DIR } from '../recorder-path.js';
import { listSourceFiles, prepareInstrumentation } from '../sources.js';
import { withTitleExclusion } from '../test-exclusions.js';
import { binLink, findInstalledRunner, runnerBinFile } from './runner-bin.js';

/** The link npm, yarn and pnpm make from vitest's `bin`: what plain commands start when no entry is known. */
const VITEST_LINK = binLink('vitest');
const posix = path.posix;

/**
 * Options of a vitest adapter. In a monorepo the unit of synthesis is one workspace package: the runner
 * runs in `packageDir` (its config, its cwd), while every id (functions, tests, files in selections and
 * result files) stays relative to the repository root, which is the task repository's root too.
 */
export interface VitestAdapterOptions {
  /** Repo-relative POSIX folder of the workspace package under test; default the root. */
  packageDir?: string;
  /** Repo-relative path of the vitest entry to run; default the package's own, else the root's. */
  vitestBin?: string;
}

function normalizePackageDir(dir: string | undefined): string {
  const d = posix.normalize((dir ?? '').split(path.sep).join('/')).replace(/\/+$/, '');
  if (d === '.' || d === '') return '';
  if (d.startsWith('../') || d === '..' || posix.isAbsolute(d)) {
    throw new SweFlowError(ErrorCodes.CONFIG_INVALID, `package folder "${dir}" is outside the repository; pass a repo-relative folder such as packages/<name>`);
  }
  return d;
}

/**
 * Repo-relative vitest entry for a package, from the `bin` of vitest's package.json: its own
 * `node_modules` first, then each parent's (npm/pnpm hoisting). Throws when vitest is not installed.
 */
export function findVitestBin(root: string, packageDir = ''): string {
  const installed = findInstalledRunner(root, 'vitest', normalizePackageDir(packageDir));
  if (!installed) {
    throw new SweFlowError(ErrorCodes.TRACE_FAILED, `vitest is not installed for ${path.join(root, packageDir)}; install the repository's dependencies first`);
  }
  return runnerBinFile(installed, ['vitest']);
}
/** Config files vitest reads, in its own order of preference. */
export const VITEST_CONFIG_NAMES = ['vitest.config', 'vite.config'].flatMap((n) => ['ts', 'mts', 'cts', 'js', 'mjs', 'cjs'].map((e) => `${n}.${e}`));

function deps(pj: Record<string, unknown>): Record<string, unknown> {
  return {
    ...((pj.dependencies as Record<string, unknown>) ?? {}),
    ...((pj.devDependencies as Record<string, unknown>) ?? {}),
  };
}

export function findVitestConfig(files: readonly string[]): string | undefined {
  return VITEST_CONFIG_NAMES.find((n) => files.includes(n));
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `-t` pattern that matches exactly these tests (vitest matches titles joined by spaces). */
/** Longest `-t` pattern passed on a command line; past it whole files run and results are filtered. */
export const MAX_NAME_PATTERN_LENGTH = 8000;

export function testNamePattern(testIds: readonly string[]): string | undefined {
  if (testIds.length === 0) return undefined;
  const names = [...new Set(testIds.map((id) => parseTestId(id).titlePath.join(' ')))];
  // Titles with NUL bytes cannot travel in argv; very long alternations overflow it. Running the
  // selected files whole is then exact too: the caller keeps only the requested tests' results.
  if (names.some((n) => n.includes('\0'))) return undefined;
  // ` ?`: vitest 1 puts every test under an anonymous file-level suite, so its full names start with a
  // space; ids drop that empty title (see `dropAnonymousSuite`), the pattern lets the space through.
  const pattern = `^ ?(?:${names.map(escapeRegex).join('|')})$`;
  return pattern.length > MAX_NAME_PATTERN_LENGTH ? undefined : pattern;
}

interface VitestJson {
  testResults?: {
    name: string;
    status?: string;
    message?: string;
    assertionResults?: {
      ancestorTitles?: string[];
      title: string;
      status: string;
      duration?: number | null;
      failureMessages?: string[] | null;
    }[];
  }[];
}

function mapStatus(status: string): TestStatus {
  if (status === 'passed') return 'passed';
  if (status === 'failed') return 'failed';
  return 'skipped';
}

/**
 * vitest (1 to 4) reports a timed-out test's error by the stack of an error made where the test was
 * declared, which starts `Error: STACK_TRACE_ERROR` where the message "Test timed out in N ms" should
 * be (its JSON report carries stacks, not messages): put the words back, so a test its limit cut is
 * told from one that failed.
 */
function timeoutWords(message: string): string {
  return message.startsWith('Error: STACK_TRACE_ERROR') ? `Error: Test timed out after its time limit (vitest reports the limit's error as STACK_TRACE_ERROR)\n${message}` : message;
}

/**
 * vitest 1 collects every test of a file under an anonymous default suite (name `''`), which its JSON
 * reporter lists as the first ancestor title; vitest 2 and 4 do not. Dropping it gives every vitest
 * major the same test ids (the recorder's setup file drops it the same way).
 */
export function dropAnonymousSuite(titlePath: string[]): string[] {
  return titlePath.length > 1 && titlePath[0] === '' ? titlePath.slice(1) : titlePath;
}

export function parseVitestJson(text: string, root: string): TestResult[] {
  let data: VitestJson;
  try {
    data = JSON.parse(text) as VitestJson;
  } catch (cause) {
    throw new SweFlowError(ErrorCodes.RESULTS_UNREADABLE, 'vitest JSON report is not valid JSON; check the runner output', { cause });
  }
  const out: TestResult[] = [];
  for (const file of data.testResults ?? []) {
    const rel = path.relative(root, file.name).split(path.sep).join('/');
    for (const a of file.assertionResults ?? []) {
      const titlePath = dropAnonymousSuite([...(a.ancestorTitles ?? []), a.title]);
      const error = (a.failureMessages ?? []).map(timeoutWords).join('\n').slice(0, 4000);
      out.push({
        id: formatTestId(rel, titlePath),
        file: rel,
        titlePath,
        status: mapStatus(a.status),
        durationMs: Math.round(a.duration ?? 0),
        ...(error ? { error } : {}),
      });
    }
  }
  return out;
}

/** Absolute path of the `vite` entry that the repository's own vitest uses. */
function resolveVite(root: string, bin: string): string {
  // Resolve from vitest's real location: with pnpm, vite sits next to vitest under node_modules/.pnpm,
  // not at the top of node_modules.
  const req = createRequire(realpathSync(path.join(root, bin)));
  const pkgPath = req.resolve('vite/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { exports?: Record<string, unknown>; module?: string; main?: string };
  const dot = pkg.exports?.['.'];
  const pick = (v: unknown): string | undefined => {
    if (typeof v === 'string') return v;
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      return pick(o.import) ?? pick(o.default) ?? pick(o.node);
    }
    return undefined;
  };
  const entry = pick(dot) ?? pkg.module ?? pkg.main;
  if (!entry) throw new SweFlowError(ErrorCodes.TRACE_FAILED, `cannot find vite's entry next to ${pkgPath}; reinstall the repository's dependencies`);
  return path.join(path.dirname(pkgPath), entry);
}

function wrapperConfig(opts: { vite: string; userConfig?: string; root: string; cacheDir: string; setup: string; plugin: string }): string {
  return `// Generated by swe-flow for a traced run; the repository's own config is loaded, not edited.
// Imports are dynamic with computed specifiers so that Vite's config bundler leaves them alone
// (bundling vite itself into this config cost seconds per run).
const viteUrl = ${JSON.stringify(pathToFileURL(opts.vite).href)};
const pluginUrl = ${JSON.stringify(pathToFileURL(opts.plugin).href)};
const { loadConfigFromFile, mergeConfig } = await import(viteUrl);
const { sweflowInstrument } = await import(pluginUrl);

const root = ${JSON.stringify(opts.root)};
const userConfigFile = ${JSON.stringify(opts.userConfig ?? null)};
const loaded = userConfigFile
  ? await loadConfigFromFile({ command: 'serve', mode: process.env.NODE_ENV === 'production' ? 'production' : 'test', isSsrBuild: false, isPreview: false }, userConfigFile, root)
  : null;
const user = (loaded && loaded.config) || {};
const userTest = user.test || {};
const userSetup = userTest.setupFiles === undefined ? [] : Array.isArray(userTest.setupFiles) ? userTest.setupFiles : [userTest.setupFiles];
const merged = mergeConfig(user, {
  plugins: [sweflowInstrument(${JSON.stringify(opts.cacheDir)})],
  test: {
    maxConcurrency: 1,
    typecheck: { enabled: false },
    sequence: { concurrent: false },
  },
});
merged.root = user.root ? user.root : root;
// The recorder's hooks come first, so user setup files that import sources are attributed too.
merged.test.setupFiles = [${JSON.stringify(opts.setup)}, ...userSetup];
export default merged;
`;
}

/**
 * Where a vitest adapter runs: the repository root, or one workspace package of a monorepo whose
 * runner runs in the package folder while every path the adapter hands out stays repo-relative.
 */
class VitestLayout {
  readonly pkg: string;
  /** Spawn options that start the runner in the package folder. */
  readonly cwdSpec: { cwd?: string };

  constructor(private readonly options: VitestAdapterOptions) {
    this.pkg = normalizePackageDir(options.packageDir);
    this.cwdSpec = this.pkg ? { cwd: this.pkg } : {};
  }

  /** Repo-relative path -> the same file relative to the runner's cwd (the package folder). */
  fromCwd(rel: string): string {
    return this.pkg ? posix.relative(this.pkg, rel) : rel;
  }

  /** The repo-relative vitest entry to start with node. */
  bin(root: string): string {
    return this.options.vitestBin ?? findVitestBin(root, this.pkg);
  }

  /** Plain commands: the known entry with node, else vitest's `.bin` link (they also run in containers). */
  plainStart(): { command: string; args: string[] } {
    const { vitestBin } = this.options;
    return vitestBin ? { command: 'node', args: [this.fromCwd(vitestBin)] } : { command: this.pkg ? this.fromCwd(VITEST_LINK) : VITEST_LINK, args: [] };
  }

  /** The package's own config file (relative to the package folder), if it has one. */
  userConfig(facts: RepoFacts): string | undefined {
    const { pkg } = this;
    const files = pkg ? facts.files.filter((f) => f.startsWith(`${pkg}/`)).map((f) => f.slice(pkg.length + 1)) : facts.files;
    return findVitestConfig(files);
  }

  packageRoot(root: string): string {
    return this.pkg ? path.join(root, this.pkg) : root;
  }
}

/** On the shared detection scale (see `DETECTION` in adapter.ts): dependency 0.6, a vitest config 0.3, the test script 0.1. */
function detectVitest(layout: VitestLayout, facts: RepoFacts): number {
  let score = 0;
  if ('vitest' in deps(facts.packageJson)) score += DETECTION.dependency;
  if (layout.userConfig(facts)?.startsWith('vitest.')) score += DETECTION.config;
  const scripts = (facts.packageJson.scripts as Record<string, string> | undefined) ?? {};
  if (/\bvitest\b/.test(scripts.test ?? '')) score += DETECTION.script;
  return Math.min(score, 1);
}

async function listVitestFiles(layout: VitestLayout, facts: RepoFacts): Promise<string[]> {
  const config = layout.userConfig(facts);
  const out = path.join(facts.root, WORK_DIR, 'list.json');
  await mkdir(path.join(facts.root, WORK_DIR), { recursive: true });
  const args = [layout.fromCwd(layout.bin(facts.root)), 'list', '--filesOnly', `--json=${out}`, ...(config ? ['--config', config] : [])];
  const res = await execLocal(facts.root, { command: 'node', args, ...layout.cwdSpec }, 120_000);
  if (res.exitCode !== 0) {
    throw new SweFlowError(ErrorCodes.TRACE_FAILED, `vitest list failed (exit ${res.exitCode}); check the repository's vitest config:\n${res.output.slice(-2000)}`);
  }
  const list = JSON.parse(await readFile(out, 'utf8')) as { file: string }[];
  return [...new Set(list.map((e) => path.relative(facts.root, e.file).split(path.sep).join('/')))].sort();
}

function vitestPlainCommand(layout: VitestLayout, ctx: PlainRunContext): CommandSpec {
  const files = new Set(ctx.selection.files);
  for (const id of ctx.selection.testIds) files.add(parseTestId(id).file);
  // Excluded tests never start (vitest reports them skipped): a hanging one cannot hold the run.
  const pattern = withTitleExclusion(testNamePattern(ctx.selection.testIds), ctx.exclude);
  const start = layout.plainStart();
  return {
    command: start.command,
    args: [
      ...start.args,
      'run',
      ...(ctx.testTimeoutMs ? [`--testTimeout=${ctx.testTimeoutMs}`] : []),
      '--reporter=json',
      `--outputFile=${layout.fromCwd(ctx.resultFile)}`,
      ...(pattern ? ['-t', pattern] : []),
      ...[...files].sort().map((f) => layout.fromCwd(f)),
    ],
    ...layout.cwdSpec,
  };
}

/** Instruments the sources into the work folder and writes the wrapper config next to the runtime scripts. */
async function prepareTracedRun(layout: VitestLayout, ctx: TracedRunContext, work: string): Promise<{ sources: string[]; prepared: Awaited<ReturnType<typeof prepareInstrumentation>> }> {
  const { facts } = ctx;
  const root = facts.root;
  await mkdir(work, { recursive: true });
  const sources = await listSourceFiles(facts);
  const prepared = await prepareInstrumentation(root, sources, path.join(work, 'instrumented'));
  for (const f of prepared.failed) ctx.logger.warn('could not instrument a file; its functions are not traced', f);
  for (const name of ['recorder.cjs', 'vitest-setup.mjs', 'vitest-plugin.mjs']) {
    await copyFile(path.join(RUNTIME_DIR, name), path.join(work, name));
  }
  const userConfig = layout.userConfig(facts);
  const packageRoot = layout.packageRoot(root);
  await writeFile(
    path.join(work, 'vitest.config.mjs'),
    wrapperConfig({
      vite: resolveVite(root, layout.bin(root)),
      ...(userConfig ? { userConfig: path.join(packageRoot, userConfig) } : {}),
      root: packageRoot,
      cacheDir: prepared.cacheDir,
      setup: path.join(work, 'vitest-setup.mjs'),
      plugin: path.join(work, 'vitest-plugin.mjs'),
    }),
  );
  return { sources, prepared };
}

/** The traced run's JSON report, or an error that shows the run's output. */
async function readTracedReport(resultFile: string, res: Awaited<ReturnType<typeof execLocal>>, timeoutMs: number): Promise<string> {
  if (res.timedOut) {
    throw new SweFlowError(ErrorCodes.TRACE_TIMEOUT, `the traced vitest run did not finish within ${timeoutMs} ms and was killed; raise --trace-timeout (traceTimeoutMs in swe-flow.config.json), or find the hanging test by running the suite with the repository's own test command`, {
      details: { logTail: res.output.slice(-4000) },
    });
  }
  try {
    return await readFile(resultFile, 'utf8');
  } catch (cause) {
    throw new SweFlowError(ErrorCodes.RESULTS_UNREADABLE, `the traced vitest run wrote no JSON report (exit ${res.exitCode}); its output ends with:\n${res.output.slice(-3000)}`, { cause });
  }
}

async function runVitestTraced(layout: VitestLayout, ctx: TracedRunContext): Promise<TracedRunOutput> {
  const root = ctx.facts.root;
  const work = path.join(root, WORK_DIR);
  const { sources, prepared } = await prepareTracedRun(layout, ctx, work);
  const resultFile = path.join(work, 'traced-results.json');
  const excludePattern = withTitleExclusion(undefined, ctx.exclude);
  await rm(resultFile, { force: true });
  await rm(ctx.traceDir, { recursive: true, force: true });
  await mkdir(ctx.traceDir, { recursive: true });
  const spec: CommandSpec = {
    command: 'node',
    ...layout.cwdSpec,
    args: [
      layout.fromCwd(layout.bin(root)),
      'run',
      '--config',
      path.join(work, 'vitest.config.mjs'),
      '--reporter=json',
      `--outputFile=${resultFile}`,
      // The command line's limit wins over the repository config's (`testTimeout: 0` included).
      ...(ctx.testTimeoutMs ? [`--testTimeout=${ctx.testTimeoutMs}`] : []),
      ...(excludePattern ? ['-t', excludePattern] : []),
      // Serial within a worker comes from the wrapper config (`maxConcurrency: 1`): vitest 1 has
      // no --maxConcurrency flag and rejects the run with it.
    ],
  };
  ctx.logger.info('running the suite traced', { runner: 'vitest', files: sources.length });
  const res = await execLocal(root, spec, ctx.timeoutMs, {
    ...ctx.env,
    SWEFLOW_TRACE_DIR: ctx.traceDir,
    SWEFLOW_ROOT: root,
  });
  const results = parseVitestJson(await readTracedReport(resultFile, res, ctx.timeoutMs), root);
  const merged = await readFragments(ctx.traceDir);
  const testFiles = [...new Set([...results.map((r) => r.file), ...merged.setup.map((s) => s.file)])].sort();
  return {
    results,
    records: merged.records,
    setup: merged.setup,
    moduleLoadFunctions: merged.moduleLoadFunctions,
    instrumentedFiles: prepared.files,
    functions: prepared.functions,
    fragmentBytes: merged.bytes,
    testFiles,
    wallMs: res.durationMs,
    exitCode: res.exitCode,
    logTail: res.output.slice(-4000),
  };
}

/** A vitest adapter; with `packageDir`, one that runs a monorepo's workspace package (see the options). */
export function createVitestAdapter(options: VitestAdapterOptions = {}): RunnerAdapter {
  const layout = new VitestLayout(options);
  return {
    name: 'vitest',
    detect: (facts) => detectVitest(layout, facts),
    listTestFiles: (facts) => listVitestFiles(layout, facts),
    plainCommand: (ctx) => vitestPlainCommand(layout, ctx),
    parseResults: parseVitestJson,
    runTraced: (ctx) => runVitestTraced(layout, ctx),
  };
}

export const vitestAdapter: RunnerAdapter = createVitestAdapter();
