import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCodes, SweFlowError, TRACE_SCHEMA_VERSION, type ScheduleJson, type ScheduleOptions, type TraceJson } from '@swe-flow/core';
import { buildRdg, buildSchedule, compareOrders, toDot, toMermaid } from '@swe-flow/scheduler';
import { writeFileAtomic } from '@swe-flow/runtime';
import { reachableNodes } from './reachable.js';
import { unitLines } from './unit-lines.js';

async function readTrace(traceFile: string): Promise<TraceJson> {
  const text = await readFile(traceFile, 'utf8').catch((cause: unknown) => {
    throw new SweFlowError(ErrorCodes.PATH_MISSING, `cannot read ${traceFile}: run \`swe-flow trace\` first or give the right --trace path`, { cause });
  });
  try {
    return JSON.parse(text) as TraceJson;
  } catch (cause) {
    throw new SweFlowError(ErrorCodes.INPUT_INVALID, `${traceFile} is not JSON`, { cause });
  }
}

/**
 * `swe-flow schedule`: reads trace.json (a path, or its already parsed content), writes
 * rdg.json/.dot/.mmd, schedule.json and order-comparison.json into `out`.
 */
export async function scheduleFromTrace(
  traceInput: string | TraceJson,
  out: string,
  options: ScheduleOptions = {},
  maxSteps?: number,
  units: { namedUnits?: boolean; keepReachable?: { dependenciesDir: string; minTokens: number } } = {},
): Promise<ScheduleJson> {
  const traceFile = typeof traceInput === 'string' ? traceInput : 'trace.json';
  const trace = typeof traceInput === 'string' ? await readTrace(traceInput) : traceInput;
  if (trace.schemaVersion !== TRACE_SCHEMA_VERSION || !Array.isArray(trace.tests)) {
    throw new SweFlowError(ErrorCodes.INPUT_INVALID, `${traceFile} is not a swe-flow trace (schemaVersion ${String(trace.schemaVersion)}; expected ${TRACE_SCHEMA_VERSION})`);
  }
  const rdg = buildRdg(trace, { units: units.namedUnits ?? true });
  // The size floor needs each function's added lines: read from the traced copy of the repository.
  const nodeLines = options.minStepLines ? await unitLines(trace, rdg) : undefined;
  // Nodes whose solution the installed dependencies hold are kept whole (reachable.json says where).
  const reachable = units.keepReachable ? await reachableNodes(trace, rdg, units.keepReachable.dependenciesDir, units.keepReachable.minTokens) : undefined;
  if (reachable) await writeFileAtomic(path.join(out, 'reachable.json'), JSON.stringify(reachable, null, 2));
  const kept = reachable?.kept.length ? { kept: reachable.kept } : {};
  const schedule = buildSchedule(rdg, { frozen: trace.moduleLoadFunctions, ...options, ...kept, ...(nodeLines ? { nodeLines } : {}) });
  if (maxSteps !== undefined && schedule.steps.length > maxSteps) schedule.steps = schedule.steps.slice(0, maxSteps);
  await writeFileAtomic(path.join(out, 'rdg.json'), JSON.stringify(rdg));
  await writeFileAtomic(path.join(out, 'rdg.dot'), toDot(rdg));
  await writeFileAtomic(path.join(out, 'rdg.mmd'), toMermaid(rdg));
  await writeFileAtomic(path.join(out, 'schedule.json'), JSON.stringify(schedule, null, 2));
  await writeFileAtomic(path.join(out, 'order-comparison.json'), JSON.stringify(compareOrders(rdg, { frozen: trace.moduleLoadFunctions }), null, 2));
  return schedule;
}
