import { z } from 'zod';
import { RUNNER_NAMES } from './trace.js';

/** A `/regex/flags` pattern must compile (the runner processes and the trace read it as one); anything else is a substring. */
function isUsablePattern(p: string): boolean {
  const re = /^\/(.+)\/([a-z]*)$/.exec(p);
  if (!re) return true;
  try {
    new RegExp(re[1]!, re[2]!.replace('g', ''));
    return true;
  } catch {
    return false;
  }
}

/** A git ref as a user gives it: never an option (`-…`), no whitespace, control characters or `..`. */
export const GIT_REF = /^(?!-)(?!.*\.\.)[^\s\x00-\x1f\x7f:?*[\\]+$/;
/** `owner/repo`: one slash, each side a plain name that is not `.` or `..` (it becomes a folder name). */
export const REPO_NAME = /^(?!\.\.?\/)[A-Za-z0-9_.-]+\/(?!\.\.?$)[A-Za-z0-9_.-]+$/;

/**
 * Options of a synthesis run. One schema serves flags, `swe-flow.config.json` and
 * `swe-flow.config.ts`; `configJsonSchema()` is the generated JSON Schema users can point editors at.
 */
export const SynthConfigSchema = z
  .object({
    $schema: z.string().optional(),
    ref: z.string().regex(GIT_REF, "a branch, tag or commit (it must not start with '-' nor hold spaces or '..')").optional().describe('git ref to check out (URL or local repository root)'),
    mirrors: z.record(z.string(), z.string()).optional().describe('git URL → local git repository to clone it from instead of the network'),
    mirrorDir: z.string().optional().describe('folder of local snapshots by name (owner+name/repo, owner+name, owner/name.git, owner/name) to clone URLs from; default SWEFLOW_MIRROR_DIR'),
    name: z.string().regex(REPO_NAME, "owner/repo: two names of letters, digits, '.', '_' or '-' joined by one '/' (not '.' or '..')").optional().describe('repository name used in instance ids (default: from the remote URL or the folder)'),
    runner: z.enum(RUNNER_NAMES as [string, ...string[]]).optional().describe('test runner; detected when absent'),
    package: z.string().optional().describe('workspace package (folder) to synthesize from, in a monorepo'),
    modes: z.array(z.enum(['isolated', 'incremental'])).min(1).default(['isolated']).describe('task modes to emit'),
    runtime: z.enum(['local', 'docker']).default('local').describe('where verification runs'),
    base: z.enum(['online', 'offline']).default('offline').describe('docker base image: official node image, or one bootstrapped offline'),
    workers: z.number().int().min(1).max(64).default(1).describe('parallel verification workers'),
    reruns: z.number().int().min(1).max(20).default(3).describe('reference reruns to catch flaky tests'),
    testTimeoutMs: z.number().int().min(1000).default(300_000).describe('limit for one test run during verification'),
    baseTestTimeoutFactor: z.number().min(0).max(1000).default(5).describe('base verification runs limit each test to this many times its traced duration (at least baseTestTimeoutFloorMs), so a stub that makes a test wait costs about a second, not the runner default; a test cut there counts as failing. 0: the repository limits, as on the reference'),
    baseTestTimeoutFloorMs: z.number().int().min(100).default(1000).describe('the least per-test limit of a base verification run (a runner that limits whole files, node:test on Node 20, gets five times this)'),
    traceTimeoutMs: z.number().int().min(1000).default(1_800_000).describe('limit for the traced suite run'),
    testFileTimeoutMs: z.number().int().min(100).default(120_000).describe('limit for one test file in the traced and untraced runs of node:test, which has no limit of its own (Node 20 applies it to each file); a file that runs longer is cut and listed under lost tests, the rest of the suite is traced'),
    traceTestTimeoutMs: z.number().int().min(0).default(60_000).describe('limit for each test in the untraced and traced runs of vitest, jest (24.9 and later), mocha (also over this.timeout(0) and timeout: false) and ava (whose limit is the run\'s inactivity); a test that runs longer, or never settles with the repository\'s timeout disabled, is cut, excluded as timed-out and listed under lost tests, and the rest of the suite is traced. 0: the repository\'s own limits'),
    excludeTests: z.array(z.string().min(1).refine(isUsablePattern, { message: 'not a valid /regular expression/: escape it or give a plain substring' })).default([]).describe('tests no task may use: substrings of test ids, or /regular expressions/; they never start in the trace runs and are excluded with the reason excluded-by-option'),
    installTimeoutMs: z.number().int().min(1000).default(900_000),
    minPatchTokens: z.number().int().min(0).default(10).describe('tasks whose patch adds fewer tokens are rejected'),
    maxFunctionsPerStep: z.number().int().min(1).optional(),
    minFunctionsPerStep: z.number().int().min(1).optional(),
    minStepLines: z.number().int().min(0).default(5).describe('size floor: a step whose functions add fewer non-blank lines is merged into the neighbouring step that shares tests or callers with it (0: off)'),
    retryMergedParts: z.boolean().default(true).describe('a step the size floor merged that is rejected (at emit or verification) is tried again as its unmerged parts, each a task of its own (isolated mode); false: the merged step is lost whole'),
    namedUnits: z.boolean().default(true).describe('develop anonymous functions, callbacks and nested helpers with the named function, method or class member that holds them (false: every traced function is a node of its own)'),
    order: z.enum(['dependency', 'paper']).default('dependency').describe('step order'),
    stubStyle: z.enum(['throw', 'return-undefined']).default('throw'),
    maxSteps: z.number().int().min(1).optional().describe('emit at most this many steps'),
    fullPassToPass: z.boolean().default(false).describe('run every PASS_TO_PASS test, not only those a step can affect'),
    traceProvenPassToPass: z.boolean().default(true).describe('skip on base the PASS_TO_PASS tests whose traced run called no stubbed function (false: decide from the import graph only)'),
    batchTrees: z.boolean().default(true).describe('run the trees of many tasks in one runner run (vitest, node:test, ava, mocha; local runtime); false: one run per tree'),
    sharedBatches: z.boolean().default(true).describe('vitest >= 2 tree batches of a repository without a vitest config share worker processes between trees (one project, no per-file isolation, a tree per test file); a failure without the stub error reruns its tree alone. false: the repository pool'),
    warmSessions: z.boolean().default(true).describe('keep the runner warm between verification runs (vitest, jest); false: one runner process per run'),
    testRun: z.number().int().min(0).optional().describe("which run of the suite to take when the test script runs it several times under different environments (0 = the first); see summary.md"),
    testEnv: z.record(z.string(), z.string()).optional().describe('environment for every test run, over the assignments read from the test script'),
    build: z.string().optional().describe('shell command that builds what the tests read (run after install and before tracing); default: the build steps of the test and pretest scripts; "" for none'),
    builtSources: z.record(z.string(), z.string()).optional().describe('build output the tests run that carries no source maps, built file by file from a folder of the repository: output folder -> source folder (for example {"lib/cjs": "lib/esm"}); its functions are traced back to the source files of the same paths by name'),
    allowScripts: z.union([z.literal('all'), z.array(z.string())]).default([]).describe('dependencies allowed to run install scripts'),
    statements: z
      .object({
        writer: z.enum(['offline', 'llm']).default('offline'),
        baseUrl: z.string().optional(),
        model: z.string().optional(),
        requestsPerMinute: z.number().int().min(1).optional(),
        concurrency: z.number().int().min(1).optional(),
        docstrings: z.boolean().default(false),
      })
      .prefault({}),
    nodeVersion: z.string().optional().describe('Node version of the environment image'),
    node: z.string().optional().describe('Node version or range the repository is installed, traced, verified and evaluated with on this machine (default: chosen from .nvmrc, .node-version, volta, engines and the lockfile)'),
    profile: z.boolean().default(false).describe('write profile.json: per stage and per verification batch, wall time, CPU time of swe-flow and its child processes, and the idle share of the machine'),
    skipImage: z.boolean().default(false).describe('do not build the environment image'),
    audit: z.boolean().default(true).describe("search every task's environment for its solution and drop the tasks where it is found (solution-reachable)"),
    auditMinTokens: z.number().int().min(1).default(12).describe('function bodies shorter than this many code tokens are not searched for by the audit'),
    dependencyCopies: z.enum(['stub', 'reject']).default('stub').describe("copies of a task's solution bundled in other installed packages (prettier, consola...): stub those files in every task environment when the suite passes as before without them (stub), or let the audit reject the tasks they reveal (reject)"),
    leaks: z.enum(['strip', 'reject']).default('strip').describe("committed bundles, build caches, coverage and source maps with sources: strip them from the task repository (strip) or keep them and let the audit reject the tasks they reveal (reject)"),
  })
  .strict();

export type SynthConfigInput = z.input<typeof SynthConfigSchema>;
export type SynthConfig = z.output<typeof SynthConfigSchema>;

export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(SynthConfigSchema, { io: 'input' }) as Record<string, unknown>;
}

/** Validates options; the error lists every problem with its path. */
export function parseSynthConfig(input: unknown): { ok: true; config: SynthConfig } | { ok: false; problems: string[] } {
  const result = SynthConfigSchema.safeParse(input);
  if (result.success) return { ok: true, config: result.data };
  return { ok: false, problems: result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`) };
}
