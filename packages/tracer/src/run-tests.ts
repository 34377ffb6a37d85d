import {
  ErrorCodes,
  SweFlowError,
  type CommandSpec,
  type TestCommandAdapter,
  type TestResult,
  type TestRunOutcome,
  type TestSelection,
  type Workspace,
} from '@swe-flow/core';

let resultCounter = 0;

/** Renders a command as one shell line, for dataset rows and logs. */
export function commandLine(spec: CommandSpec): string {
  const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  const env = Object.entries(spec.env ?? {}).map(([k, v]) => `${k}=${quote(v)}`);
  return [...env, spec.command, ...spec.args].map((s, i) => (i < env.length ? s : quote(s))).join(' ');
}

/**
 * Runs a selection of tests in a workspace and reads the outcome from the runner's machine-readable
 * result file (never from its text output). Requested tests that the runner did not report are
 * listed as missing: a filter that matches nothing is not a pass.
 */
export async function runTests(
  workspace: Workspace,
  adapter: TestCommandAdapter,
  selection: TestSelection,
  timeoutMs: number,
  /** A limit for each test (`testTimeLimitScope`); absent, the repository's own. */
  testTimeoutMs?: number,
): Promise<TestRunOutcome> {
  const resultFile = `.swe-flow/results-${process.pid}-${++resultCounter}.json`;
  await workspace.writeFile('.swe-flow/.keep', '');
  const spec = adapter.plainCommand({ resultFile, selection, ...(testTimeoutMs ? { testTimeoutMs } : {}) });
  const exec = await workspace.exec(spec, { timeoutMs });
  const logTail = `${exec.stdout}\n${exec.stderr}`.split('\n').slice(-40).join('\n');
  if (exec.timedOut) {
    return { results: [], missing: [...selection.testIds], exitCode: exec.exitCode, timedOut: true, durationMs: exec.durationMs, logTail };
  }
  const text = await workspace.readFile(resultFile);
  if (text === undefined || text.trim() === '') {
    throw new SweFlowError(
      ErrorCodes.RESULTS_UNREADABLE,
      `${adapter.name} wrote no result file (exit ${exec.exitCode}); command: ${commandLine(spec)}\n${logTail}`,
      { details: { exitCode: exec.exitCode } },
    );
  }
  const results = adapter.parseResults(text, workspace.root);
  const reported = new Set(results.map((r) => r.id));
  const missing = selection.testIds.filter((id) => !reported.has(id));
  return { results, missing, exitCode: exec.exitCode, timedOut: false, durationMs: exec.durationMs, logTail };
}

export function statusMap(outcome: TestRunOutcome): Map<string, TestResult['status']> {
  return new Map(outcome.results.map((r) => [r.id, r.status]));
}
