import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCodes, SweFlowError, type TraceJson } from '@swe-flow/core';
import { traceWithInfo, type RunnerAdapter } from '@swe-flow/tracer';
import type { RepoJson } from './prepare.js';
import type { Stage, StageEnv } from './stage.js';

interface TraceRecord { tests: number; passed: number; excluded: number }

const traceFileOf = (env: StageEnv) => path.join(env.out, 'trace.json');

/** Reasons a test is excluded that mean it did not pass on the original code. */
const FAILING = new Set(['fails-untraced', 'timed-out']);

/**
 * Why no test is left to build on, by what the exclusions say: failing tests (ALL_TESTS_FAIL), or
 * tests that passed but were reported by one of the two runs only, or differently (the untraced and
 * the traced run did not run the same suite: TRACE_FAILED, with the counts).
 */
export function noPassingTests(trace: Pick<TraceJson, 'excluded'>, traceFile: string): SweFlowError {
  const counts = new Map<string, number>();
  for (const e of trace.excluded) counts.set(e.reason, (counts.get(e.reason) ?? 0) + 1);
  const failing = trace.excluded.filter((e) => FAILING.has(e.reason)).length;
  const byReason = [...counts].sort((a, b) => b[1] - a[1]).map(([r, n]) => `${n} ${r}`).join(', ');
  if (failing > 0 || trace.excluded.length === 0) {
    return new SweFlowError(ErrorCodes.ALL_TESTS_FAIL, `no test passes on the original code (${byReason || 'none reported'}): fix the suite or its environment first; see ${traceFile}`);
  }
  const onlyTraced = counts.get('not-reported') ?? 0;
  return new SweFlowError(
    ErrorCodes.TRACE_FAILED,
    `no test failed, but none was reported the same way by the untraced and the traced run (${byReason}${onlyTraced > 0 ? '; "not-reported" tests ran in one of the two runs only' : ''}): the two runs did not run the same tests. Check which files the test script runs (the runner's own config, or the files named on its command line), or set "runner" in the config; see ${traceFile} and the runs' logs in logs/`,
    { details: { excluded: Object.fromEntries(counts) } },
  );
}

/** When the install needed its lifecycle scripts off: the failing script's own error lines, else undefined. */
function scriptsOffReason(repo: RepoJson): string | undefined {
  const failed = repo.install.attempts?.find((a) => a.failure === 'lifecycle-script');
  if (!failed || !repo.install.command.includes('--ignore-scripts') && !repo.install.fallbacks.some((f) => f.startsWith('install scripts off'))) return undefined;
  return (failed.errorLines ?? []).slice(0, 12).join('\n') || '(no output)';
}

/** 2. Trace: runs the suite untraced and traced; writes `trace.json` and hands the trace on. */
export const traceStage: Stage<'traceTimeoutMs' | 'testFileTimeoutMs' | 'traceTestTimeoutMs' | 'excludeTests', { repo: RepoJson; adapter: RunnerAdapter; env: Record<string, string> }, TraceRecord, TraceJson> = {
  name: 'trace',
  reads: ['traceTimeoutMs', 'testFileTimeoutMs', 'traceTestTimeoutMs', 'excludeTests'],
  keyOf: ({ repo }) => repo.runner,
  async run(config, env, { repo, adapter, env: runEnv }) {
    const traceFile = traceFileOf(env);
    const info = await traceWithInfo({
      root: env.workDir, runner: repo.runner, adapters: [adapter], outFile: traceFile, timeoutMs: config.traceTimeoutMs, logger: env.logger,
      testFileTimeoutMs: config.testFileTimeoutMs, testTimeoutMs: config.traceTestTimeoutMs, exclude: config.excludeTests,
      // The repository's Node on PATH, and the test script's environment over it.
      env: { ...runEnv, ...(repo.testEnv ?? {}) },
      logDir: path.join(env.out, 'logs'),
      ...(repo.specFiles ? { specFiles: repo.specFiles } : {}),
      ...(repo.runnerArgs ? { runnerArgs: repo.runnerArgs } : {}),
      ...(repo.builtOutput ? { builtOutput: repo.builtOutput } : {}),
    });
    const passed = info.trace.tests.filter((t) => t.status === 'passed').length;
    if (info.trace.tests.length === 0 && info.trace.excluded.length === 0) {
      throw new SweFlowError(ErrorCodes.NO_TESTS, `${repo.runner} found no tests in ${repo.source.input}: check the test files and the runner's configuration`);
    }
    const scriptsOff = scriptsOffReason(repo);
    if (passed === 0 && !scriptsOff) throw noPassingTests(info.trace, traceFile);
    if (passed === 0) {
      throw new SweFlowError(
        ErrorCodes.ALL_TESTS_FAIL,
        `every test fails on the original code (${info.trace.excluded.length} excluded), and the install ran with its lifecycle scripts off because one failed: the tests need what the scripts make. Fix what the script needs (see repo.json install.attempts) or pass --allow-scripts; see ${traceFile}. The script said:\n${scriptsOff}`,
      );
    }
    if (scriptsOff && info.trace.excluded.length > 0) {
      env.logger.warn(`${info.trace.excluded.length} tests fail on the original code and are left out; the install ran with its lifecycle scripts off (a script failed), which may be why`);
    }
    return { record: { tests: info.trace.tests.length, passed, excluded: info.trace.excluded.length }, artifact: info.trace };
  },
  async load(env) {
    return JSON.parse(await readFile(traceFileOf(env), 'utf8')) as TraceJson;
  },
};
