/**
 * Why a run that finished yielded no verified task, as a stable code and a message a user can act on:
 * no step could be scheduled (the passing tests reach no function of the repository's own sources
 * that can be stubbed), or every candidate was rejected (by reason). Partial results stay on disk;
 * this only says what happened. Pure: reads the run's artifacts in memory.
 */
import { ErrorCodes, type ScheduleJson, type TraceJson } from '@swe-flow/core';

export interface NoTasks {
  code: string;
  message: string;
}

const count = (values: readonly string[]) => {
  const out = new Map<string, number>();
  for (const v of values) out.set(v, (out.get(v) ?? 0) + 1);
  return [...out].sort((a, b) => b[1] - a[1]);
};

/** Hints by the reason the scheduler skipped a group of tests. */
const SKIP_HINTS: Record<string, string> = {
  'no-core-nodes':
    'their traced runs called no function of the repository\'s own instrumented sources: tests that import only build output (dist/, build output of TypeScript sources) or code a loader compiles out of swe-flow\'s sight reach none',
};

export function noTasksReason(input: { trace: Pick<TraceJson, 'tests' | 'functions'>; schedule: Pick<ScheduleJson, 'steps' | 'skipped'>; verified: number; rejectReasons: Record<string, number> }): NoTasks | undefined {
  if (input.verified > 0) return undefined;
  const passing = input.trace.tests.filter((t) => t.status === 'passed').length;
  if (input.schedule.steps.length === 0) {
    const skipped = count(input.schedule.skipped.flatMap((g) => g.testIds.map(() => g.reason)));
    const why = skipped.map(([reason, n]) => `${n} test(s) ${reason}${SKIP_HINTS[reason] ? ` (${SKIP_HINTS[reason]})` : ''}`).join('; ');
    const instrumented = Object.keys(input.trace.functions).length;
    return {
      code: ErrorCodes.NO_STEPS,
      message: `${passing} passing test(s) were traced, but no step could be scheduled: ${why || 'no test left to schedule'}. ${instrumented} source file(s) were instrumented; see schedule.json and trace.json. swe-flow instruments sources only, never build output: tests must call the sources (directly or through a loader such as ts-node or tsx) for their functions to become tasks.`,
    };
  }
  const reasons = Object.entries(input.rejectReasons).sort((a, b) => b[1] - a[1]);
  const top = reasons.map(([r, n]) => `${n} ${r}`).join(', ');
  const hint = reasons[0]?.[0] === 'solution-reachable'
    ? ' "solution-reachable": the stubbed code is readable elsewhere in the task\'s environment (a published copy of the package in node_modules, a duplicate file); see audit.json for where.'
    : ' See rejects.jsonl for each candidate\'s reason.';
  return {
    code: ErrorCodes.NO_VERIFIED_TASKS,
    message: `${input.schedule.steps.length} step(s) were scheduled, but no candidate task was verified (${top || 'no candidates'}).${hint}`,
  };
}
