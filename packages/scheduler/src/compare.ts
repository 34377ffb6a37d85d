import type { RdgJson, ScheduleOptions } from '@swe-flow/core';
import { planSchedule, type SchedulePlan } from './schedule.js';

export interface OrderReport {
  order: 'dependency' | 'paper';
  steps: number;
  /**
   * Steps whose tests reach a core node that is developed only in a later step (or never, while not
   * frozen). Each step develops everything new its tests reach, so this counts only the effect of
   * skipped or dropped groups.
   */
  stepsReachingLaterNodes: number;
  /**
   * Steps that develop a function which calls (an edge of the merged graph, observed in any test) a
   * core function developed only in a later step or never: at that step's reference commit the new
   * code calls a stub. This is what the dependency order minimises.
   */
  stepsCallingLaterNodes: number;
  /** Merged-graph core edges whose caller is developed in an earlier step than its callee (or callee never). */
  callEdgesIntoLaterSteps: number;
}

export interface OrderComparison {
  dependency: OrderReport;
  paper: OrderReport;
}

function report(plan: SchedulePlan, order: 'dependency' | 'paper'): OrderReport {
  const { developedAt, frozen, coreEdges, stepCore } = plan;
  const laterThan = (node: number, step: number): boolean => {
    if (frozen[node]) return false;
    const at = developedAt[node]!;
    return at < 0 || at > step;
  };
  let reaching = 0;
  stepCore.forEach((core, s) => {
    if (core.some((n) => laterThan(n, s))) reaching++;
  });
  const calling = new Set<number>();
  let edges = 0;
  for (let i = 0; i < coreEdges.length; i += 2) {
    const u = coreEdges[i]!;
    const v = coreEdges[i + 1]!;
    const su = developedAt[u]!;
    if (su < 0 || !laterThan(v, su)) continue;
    edges++;
    calling.add(su);
  }
  return {
    order,
    steps: stepCore.length,
    stepsReachingLaterNodes: reaching,
    stepsCallingLaterNodes: calling.size,
    callEdgesIntoLaterSteps: edges,
  };
}

/** Schedules the RDG with both orders (other options equal) and counts how often steps run ahead of their callees. */
export function compareOrders(rdg: RdgJson, options: Omit<ScheduleOptions, 'order'> = {}): OrderComparison {
  return {
    dependency: report(planSchedule(rdg, { ...options, order: 'dependency' }), 'dependency'),
    paper: report(planSchedule(rdg, { ...options, order: 'paper' }), 'paper'),
  };
}
