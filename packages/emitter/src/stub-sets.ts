import type { ScheduleJson, TaskMode, TraceJson } from '@swe-flow/core';
import { changedByUnit, type FunctionUnits } from '@swe-flow/scheduler';

/**
 * Per test id, every function its traced run called (either end of each of its edges) together with
 * the functions that ran while its file loaded or in its file's before-all hooks.
 */
export function testFunctionsFromTrace(trace: Pick<TraceJson, 'tests' | 'files'>): Map<string, Set<string>> {
  const setup = new Map<string, string[]>();
  for (const f of trace.files) setup.set(f.file, f.setupEdges.flatMap(([caller, callee]) => [caller, callee]));
  const out = new Map<string, Set<string>>();
  for (const test of trace.tests) {
    const fns = new Set<string>(setup.get(test.file) ?? []);
    for (const [caller, callee] of test.edges) {
      fns.add(caller);
      fns.add(callee);
    }
    out.set(test.id, fns);
  }
  return out;
}

export type ChangedFunctions = (candidate: { mode: TaskMode; step: number }, tree: 'base' | 'reference') => ReadonlySet<string> | undefined;

/**
 * The functions a candidate's base or reference tree has stubbed, i.e. changed against the original,
 * exactly as `emitCandidates` writes them: an isolated base stubs its step's functions and its
 * reference is the original; incremental step k's base stubs steps k.. and its reference steps k+1..
 * (functions that run at module load are never stubbed there). A part of a merged step (`step.parts`) is an
 * isolated candidate of its own. With `units` (`functionUnits(trace.functions)`),
 * a developed unit changes every function it holds: those are the ids a traced run names.
 */
export function changedFunctionsOf(schedule: Pick<ScheduleJson, 'steps'>, moduleLoadFunctions: readonly string[], units?: FunctionUnits): ChangedFunctions {
  const moduleLoad = new Set(moduleLoadFunctions);
  const expand = (ids: readonly string[]): string[] => (units ? ids.flatMap((id) => changedByUnit(id, units, moduleLoad)) : ids.filter((id) => !moduleLoad.has(id)));
  const steps = schedule.steps;
  const indexOf = new Map(steps.map((s, i) => [s.step, i]));
  // suffix[i] = functions of steps i.. (minus module-load ones); suffix[steps.length] = none.
  const suffix: Set<string>[] = new Array(steps.length + 1);
  suffix[steps.length] = new Set();
  for (let i = steps.length - 1; i >= 0; i--) {
    const s = new Set(suffix[i + 1]);
    for (const id of expand(steps[i]!.nodesToDevelop)) s.add(id);
    suffix[i] = s;
  }
  const empty = new Set<string>();
  // The parts of merged steps (numbered after the last step) are isolated candidates of their own.
  const parts = new Map(steps.flatMap((s) => (s.parts ?? []).map((p) => [p.step, p] as const)));
  return ({ mode, step }, tree) => {
    const i = indexOf.get(step);
    const part = parts.get(step);
    if (part && mode === 'isolated') return tree === 'base' ? new Set(units ? expand(part.nodesToDevelop) : part.nodesToDevelop) : empty;
    if (i === undefined) return undefined;
    if (mode === 'isolated') return tree === 'base' ? new Set(units ? expand(steps[i]!.nodesToDevelop) : steps[i]!.nodesToDevelop) : empty;
    return tree === 'base' ? suffix[i] : suffix[i + 1];
  };
}
