#!/usr/bin/env node
// The shape of a synth run's tasks, for before/after tables (BENCHMARKS.md "Tasks a developer would
// recognise"): per output folder, verified rows, median added lines (non-blank `+` lines of the patch),
// median FAIL_TO_PASS and functions per task, the functions developed in verified tasks (the sum over
// rows: what a merge of small steps must not lose, while it lowers the row count by design), the distinct
// named units those functions belong to (comparable between --raw-functions and named units), rows whose
// every function to develop is an anonymous function or a function nested in a named one (not a named
// unit), the difficulty distribution, the schedule's steps and the reject reasons (rejects.jsonl).
//
//   node tools/bench/task-shape.mjs <synth-out-dir>...
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseFunctionId } from '@swe-flow/core';
import { addedLines } from '@swe-flow/emitter';
import { isStableName } from '@swe-flow/scheduler';

/** Not a named unit: its own name is unstable, or it is nested in a stably named function. */
function anonymousOrNested(id) {
  const segments = parseFunctionId(id).name.split('/');
  const own = segments[segments.length - 1];
  return !isStableName(own) || segments.slice(0, -1).some(isStableName);
}

/**
 * The named unit a function id belongs to, as `file:name`: its name up to the outermost stable segment
 * (`any/<anonymous>` → `any`), so rows of a `--raw-functions` run and of a named-units run count the
 * same units (an id's line and column are its own, not its unit's).
 */
function unitKey(id) {
  const { file, name } = parseFunctionId(id);
  const segments = name.split('/');
  const outer = segments.findIndex(isStableName);
  return `${file}:${outer < 0 ? name : segments.slice(0, outer + 1).join('/')}`;
}

function median(values) {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** `reason n, reason n` from rejects.jsonl, most frequent first. */
function rejectReasons(dir) {
  const file = path.join(dir, 'rejects.jsonl');
  if (!existsSync(file)) return '';
  const counts = new Map();
  for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
    const { reason } = JSON.parse(line);
    counts.set(reason, (counts.get(reason) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([r, n]) => `${r} ${n}`).join(', ');
}

function scheduleSteps(dir) {
  const file = path.join(dir, 'schedule.json');
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')).steps.length : '';
}

console.log('| run | steps | verified | functions developed in verified | named units in verified | median added lines | median F2P | median functions | only anonymous/nested | easy / medium / hard | rejects |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|');
for (const dir of process.argv.slice(2)) {
  const file = path.join(dir, 'dataset.jsonl');
  if (!existsSync(file)) {
    console.log(`| ${dir} | ${scheduleSteps(dir)} | no dataset.jsonl | | | | | | | | ${rejectReasons(dir)} |`);
    continue;
  }
  const rows = readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const d = (k) => rows.filter((r) => r.difficulty === k).length;
  console.log(
    `| ${dir} | ${scheduleSteps(dir)} | ${rows.length} | ${rows.reduce((n, r) => n + r.nodes_to_develop.length, 0)} | ${new Set(rows.flatMap((r) => r.nodes_to_develop.map(unitKey))).size} | ${median(rows.map((r) => addedLines(r.patch)))} | ${median(rows.map((r) => r.FAIL_TO_PASS.length))} | ` +
      `${median(rows.map((r) => r.nodes_to_develop.length))} | ${rows.filter((r) => r.nodes_to_develop.every(anonymousOrNested)).length} | ${d('easy')} / ${d('medium')} / ${d('hard')} | ${rejectReasons(dir)} |`,
  );
}
