import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCodes, SweFlowError, type TraceJson } from '@swe-flow/core';
import { traceWithInfo, type RunnerAdapter } from '@swe-flow/tracer';
import type { RepoJson } from './prepare.js';
import type { Stage, StageEnv } from './stage.js';

interface TraceRecord { tests: number; passed: number; excluded: number }

const traceFileOf = (env: StageEnv) => path.join(env.out, 'trace.json');

/** When the install needed its lifecycle scripts off: the failing script's own error lines, else undefined. */
function scriptsOffReason(repo: RepoJson): string | undefined {
  const failed = repo.install.attempts?.find((a) => a.failure === 'lifecycle-script');
  if (!failed || !repo.install.command.includes('--ignore-scripts') && !repo.install.fallbacks.some((f) => f.startsWith('install scripts off'))) return undefined;
  return (failed.errorLines ?? []).slice(0, 12).join('\n') || '(no output)';
}

/** 2. Trace: runs the suite untraced and traced; writes `trace.json` and hands the trace on. */
export const traceStage: Stage<'traceTimeoutMs' | 'testFileTimeoutMs' | 'excludeTests', { repo: RepoJson; adapter: RunnerAdapter; env: Record<string, string> }, TraceRecord, TraceJson> = {
  name: 'trace',
  reads: ['traceTimeoutMs', 'testFileTimeoutMs', 'excludeTests'],
  keyOf: ({ repo }) => repo.runner,
  async run(config, env, { repo, adapter, env: runEnv }) {
    const traceFile = traceFileOf(env);
    const info = await traceWithInfo({
      root: env.workDir, runner: repo.runner, adapters: [adapter], outFile: traceFile, timeoutMs: config.traceTimeoutMs, logger: env.logger,
      testFileTimeoutMs: config.testFileTimeoutMs, exclude: config.excludeTests,
      // The repository's Node on PATH, and the test script's environment over it.
      env: { ...runEnv, ...(repo.testEnv ?? {}) },
      logDir: path.join(env.out, 'logs'),
      ...(repo.specFiles ? { specFiles: repo.specFiles } : {}),
    });
    const passed = info.trace.tests.filter((t) => t.status === 'passed').length;
    if (info.trace.tests.length === 0 && info.trace.excluded.length === 0) {
      throw new SweFlowError(ErrorCodes.NO_TESTS, `${repo.runner} found no tests in ${repo.source.input}: check the test files and the runner's configuration`);
    }
    const scriptsOff = scriptsOffReason(repo);
    if (passed === 0) {
      throw new SweFlowError(
        ErrorCodes.ALL_TESTS_FAIL,
        scriptsOff
          ? `every test fails on the original code (${info.trace.excluded.length} excluded), and the install ran with its lifecycle scripts off because one failed: the tests need what the scripts make. Fix what the script needs (see repo.json install.attempts) or pass --allow-scripts; see ${traceFile}. The script said:\n${scriptsOff}`
          : `every test fails on the original code (${info.trace.excluded.length} excluded): fix the suite or its environment first; see ${traceFile}`,
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
