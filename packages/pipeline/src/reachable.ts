/**
 * Core nodes whose solution an agent could read in its task environment, found before scheduling: the
 * bodies that developing a node replaces (its stub targets and every function nested in them) searched
 * for in the installed dependencies (`node_modules` of the prepared copy, less what the env tier
 * removes), the folders the audit searches after verification. The schedule keeps such a node whole
 * in every base (ScheduleOptions.kept): a task asking for it would be rejected `solution-reachable`,
 * with every function the size floor merged into its step.
 */
import { parseFunctionId, type FunctionInfo, type RdgJson, type TraceJson } from '@swe-flow/core';
import { countCodeTokens, scanDependencies } from '@swe-flow/eval';
import { functionUnits, stubTargetsOf } from '@swe-flow/scheduler';
import { SourceIndex } from './unit-lines.js';

export interface ReachableNodes {
  /** Core node ids with a body found in the dependencies, sorted. */
  kept: string[];
  /** Per kept node, the first place a body of it was found. */
  where: Record<string, string>;
  /** Bodies searched for, and how long the search took. */
  needles: number;
  durationMs: number;
}

const SEP = '\u0000';

/** The bodies developing `id` replaces, long enough to search for, as needles named `id` + SEP + function id. */
async function needlesOf(id: string, targets: readonly string[], sources: SourceIndex, minTokens: number): Promise<Array<{ id: string; text: string }>> {
  const out: Array<{ id: string; text: string }> = [];
  for (const target of targets) {
    const source = await sources.file(parseFunctionId(target).file);
    const fn = source?.byId.get(target);
    if (!source || !fn) continue;
    const inside = [...source.byId.values()].filter((f: FunctionInfo) => f === fn || (fn.bodyStart <= f.start && f.end <= fn.bodyEnd));
    for (const f of inside) {
      const text = source.code.slice(f.bodyStart, f.bodyEnd);
      if (countCodeTokens(text) >= minTokens) out.push({ id: `${id}${SEP}${f.id}`, text });
    }
  }
  return out;
}

export async function reachableNodes(trace: TraceJson, rdg: RdgJson, dependenciesDir: string, minTokens: number): Promise<ReachableNodes> {
  const started = Date.now();
  const units = functionUnits(trace.functions);
  const moduleLoad = new Set(trace.moduleLoadFunctions);
  const sources = new SourceIndex(trace.root);
  const needles: Array<{ id: string; text: string }> = [];
  for (const { id, role } of rdg.merged.nodes) {
    if (role === 'core') needles.push(...(await needlesOf(id, stubTargetsOf(id, units, moduleLoad), sources, minTokens)));
  }
  const where: Record<string, string> = {};
  if (needles.length > 0) {
    const { scan } = await scanDependencies(dependenciesDir, needles);
    for (const hit of scan.hits) {
      const [node, fn] = hit.id.split(SEP) as [string, string];
      where[node] ??= `${fn} in ${hit.kind} ${hit.path}`;
    }
  }
  return { kept: Object.keys(where).sort(), where, needles: needles.length, durationMs: Date.now() - started };
}
