import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ScheduleJson, TraceJson } from '@swe-flow/core';
import { scheduleFromTrace } from '../schedule-stage.js';
import type { Stage } from './stage.js';

type ScheduleReads = 'order' | 'maxFunctionsPerStep' | 'minFunctionsPerStep' | 'maxSteps' | 'minStepLines' | 'namedUnits' | 'audit' | 'auditMinTokens' | 'dependencyCopies';

/**
 * 3. Schedule: the RDG and the steps from the trace; writes rdg.*, schedule.json, order-comparison.json.
 * With the audit on and `--dependency-copies reject`, core nodes whose bodies the installed dependencies
 * hold are kept whole (reachable.json): the audit would reject their tasks as solution-reachable.
 */
export const scheduleStage: Stage<ScheduleReads, { trace: TraceJson }, { steps: number; skipped: number }, ScheduleJson> = {
  name: 'schedule',
  reads: ['order', 'maxFunctionsPerStep', 'minFunctionsPerStep', 'maxSteps', 'minStepLines', 'namedUnits', 'audit', 'auditMinTokens', 'dependencyCopies'],
  async run(config, env, { trace }) {
    const options = {
      order: config.order,
      frozen: trace.moduleLoadFunctions,
      ...(config.maxFunctionsPerStep ? { maxFunctionsPerStep: config.maxFunctionsPerStep } : {}),
      ...(config.minFunctionsPerStep ? { minFunctionsPerStep: config.minFunctionsPerStep } : {}),
      ...(config.minStepLines ? { minStepLines: config.minStepLines } : {}),
    };
    // With --dependency-copies stub (default) the copies are stubbed before verification and the tasks kept;
    // with reject the audit would reject them, so their units are kept whole instead.
    const keepReachable = config.audit && config.dependencyCopies === 'reject' ? { keepReachable: { dependenciesDir: env.workDir, minTokens: config.auditMinTokens } } : {};
    const schedule = await scheduleFromTrace(trace, env.out, options, config.maxSteps, { namedUnits: config.namedUnits, ...keepReachable });
    return { record: { steps: schedule.steps.length, skipped: schedule.skipped.length }, artifact: schedule };
  },
  async load(env) {
    return JSON.parse(await readFile(path.join(env.out, 'schedule.json'), 'utf8')) as ScheduleJson;
  },
};
