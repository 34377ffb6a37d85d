import {
  ErrorCodes,
  SCHEDULE_SCHEMA_VERSION,
  SweFlowError,
  TRACE_SCHEMA_VERSION,
  type Edge,
  type RdgJson,
  type TestRdg,
  type TestStatus,
  type TraceJson,
} from '@swe-flow/core';
import { classifyFiles, nodeKind, type ClassifyOptions, type NodeKind } from './classify.js';
import { SortedInterner, compareStrings } from './order.js';

export interface RdgOptions extends ClassifyOptions {
  /** Tests with these statuses get an RDG (default: only `passed`; a failing test cannot be a task). */
  statuses?: TestStatus[];
}

// Node kinds as small integers for typed arrays.
const K_TEST = 1;
const K_CORE = 2;
const K_MODULE_TEST = 3;
const K_MODULE_CORE = 4;
const K_ROOT = 5;
const K_EXTERNAL = 6;
const KIND_CODE: Record<NodeKind, number> = {
  test: K_TEST,
  core: K_CORE,
  'module-test': K_MODULE_TEST,
  'module-core': K_MODULE_CORE,
  root: K_ROOT,
  external: K_EXTERNAL,
};

/** A call into core code from one of these callers makes the callee a target. */
function isTestSideCaller(kind: number): boolean {
  return kind === K_TEST || kind === K_MODULE_TEST || kind === K_ROOT || kind === K_EXTERNAL;
}

function checkTrace(trace: TraceJson): void {
  if (!trace || typeof trace !== 'object' || !Array.isArray(trace.tests) || !Array.isArray(trace.files)) {
    throw new SweFlowError(ErrorCodes.INPUT_INVALID, 'trace is not a TraceJson object; pass the parsed content of trace.json');
  }
  if (trace.schemaVersion !== TRACE_SCHEMA_VERSION) {
    throw new SweFlowError(
      ErrorCodes.SCHEMA_INVALID,
      `trace.json has schemaVersion ${String(trace.schemaVersion)}, expected ${TRACE_SCHEMA_VERSION}; re-run swe-flow trace`,
    );
  }
}

/**
 * Builds the Runtime Dependency Graph of every selected test and the merged whole-repo graph.
 *
 * - test nodes: functions of runner test files and of test-helper files (see `classifyFiles`);
 * - core nodes: every other function of the repo that appears in the test's edges or in the setup
 *   edges of its file (those count for every test of the file);
 * - target core: core callees of an edge whose caller is test code — a test node, a test file's module
 *   node, `<root>` (nothing instrumented on the stack) or an unparseable caller id;
 * - dependent core: the test's other core nodes (reached through core → core edges, or called while a
 *   source module loaded);
 * - `<root>` and module pseudo nodes are neither test nor core nodes and never appear in the output.
 *
 * The output is sorted throughout: the same trace in any order gives byte-identical JSON.
 */
export function buildRdg(trace: TraceJson, opts: RdgOptions = {}): RdgJson {
  checkTrace(trace);
  const statuses = new Set<TestStatus>(opts.statuses ?? ['passed']);
  const fileRoles = classifyFiles(trace, opts);

  const tests = trace.tests.filter((t) => statuses.has(t.status)).sort((a, b) => compareStrings(a.id, b.id));
  for (let i = 1; i < tests.length; i++) {
    if (tests[i]!.id === tests[i - 1]!.id) {
      throw new SweFlowError(ErrorCodes.INPUT_INVALID, `test id "${tests[i]!.id}" appears twice in trace.json; re-run swe-flow trace`);
    }
  }
  const setupByFile = new Map<string, Edge[]>();
  for (const f of trace.files) {
    const list = setupByFile.get(f.file);
    if (list) list.push(...f.setupEdges);
    else setupByFile.set(f.file, [...f.setupEdges]);
  }
  const usedFiles = new Set(tests.map((t) => t.file));

  // Intern every node id that can appear, in sorted order.
  const ids = new Set<string>();
  for (const t of tests) for (const e of t.edges) ids.add(e[0]).add(e[1]);
  for (const [file, edges] of setupByFile) if (usedFiles.has(file)) for (const e of edges) ids.add(e[0]).add(e[1]);
  const interner = new SortedInterner(ids);
  const n = interner.size;
  const kind = new Uint8Array(n);
  for (let i = 0; i < n; i++) kind[i] = KIND_CODE[nodeKind(interner.value(i), fileRoles)];

  const setupRanks = new Map<string, Float64Array>();
  for (const [file, edges] of setupByFile) {
    if (!usedFiles.has(file)) continue;
    const arr = new Float64Array(edges.length * 3);
    edges.forEach((e, i) => {
      arr[3 * i] = interner.rank(e[0]);
      arr[3 * i + 1] = interner.rank(e[1]);
      arr[3 * i + 2] = e[2];
    });
    setupRanks.set(file, arr);
  }

  const mergedCounts = new Map<number, number>();
  const addMerged = (key: number, count: number): void => {
    mergedCounts.set(key, (mergedCounts.get(key) ?? 0) + count);
  };
  for (const [, arr] of setupRanks) {
    for (let i = 0; i < arr.length; i += 3) {
      const a = arr[i]!;
      const b = arr[i + 1]!;
      if (isGraphNode(kind[a]!) && isGraphNode(kind[b]!)) addMerged(a * n + b, arr[i + 2]!);
    }
  }

  const seen = new Int32Array(n).fill(-1);
  const target = new Int32Array(n).fill(-1);
  const out: TestRdg[] = new Array(tests.length);
  let keys = new Float64Array(1024);
  for (let ti = 0; ti < tests.length; ti++) {
    const test = tests[ti]!;
    const setup = setupRanks.get(test.file);
    const total = test.edges.length + (setup ? setup.length / 3 : 0);
    if (keys.length < total) keys = new Float64Array(total * 2);
    let k = 0;
    const testNodes: number[] = [];
    const coreNodes: number[] = [];
    const targets: number[] = [];
    const visit = (a: number, b: number): void => {
      const ka = kind[a]!;
      const kb = kind[b]!;
      if (seen[a] !== ti && (ka === K_TEST || ka === K_CORE)) {
        seen[a] = ti;
        (ka === K_TEST ? testNodes : coreNodes).push(a);
      }
      if (seen[b] !== ti && (kb === K_TEST || kb === K_CORE)) {
        seen[b] = ti;
        (kb === K_TEST ? testNodes : coreNodes).push(b);
      }
      if (kb === K_CORE && isTestSideCaller(ka) && target[b] !== ti) {
        target[b] = ti;
        targets.push(b);
      }
      if (isGraphNode(ka) && isGraphNode(kb)) keys[k++] = a * n + b;
    };
    for (const e of test.edges) {
      const a = interner.rank(e[0]);
      const b = interner.rank(e[1]);
      visit(a, b);
      if (isGraphNode(kind[a]!) && isGraphNode(kind[b]!)) addMerged(a * n + b, e[2]);
    }
    if (setup) for (let i = 0; i < setup.length; i += 3) visit(setup[i]!, setup[i + 1]!);

    const sortedTargets = Int32Array.from(targets).sort();
    const core = Int32Array.from(coreNodes).sort();
    const dependent: string[] = [];
    for (const c of core) if (target[c] !== ti) dependent.push(interner.value(c));
    const edgeKeys = keys.subarray(0, k).sort();
    const edges: [string, string][] = [];
    let last = -1;
    for (const key of edgeKeys) {
      if (key === last) continue;
      last = key;
      const a = Math.floor(key / n);
      edges.push([interner.value(a), interner.value(key - a * n)]);
    }
    out[ti] = {
      testId: test.id,
      testFile: test.file,
      testNodes: interner.sortedValues(testNodes),
      coreNodes: interner.sortedValues(core),
      targetCore: interner.sortedValues(sortedTargets),
      dependentCore: dependent,
      edges,
    };
  }

  const nodeRanks: number[] = [];
  const inGraph = new Uint8Array(n);
  const mergedKeys = Float64Array.from(mergedCounts.keys()).sort();
  const mergedEdges: [string, string, number][] = new Array(mergedKeys.length);
  for (let i = 0; i < mergedKeys.length; i++) {
    const key = mergedKeys[i]!;
    const a = Math.floor(key / n);
    const b = key - a * n;
    inGraph[a] = 1;
    inGraph[b] = 1;
    mergedEdges[i] = [interner.value(a), interner.value(b), mergedCounts.get(key)!];
  }
  // Nodes reached only through pseudo callers (a target called from `<root>`) are graph nodes too.
  for (const t of out) {
    for (const id of t.coreNodes) inGraph[interner.rank(id)] = 1;
    for (const id of t.testNodes) inGraph[interner.rank(id)] = 1;
  }
  for (let i = 0; i < n; i++) if (inGraph[i]) nodeRanks.push(i);
  return {
    schemaVersion: SCHEDULE_SCHEMA_VERSION,
    tests: out,
    merged: {
      nodes: nodeRanks.map((r) => ({ id: interner.value(r), role: kind[r] === K_TEST ? 'test' : 'core' })),
      edges: mergedEdges,
    },
  };
}

function isGraphNode(k: number): boolean {
  return k === K_TEST || k === K_CORE;
}
