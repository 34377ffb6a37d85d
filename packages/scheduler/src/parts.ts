import type { ScheduleStep } from '@swe-flow/core';

/** A rejected step, as a reject row names it. */
export interface RejectedStep {
  step: number;
  reason: string;
}

/**
 * Reasons that say nothing about the task (the machine could not run it): a merged step rejected for
 * one of them is not split, since its parts would meet the same trouble and a resumed run retries it.
 */
const NOT_ABOUT_THE_TASK = new Set(['infrastructure-error']);

/**
 * The fallback of the size floor: the parts to verify on their own because the merged step that holds
 * them was rejected (at emit, e.g. a stub that failed, or at verification: one part's test that does
 * not pass on the reference, or whose stub breaks an earlier step's test, takes the whole merged step
 * down). Each part is a step of the unmerged schedule, in schedule order; the walk never makes a step of
 * anonymous functions alone, so no part is one. Steps without parts, and rejects that say nothing about
 * the task, give none.
 */
export function partsToRetry(steps: readonly ScheduleStep[], rejected: readonly RejectedStep[]): ScheduleStep[] {
  const failed = new Set(rejected.filter((r) => !NOT_ABOUT_THE_TASK.has(r.reason)).map((r) => r.step));
  return steps.filter((s) => failed.has(s.step) && (s.parts?.length ?? 0) > 1).flatMap((s) => s.parts!);
}

/** Every part of every merged step, by its step number (parts are numbered after the schedule's last step). */
export function partsByStep(steps: readonly ScheduleStep[]): Map<number, { part: ScheduleStep; of: ScheduleStep }> {
  const out = new Map<number, { part: ScheduleStep; of: ScheduleStep }>();
  for (const of of steps) for (const part of of.parts ?? []) out.set(part.step, { part, of });
  return out;
}
