#!/usr/bin/env node
// The shape of a synth run's tasks, for before/after tables (BENCHMARKS.md "Tasks a developer would
// recognise"): per output folder, verified rows, median added lines (non-blank `+` lines of the patch),
// median FAIL_TO_PASS and functions per task, rows whose every function to develop is an anonymous
// function or a function nested in a named one (not a named unit), and the difficulty distribution.
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

function median(values) {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

console.log('| run | verified | median added lines | median F2P | median functions | only anonymous/nested | easy / medium / hard |');
console.log('|---|---:|---:|---:|---:|---:|---|');
for (const dir of process.argv.slice(2)) {
  const file = path.join(dir, 'dataset.jsonl');
  if (!existsSync(file)) {
    console.log(`| ${dir} | no dataset.jsonl | | | | | |`);
    continue;
  }
  const rows = readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const d = (k) => rows.filter((r) => r.difficulty === k).length;
  console.log(
    `| ${dir} | ${rows.length} | ${median(rows.map((r) => addedLines(r.patch)))} | ${median(rows.map((r) => r.FAIL_TO_PASS.length))} | ` +
      `${median(rows.map((r) => r.nodes_to_develop.length))} | ${rows.filter((r) => r.nodes_to_develop.every(anonymousOrNested)).length} | ${d('easy')} / ${d('medium')} / ${d('hard')} |`,
  );
}
