/**
 * Every CLI option in one declarative table: cac registers them and prints them in --help, and
 * `toConfig` maps parsed flags onto the synthesis config (validated by the schema in @swe-flow/core).
 */
import { ErrorCodes, SweFlowError } from '@swe-flow/core';

export interface OptionSpec {
  flags: string;
  description: string;
  /** Config key the flag sets (dotted for nested keys). */
  config?: string;
  parse?: (value: unknown) => unknown;
  default?: unknown;
}

const int = (v: unknown) => (typeof v === 'string' ? Number(v) : v);
const list = (v: unknown) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : v);

export const commonOptions: OptionSpec[] = [
  { flags: '--json', description: 'Machine-readable JSON lines on stdout' },
  { flags: '--quiet', description: 'Only errors and the final result' },
  { flags: '--verbose', description: 'Debug logging' },
];

export const synthOptions: OptionSpec[] = [
  { flags: '-o, --out <dir>', description: 'Output directory (required)' },
  { flags: '--config <file>', description: 'swe-flow.config.json or .ts (default: one in the current directory)' },
  { flags: '--resume', description: 'Continue a run in --out, skipping finished stages' },
  { flags: '--force', description: 'Clear --out first (only a folder swe-flow made: it holds .swe-flow-output)' },
  { flags: '--ref <ref>', description: 'git ref to check out', config: 'ref' },
  { flags: '--mirror <url=path>', description: 'Clone this URL from a local git repository instead of the network (repeatable)', config: 'mirrors', parse: mirrorPairs },
  { flags: '--mirror-dir <dir>', description: 'Folder of local snapshots by name (owner+name/repo, owner/name.git, ...) to clone URLs from (or SWEFLOW_MIRROR_DIR)', config: 'mirrorDir' },
  { flags: '--name <owner/repo>', description: 'Repository name for instance ids (default: from the remote or folder)', config: 'name' },
  { flags: '--package <dir>', description: 'Monorepo: the workspace package (folder or name) whose tests to synthesize from', config: 'package' },
  { flags: '--runner <name>', description: 'vitest | jest | mocha | node-test | ava | tape | tap | uvu | jasmine (default: detected)', config: 'runner' },
  { flags: '--mode <modes>', description: 'isolated, incremental or both (comma-separated)', config: 'modes', parse: list },
  { flags: '--runtime <name>', description: 'local | docker: where verification runs', config: 'runtime' },
  { flags: '--base <kind>', description: 'offline | online: base of the docker image', config: 'base' },
  { flags: '--workers <n>', description: 'Parallel verification workers', config: 'workers', parse: int },
  { flags: '--reruns <n>', description: 'Reference reruns to catch flaky tests', config: 'reruns', parse: int },
  { flags: '--max-steps <n>', description: 'Emit at most this many steps', config: 'maxSteps', parse: int },
  { flags: '--min-patch-tokens <n>', description: 'Reject patches adding fewer tokens', config: 'minPatchTokens', parse: int },
  { flags: '--min-step-lines <n>', description: 'Merge a step adding fewer non-blank lines into the neighbouring step that shares tests or callers (0: off; default 5)', config: 'minStepLines', parse: int },
  { flags: '--no-merged-parts', description: 'Do not try a rejected merged step again as its unmerged parts (default: each part is verified as a task of its own)', config: 'retryMergedParts' },
  { flags: '--raw-functions', description: 'Schedule every traced function on its own instead of named units (anonymous callbacks with the function that holds them)', config: 'namedUnits', parse: (v) => !v },
  { flags: '--max-functions-per-step <n>', description: 'Skip steps developing more functions', config: 'maxFunctionsPerStep', parse: int },
  { flags: '--order <order>', description: 'dependency | paper: step order', config: 'order' },
  { flags: '--stub-style <style>', description: 'throw | return-undefined', config: 'stubStyle' },
  { flags: '--full-p2p', description: 'Run every PASS_TO_PASS test, not only affected ones', config: 'fullPassToPass' },
  { flags: '--import-p2p', description: 'Choose the PASS_TO_PASS tests to run from the import graph only (default: also skip those whose traced run called no stubbed function)', config: 'traceProvenPassToPass', parse: (v) => !v },
  { flags: '--tree-by-tree', description: 'Run each base/reference tree in a runner run of its own instead of many trees in one runner run', config: 'batchTrees', parse: (v) => !v },
  { flags: '--process-batches', description: "vitest tree batches in the repository's own pool (a worker per test file), not sharing workers between trees", config: 'sharedBatches', parse: (v) => !v },
  { flags: '--plain-runs', description: 'One runner process per verification run (no warm vitest/jest session)', config: 'warmSessions', parse: (v) => !v },
  { flags: '--test-timeout <ms>', description: 'Limit for one test run', config: 'testTimeoutMs', parse: int },
  { flags: '--trace-timeout <ms>', description: 'Limit for the traced suite run', config: 'traceTimeoutMs', parse: int },
  { flags: '--base-test-timeout-factor <n>', description: 'Base verification runs limit each test to n times its traced time (default 5; 0: the repository limits); a test cut there counts as failing', config: 'baseTestTimeoutFactor', parse: int },
  { flags: '--base-test-timeout-floor <ms>', description: 'The least per-test limit of a base run (default 1000; node:test limits files: five times it)', config: 'baseTestTimeoutFloorMs', parse: int },
  { flags: '--profile', description: 'Write profile.json: per stage and per verification batch, wall time, CPU time (child processes included) and the idle share', config: 'profile' },
  { flags: '--test-file-timeout <ms>', description: 'node:test: limit for one test file while tracing (default 120000); a file that runs longer is cut and listed under lost tests, the rest is traced', config: 'testFileTimeoutMs', parse: int },
  { flags: '--trace-test-timeout <ms>', description: "vitest, jest, mocha, ava: limit for each test while tracing (default 60000; ava: the run's inactivity; 0: the repository's own limits); a test cut there is excluded as timed-out and listed under lost tests, the rest is traced", config: 'traceTestTimeoutMs', parse: int },
  { flags: '--exclude-test <pattern>', description: 'Leave tests out of every task: a substring of the test id or /regex/ (repeatable)', config: 'excludeTests', parse: (v) => (Array.isArray(v) ? v : [v]).map(String) },
  { flags: '--allow-scripts <names>', description: "Dependencies allowed to run install scripts ('all' or a list)", config: 'allowScripts', parse: (v) => (v === 'all' ? 'all' : list(v)) },
  { flags: '--statements <writer>', description: 'offline | llm', config: 'statements.writer' },
  { flags: '--llm-base-url <url>', description: 'OpenAI-compatible endpoint (or SWEFLOW_LLM_BASE_URL)', config: 'statements.baseUrl' },
  { flags: '--docstrings', description: 'Add doc comments to functions to implement that have none (base and reference alike)', config: 'statements.docstrings' },
  { flags: '--llm-model <model>', description: 'Model name (or SWEFLOW_LLM_MODEL)', config: 'statements.model' },
  { flags: '--node <version>', description: 'Node for this repository on this machine (install, trace, verify, eval); default: chosen from .nvmrc, engines, volta and the lockfile', config: 'node', parse: (v) => String(v) },
  { flags: '--node-version <v>', description: 'Node version of the environment image', config: 'nodeVersion' },
  { flags: '--skip-image', description: 'Do not write or build the environment image', config: 'skipImage' },
  { flags: '--no-audit', description: "Do not search the tasks' environments for their solutions (the summary says so)", config: 'audit' },
  { flags: '--audit-min-tokens <n>', description: 'Bodies shorter than this many tokens are not searched for by the audit (default 12)', config: 'auditMinTokens', parse: int },
  { flags: '--dependency-copies <policy>', description: "stub | reject: dependency files that hold a copy of a task's solution (bundled in another package) are stubbed in every task environment when the suite passes as before without them (stub), or the tasks they reveal are rejected by the audit (reject)", config: 'dependencyCopies' },
  { flags: '--leaks <policy>', description: 'strip | reject: committed bundles, caches, coverage and source maps with sources are removed from the tasks (strip) or tasks they reveal are rejected by the audit (reject)', config: 'leaks' },
];

/** Repeated `--mirror URL=PATH` flags → a URL → path map (the workspace package resolves them). */
function mirrorPairs(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of ([] as unknown[]).concat(value).map(String)) {
    const at = pair.lastIndexOf('=');
    if (at <= 0 || at === pair.length - 1) throw new SweFlowError(ErrorCodes.USAGE, `--mirror ${pair}: give URL=PATH (the URL as passed to synth, the path of a local git repository)`);
    out[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return out;
}

const camel = (flag: string) => flag.replace(/^-+/, '').replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());

/** Flags → a config object (only flags the user gave). */
export function toConfig(specs: readonly OptionSpec[], flags: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const spec of specs) {
    if (!spec.config) continue;
    const long = /--([a-z0-9-]+)/.exec(spec.flags)?.[1];
    if (!long) continue;
    // cac turns `--no-x` into `x: false` when given and `x: true` when not: only the given form counts.
    const negated = long.startsWith('no-');
    const value = negated ? (flags[camel(long.slice(3))] === false ? false : undefined) : flags[camel(long)];
    if (value === undefined) continue;
    const parsed = spec.parse ? spec.parse(value) : value;
    const keys = spec.config.split('.');
    let target = out;
    for (const k of keys.slice(0, -1)) target = (target[k] ??= {}) as Record<string, unknown>;
    target[keys.at(-1)!] = parsed;
  }
  if (Array.isArray(out.modes) && out.modes.includes('both')) out.modes = ['isolated', 'incremental'];
  return out;
}
