import type { ScheduleJson } from '@swe-flow/core';

const shortName = (id: string): string => {
  const m = /^(.*):(\d+):(\d+):(.*)$/s.exec(id);
  return m ? `${m[4]} (${m[1]}:${m[2]})` : id;
};

/**
 * A plain-text rendering of a schedule, one block per step and one line per skipped group:
 * deterministic, diff-friendly, meant for golden files and logs.
 */
export function formatSchedule(schedule: ScheduleJson): string {
  const lines: string[] = [];
  const { stats } = schedule;
  lines.push(
    `schedule: ${stats.steps} steps from ${stats.groups} groups of ${stats.tests} tests; ` +
      `${stats.developedNodes}/${stats.coreNodes} core functions developed; depth ${stats.dependencyDepth}; order ${schedule.options.order ?? 'dependency'}` +
      (schedule.options.minStepLines ? `; size floor ${schedule.options.minStepLines} lines, ${stats.mergedBelowFloor ?? 0} step(s) merged` : ''),
  );
  for (const step of schedule.steps) {
    const size = step.lines !== undefined ? `, ${step.lines} line(s)` : '';
    const merged = step.mergedSteps ? `, merged from ${step.mergedSteps} steps` : '';
    lines.push(`step ${step.step}: ${step.testIds.length} test(s)${size}${merged}`);
    for (const t of step.testIds) lines.push(`  test     ${t}`);
    for (const n of step.nodesToDevelop) lines.push(`  develop  ${shortName(n)}${step.targetCore.includes(n) ? ' [target]' : ''}`);
    for (const n of step.reusedNodes) lines.push(`  reuse    ${shortName(n)}`);
  }
  for (const g of schedule.skipped) lines.push(`skipped (${g.reason}): ${g.testIds.join(', ')}`);
  return `${lines.join('\n')}\n`;
}
