#!/usr/bin/env node
// Synthetic scale benchmark for the scheduler: RDG + schedule on a trace of 100k functions,
// 1M distinct call edges and 20k tests. Reads the built package (run `npx tsc -b
// packages/scheduler/tsconfig.lib.json` first).
//   node packages/scheduler/bench/schedule-bench.mjs [--functions N] [--tests N] [--fanout N]
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { buildRdg, buildSchedule } from '@swe-flow/scheduler';
import { TRACE_SCHEMA_VERSION, moduleNodeId } from '@swe-flow/core';

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const FUNCTIONS = arg('functions', 100_000);
const TESTS = arg('tests', 20_000);
const FANOUT = arg('fanout', 10); // callees per function: FUNCTIONS * FANOUT distinct edges
const PER_FILE = 100;
const TESTS_PER_FILE = 20;

// Deterministic PRNG (mulberry32).
let seed = 0x5eed;
const rand = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

function makeTrace() {
  const ids = Array.from({ length: FUNCTIONS }, (_, i) => `src/m${Math.floor(i / PER_FILE)}.ts:${(i % PER_FILE) * 10 + 1}:1:f${i}`);
  // Callees mostly "below" the caller (a layered library) with a few back edges that make cycles.
  const callees = new Int32Array(FUNCTIONS * FANOUT);
  for (let i = 0; i < FUNCTIONS; i++) {
    const used = new Set();
    for (let k = 0; k < FANOUT; k++) {
      let j;
      do {
        j = rand() < 0.97 ? i + 1 + Math.floor(rand() * 500) : i - 1 - Math.floor(rand() * 50);
        j = ((j % FUNCTIONS) + FUNCTIONS) % FUNCTIONS;
      } while (j === i || used.has(j));
      used.add(j);
      callees[i * FANOUT + k] = j;
    }
  }
  const sourcesPerTest = Math.ceil(FUNCTIONS / TESTS);
  const tests = [];
  const files = [];
  for (let t = 0; t < TESTS; t++) {
    const file = `test/t${Math.floor(t / TESTS_PER_FILE)}.test.ts`;
    const body = `${file}:${(t % TESTS_PER_FILE) * 5 + 1}:3:case ${t}`;
    const edges = [['<root>', body, 1]];
    // Every core edge belongs to some test: test t covers the out-edges of sources [t*k, t*k+k).
    const first = t * sourcesPerTest;
    for (let s = first; s < Math.min(first + sourcesPerTest, FUNCTIONS); s++) {
      edges.push([body, ids[s], 1]);
      for (let k = 0; k < FANOUT; k++) edges.push([ids[s], ids[callees[s * FANOUT + k]], 1 + (k & 3)]);
      // One level deeper along two callees: shared with other tests, as real call graphs are.
      for (let d = 0; d < 2; d++) {
        const c = callees[s * FANOUT + Math.floor(rand() * FANOUT)];
        for (let k = 0; k < FANOUT; k += 3) edges.push([ids[c], ids[callees[c * FANOUT + k]], 1]);
      }
    }
    tests.push({ id: `${file} > case ${t}`, file, titlePath: [`case ${t}`], fullName: `case ${t}`, status: 'passed', durationMs: 1, edges });
    if (t % TESTS_PER_FILE === 0) {
      const helper = ids[Math.floor(rand() * FUNCTIONS)];
      files.push({ file, setupEdges: [[moduleNodeId(file), helper, 1]] });
    }
  }
  return {
    schemaVersion: TRACE_SCHEMA_VERSION,
    runner: 'vitest',
    root: '/bench',
    createdAt: '2026-01-01T00:00:00.000Z',
    testFiles: files.map((f) => f.file),
    functions: {},
    moduleLoadFunctions: [],
    files,
    tests,
    excluded: [],
    stats: { testsTotal: TESTS, testsPassed: TESTS, tracedWallMs: 0, instrumentedFiles: 0 },
  };
}

const mib = (kb) => (kb / 1024).toFixed(0);
let t0 = performance.now();
const trace = makeTrace();
const genMs = performance.now() - t0;
const edgeEntries = trace.tests.reduce((a, t) => a + t.edges.length, 0);
const rssAfterInput = process.resourceUsage().maxRSS;

t0 = performance.now();
const json = JSON.stringify(trace);
const stringifyMs = performance.now() - t0;
const traceMiB = json.length / 1048576;

let gcMs = 0;
let gcCount = 0;
const gcObserver = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gcMs += e.duration;
    gcCount++;
  }
});
gcObserver.observe({ entryTypes: ['gc'] });
const cpu0 = process.cpuUsage();
t0 = performance.now();
const rdg = buildRdg(trace);
const rdgMs = performance.now() - t0;
t0 = performance.now();
const schedule = buildSchedule(rdg);
const scheduleMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
await new Promise((r) => setTimeout(r, 200)); // let the observer deliver
gcObserver.disconnect();
t0 = performance.now();
const paper = buildSchedule(rdg, { order: 'paper' });
const paperMs = performance.now() - t0;
// --cold: schedule an RDG read back from JSON (what a separate `schedule` stage sees), no integer cache.
let coldMs;
if (process.argv.includes('--cold')) {
  const parsed = JSON.parse(JSON.stringify(rdg));
  t0 = performance.now();
  const cold = buildSchedule(parsed);
  coldMs = Math.round(performance.now() - t0);
  if (JSON.stringify(cold) !== JSON.stringify(schedule)) throw new Error('cold schedule differs from in-process schedule');
}
const maxRss = process.resourceUsage().maxRSS;

const total = rdgMs + scheduleMs;
const report = {
  input: {
    functions: FUNCTIONS,
    tests: TESTS,
    perTestEdgeEntries: edgeEntries,
    mergedEdges: rdg.merged.edges.length,
    mergedNodes: rdg.merged.nodes.length,
    traceJsonMiB: Number(traceMiB.toFixed(1)),
  },
  ms: {
    generate: Math.round(genMs),
    buildRdg: Math.round(rdgMs),
    buildScheduleDependency: Math.round(scheduleMs),
    rdgPlusSchedule: Math.round(total),
    rdgPlusScheduleCpu: Math.round((cpu.user + cpu.system) / 1000),
    gcPausesInRdgPlusSchedule: Math.round(gcMs),
    gcCount,
    baselineJsonStringifyTrace: Math.round(stringifyMs),
    baselineBuildSchedulePaper: Math.round(paperMs),
    ...(coldMs === undefined ? {} : { buildScheduleFromParsedJson: coldMs }),
  },
  ratios: {
    rdgPlusScheduleToStringify: Number((total / stringifyMs).toFixed(2)),
    dependencyToPaperSchedule: Number((scheduleMs / paperMs).toFixed(2)),
  },
  output: {
    rdgTestEdges: rdg.tests.reduce((a, t) => a + t.edges.length, 0),
    rdgCoreNodeEntries: rdg.tests.reduce((a, t) => a + t.coreNodes.length, 0),
    scheduleSubgraphEdges: schedule.steps.reduce((a, s) => a + s.subgraph.length, 0),
  },
  schedule: { groups: schedule.stats.groups, steps: schedule.stats.steps, paperSteps: paper.stats.steps, depth: schedule.stats.dependencyDepth, functionsPerStep: schedule.stats.functionsPerStep },
  peakRssMiB: { afterInput: Number(mib(rssAfterInput)), total: Number(mib(maxRss)) },
};
console.log(JSON.stringify(report, null, 2));
if (total > 5000 || maxRss > 2 * 1024 * 1024) {
  console.error(`over budget: ${Math.round(total)} ms (limit 5000), ${mib(maxRss)} MiB (limit 2048)`);
  process.exitCode = 1;
}
