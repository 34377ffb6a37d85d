#!/usr/bin/env node
// Renders BENCHMARKS.md rows from `swe-flow synth` output directories:
//   node tools/bench/synth-report.mjs <out-dir>...
// Synth time is the run's whole wall time (summary.json totalMs) minus the prepare stage (copy +
// install), so it includes writing the dataset and task folders after the last stage; the baseline is
// the same run's untraced suite wall time, measured by the trace stage (trace.json stats.untracedWallMs).
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';

const read = (dir, f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8'));
const s1 = (ms) => (ms / 1000).toFixed(1);
const rows = [];
const orders = [];
for (const dir of process.argv.slice(2)) {
  const summary = read(dir, 'summary.json');
  const trace = read(dir, 'trace.json');
  const stage = (name) => summary.stages.find((s) => s.stage === name)?.ms ?? 0;
  const synthMs = summary.totalMs - stage('prepare');
  const rest = synthMs - summary.stages.filter((s) => s.stage !== 'prepare').reduce((n, s) => n + s.ms, 0);
  const untraced = trace.stats.untracedWallMs;
  const c = summary.counts;
  const reasons = Object.entries(summary.rejectReasons).map(([r, n]) => `${r} ${n}`).join(', ') || '—';
  rows.push(`| ${summary.repo} | ${summary.runner} | ${c.testsTraced + c.testsExcluded} / ${c.testsPassing} / ${c.testsExcluded} | ${c.steps} | ${c.candidates} | **${c.verified}** | ${reasons} | ${s1(stage('prepare'))} / ${s1(stage('trace'))} / ${s1(stage('schedule'))} / ${s1(stage('emit'))} / ${s1(stage('verify'))} / ${s1(stage('statements'))} / ${s1(rest)} | ${s1(untraced)} | ${(synthMs / untraced).toFixed(1)}× |`);
  if (existsSync(path.join(dir, 'order-comparison.json'))) {
    const o = read(dir, 'order-comparison.json');
    orders.push(`| ${summary.repo} | ${o.dependency.steps} | ${o.dependency.stepsCallingLaterNodes} | ${o.dependency.callEdgesIntoLaterSteps} | ${o.paper.steps} | ${o.paper.stepsCallingLaterNodes} | ${o.paper.callEdgesIntoLaterSteps} |`);
  }
}
console.log('| repo | runner | tests (found / passing / excluded) | steps | candidates | verified | rejects | prepare / trace / schedule / emit / verify / statements / write (s) | untraced suite (s) | synth ÷ suite |');
console.log('|---|---|---|---:|---:|---:|---|---|---:|---:|');
console.log(rows.join('\n'));
console.log('\n| repo | dependency: steps | steps calling a later step\'s function | call edges into later steps | paper: steps | steps calling later | call edges into later |');
console.log('|---|---:|---:|---:|---:|---:|---:|');
console.log(orders.join('\n'));
