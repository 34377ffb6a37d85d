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
import { classifyFilesOf, nodeKind, type ClassifyOptions, type NodeKind } from './classify.js';
import { rememberIntRdg } from './int-view.js';
import { Float64Pool, Int32Pool, SortedInterner, compareStrings } from './order.js';
import { functionUnits, isAnonymousId, traceOnUnits } from './units.js';

export interface RdgOptions extends ClassifyOptions {
  /** Tests with these statuses get an RDG (default: only `passed`; a failing test cannot be a task). */
  statuses?: TestStatus[];
  /**
   * Map every function onto its named unit (default true): anonymous functions, callbacks and nested
   * helpers become the named function, method or class member that holds them (see `functionUnits`).
   */
  units?: boolean;
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
export function buildRdg(original: TraceJson, opts: RdgOptions = {}): RdgJson {
  checkTrace(original);
  const units = opts.units === false ? null : functionUnits(original.functions);
  const trace = units ? traceOnUnits(original, units) : original;
  const tests = selectTests(trace, new Set<TestStatus>(opts.statuses ?? ['passed']));
  const { testEdges, setupEdges, interner } = internEdges(tests, setupEdgesByFile(trace, tests));
  const n = interner.size;
  const fileRoles = classifyFilesOf(trace, interner.values, () => uniquePairs(testEdges, setupEdges, interner), opts);
  const kind = new Uint8Array(n);
  for (let i = 0; i < n; i++) kind[i] = KIND_CODE[nodeKind(interner.value(i), fileRoles)];
  const perTest = testRdgs(tests, testEdges, setupEdges, interner, kind);
  const merged = mergedGraph(interner, kind, [...testEdges, ...setupEdges.values()]);
  const rdg: RdgJson = {
    schemaVersion: SCHEDULE_SCHEMA_VERSION,
    tests: perTest.out,
    merged: { nodes: merged.nodes, edges: merged.edges },
  };
  if (units) rdg.units = unitsOfGraph(merged.nodes, units, trace.moduleLoadFunctions);
  rememberIntRdg(rdg, {
    ids: interner,
    isCore: merged.isCore,
    testsRef: perTest.out,
    testObjects: [...perTest.out],
    mergedNodesRef: merged.nodes,
    mergedEdgesRef: merged.edges,
    core: perTest.intCore,
    targets: perTest.intTargets,
    edgeKeys: perTest.intEdges,
    mergedPairs: merged.pairs,
  });
  return rdg;
}

type TraceTest = TraceJson['tests'][number];
type IntEdges = { pairs: Int32Array; counts: Float64Array };

/** The tests with the wanted statuses, sorted by id; an id seen twice is an error. */
function selectTests(trace: TraceJson, statuses: ReadonlySet<TestStatus>): TraceTest[] {
  const tests = trace.tests.filter((t) => statuses.has(t.status)).sort((a, b) => compareStrings(a.id, b.id));
  for (let i = 1; i < tests.length; i++) {
    if (tests[i]!.id === tests[i - 1]!.id) {
      throw new SweFlowError(ErrorCodes.INPUT_INVALID, `test id "${tests[i]!.id}" appears twice in trace.json; re-run swe-flow trace`);
    }
  }
  return tests;
}

/** Setup edges of the files the tests are in (they count for every test of the file). */
function setupEdgesByFile(trace: TraceJson, tests: readonly TraceTest[]): Map<string, Edge[]> {
  const usedFiles = new Set(tests.map((t) => t.file));
  const setupByFile = new Map<string, Edge[]>();
  for (const f of trace.files) {
    if (!usedFiles.has(f.file)) continue;
    const list = setupByFile.get(f.file);
    if (list) list.push(...f.setupEdges);
    else setupByFile.set(f.file, [...f.setupEdges]);
  }
  return setupByFile;
}

/**
 * One pass over the strings: every id gets a provisional integer (insertion order) and the edges are
 * kept as integer pairs, then remapped to sorted ranks (rank order is string order, so sorting ranks
 * sorts ids). Everything after works on integers.
 */
function internEdges(tests: readonly TraceTest[], setupByFile: Map<string, Edge[]>): { testEdges: IntEdges[]; setupEdges: Map<string, IntEdges>; interner: SortedInterner } {
  const provisional = new Map<string, number>();
  const names: string[] = [];
  const intern = (id: string): number => {
    let r = provisional.get(id);
    if (r === undefined) {
      r = names.length;
      provisional.set(id, r);
      names.push(id);
    }
    return r;
  };
  // All edges live in two pooled typed arrays; each list is a view (no per-test backing stores).
  let totalEdges = 0;
  for (const t of tests) totalEdges += t.edges.length;
  for (const edges of setupByFile.values()) totalEdges += edges.length;
  const pairPool = new Int32Array(totalEdges * 2);
  const countPool = new Float64Array(totalEdges);
  let used = 0;
  const toInts = (edges: readonly Edge[]): IntEdges => {
    const pairs = pairPool.subarray(used * 2, (used + edges.length) * 2);
    const counts = countPool.subarray(used, used + edges.length);
    used += edges.length;
    // Consecutive edges often share their caller: skip the map for a repeated caller.
    let lastCaller: string | undefined;
    let lastRank = -1;
    for (let i = 0; i < edges.length; i++) {
      const e = edges[i]!;
      if (e[0] !== lastCaller) {
        lastCaller = e[0];
        lastRank = intern(e[0]);
      }
      pairs[2 * i] = lastRank;
      pairs[2 * i + 1] = intern(e[1]);
      counts[i] = e[2];
    }
    return { pairs, counts };
  };
  const testEdges = tests.map((t) => toInts(t.edges));
  const setupEdges = new Map<string, IntEdges>();
  for (const [file, edges] of setupByFile) setupEdges.set(file, toInts(edges));
  const interner = new SortedInterner(names);
  const toRank = new Int32Array(names.length);
  for (let i = 0; i < names.length; i++) toRank[i] = interner.rank(names[i]!);
  const remap = (pairs: Int32Array): void => {
    for (let i = 0; i < pairs.length; i++) pairs[i] = toRank[pairs[i]!]!;
  };
  for (const e of testEdges) remap(e.pairs);
  for (const e of setupEdges.values()) remap(e.pairs);
  return { testEdges, setupEdges, interner };
}

/** Each test's RDG (string form) and its integer views for the scheduler. */
function testRdgs(tests: readonly TraceTest[], testEdges: IntEdges[], setupEdges: Map<string, IntEdges>, interner: SortedInterner, kind: Uint8Array) {
  const n = interner.size;
  const seen = new Int32Array(n).fill(-1);
  const target = new Int32Array(n).fill(-1);
  const out: TestRdg[] = new Array(tests.length);
  const intCore: Int32Array[] = new Array(tests.length);
  const intTargets: Int32Array[] = new Array(tests.length);
  const intEdges: Float64Array[] = new Array(tests.length);
  let keys = new Float64Array(1024);
  const intPool = new Int32Pool();
  const keyPool = new Float64Pool();
  for (let ti = 0; ti < tests.length; ti++) {
    const test = tests[ti]!;
    const own = testEdges[ti]!.pairs;
    const setup = setupEdges.get(test.file)?.pairs;
    const total = (own.length + (setup ? setup.length : 0)) / 2;
    if (keys.length < total) keys = new Float64Array(total * 2);
    let k = 0;
    const testNodes: number[] = [];
    const coreNodes: number[] = [];
    const targets: number[] = [];
    for (let pass = 0; pass < 2; pass++) {
      const pairs = pass === 0 ? own : setup;
      if (!pairs) continue;
      for (let i = 0; i < pairs.length; i += 2) {
        const a = pairs[i]!;
        const b = pairs[i + 1]!;
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
        if (kb === K_CORE && target[b] !== ti && isTestSideCaller(ka)) {
          target[b] = ti;
          targets.push(b);
        }
        if (isGraphNode(ka) && isGraphNode(kb)) keys[k++] = a * n + b;
      }
    }
    const core = intPool.copy(coreNodes).sort();
    const dependent: string[] = [];
    for (const c of core) if (target[c] !== ti) dependent.push(interner.value(c));
    const sortedKeys = keys.subarray(0, k).sort();
    let w = 0;
    for (let i = 0; i < k; i++) if (i === 0 || sortedKeys[i] !== sortedKeys[i - 1]) sortedKeys[w++] = sortedKeys[i]!;
    const edgeKeys = keyPool.copy(sortedKeys, w);
    const edges: [string, string][] = new Array(w);
    for (let i = 0; i < w; i++) {
      const key = edgeKeys[i]!;
      const a = Math.floor(key / n);
      edges[i] = [interner.value(a), interner.value(key - a * n)];
    }
    const sortedTargets = intPool.copy(targets).sort();
    intCore[ti] = core;
    intTargets[ti] = sortedTargets;
    intEdges[ti] = edgeKeys;
    out[ti] = {
      testId: test.id,
      testFile: test.file,
      testNodes: interner.sortedValues(testNodes),
      coreNodes: interner.valuesOf(core),
      targetCore: interner.valuesOf(sortedTargets),
      dependentCore: dependent,
      edges,
    };
  }
  return { out, intCore, intTargets, intEdges };
}

/** The whole-repo graph: every test/core edge with its summed count, and its nodes. */
function mergedGraph(interner: SortedInterner, kind: Uint8Array, lists: IntEdges[]) {
  const n = interner.size;
  const merged = mergeEdges(n, kind, lists);
  const inGraph = new Uint8Array(n);
  const edges: [string, string, number][] = new Array(merged.count);
  for (let i = 0; i < merged.count; i++) {
    const a = merged.from[i]!;
    const b = merged.to[i]!;
    inGraph[a] = 1;
    inGraph[b] = 1;
    const c = merged.counts[i]!;
    // Small integral counts as int32 so they are stored unboxed.
    edges[i] = [interner.value(a), interner.value(b), c >= 0 && c < 0x3fffffff && c === Math.floor(c) ? c | 0 : c];
  }
  // A core node reached only through pseudo callers (a target called from `<root>`) is a graph node too.
  // as is one seen only as a caller of a pseudo node (a core function that loads a module).
  for (const e of lists) for (const r of e.pairs) if (isGraphNode(kind[r]!)) inGraph[r] = 1;
  const nodes: RdgJson['merged']['nodes'] = [];
  for (let i = 0; i < n; i++) if (inGraph[i]) nodes.push({ id: interner.value(i), role: kind[i] === K_TEST ? 'test' : 'core' });
  const isCore = new Uint8Array(n);
  for (let i = 0; i < n; i++) isCore[i] = inGraph[i]! & (kind[i] === K_CORE ? 1 : 0);
  const pairs = new Int32Array(merged.count * 2);
  for (let i = 0; i < merged.count; i++) {
    pairs[2 * i] = merged.from[i]!;
    pairs[2 * i + 1] = merged.to[i]!;
  }
  return { nodes, edges, isCore, pairs };
}

/**
 * Sums the counts of every test/core edge, setup edges once per file, sorted by (caller, callee) with
 * a counting sort on the caller and a small sort per caller: no per-edge objects.
 */
function mergeEdges(
  n: number,
  kind: Uint8Array,
  lists: { pairs: Int32Array; counts: Float64Array }[],
): { from: Int32Array; to: Int32Array; counts: Float64Array; count: number } {
  const offsets = new Int32Array(n + 1);
  let total = 0;
  for (const { pairs } of lists) {
    for (let i = 0; i < pairs.length; i += 2) {
      const a = pairs[i]!;
      if (isGraphNode(kind[a]!) && isGraphNode(kind[pairs[i + 1]!]!)) {
        offsets[a + 1]!++;
        total++;
      }
    }
  }
  for (let i = 0; i < n; i++) offsets[i + 1]! += offsets[i]!;
  const fill = offsets.slice(0, n);
  const callee = new Int32Array(total);
  const count = new Float64Array(total);
  for (const { pairs, counts } of lists) {
    for (let i = 0; i < pairs.length; i += 2) {
      const a = pairs[i]!;
      const b = pairs[i + 1]!;
      if (isGraphNode(kind[a]!) && isGraphNode(kind[b]!)) {
        const at = fill[a]!++;
        callee[at] = b;
        count[at] = counts[i >> 1]!;
      }
    }
  }
  // Each caller's bucket is contiguous and small: insertion-sort it by callee in place (cache-friendly),
  // then sum the counts of equal neighbours.
  const from = new Int32Array(total);
  const to = new Int32Array(total);
  const sums = new Float64Array(total);
  let k = 0;
  for (let a = 0; a < n; a++) {
    const lo = offsets[a]!;
    const hi = offsets[a + 1]!;
    if (hi - lo > 64) sortBucket(callee, count, lo, hi);
    else insertionSortBucket(callee, count, lo, hi);
    for (let i = lo; i < hi; i++) {
      if (i > lo && callee[i] === callee[i - 1]) sums[k - 1]! += count[i]!;
      else {
        from[k] = a;
        to[k] = callee[i]!;
        sums[k++] = count[i]!;
      }
    }
  }
  return { from, to, counts: sums, count: k };
}

function insertionSortBucket(callee: Int32Array, count: Float64Array, lo: number, hi: number): void {
  for (let i = lo + 1; i < hi; i++) {
    const b = callee[i]!;
    const c = count[i]!;
    let j = i - 1;
    while (j >= lo && callee[j]! > b) {
      callee[j + 1] = callee[j]!;
      count[j + 1] = count[j]!;
      j--;
    }
    callee[j + 1] = b;
    count[j + 1] = c;
  }
}

/** Sorts a large bucket by callee with a native sort of (callee, position) packed into doubles. */
function sortBucket(callee: Int32Array, count: Float64Array, lo: number, hi: number): void {
  const m = hi - lo;
  const packed = new Float64Array(m);
  for (let i = 0; i < m; i++) packed[i] = callee[lo + i]! * m + i;
  packed.sort();
  const calleeCopy = callee.slice(lo, hi);
  const countCopy = count.slice(lo, hi);
  for (let i = 0; i < m; i++) {
    const p = packed[i]! % m;
    callee[lo + i] = calleeCopy[p]!;
    count[lo + i] = countCopy[p]!;
  }
}

/** Unique (caller, callee) id pairs of the selected tests and their setup, for file classification. */
function* uniquePairs(
  testEdges: { pairs: Int32Array }[],
  setupEdges: Map<string, { pairs: Int32Array }>,
  interner: SortedInterner,
): Generator<[string, string]> {
  const seen = new Set<number>();
  const n = interner.size;
  for (const { pairs } of [...testEdges, ...setupEdges.values()]) {
    for (let i = 0; i < pairs.length; i += 2) {
      const key = pairs[i]! * n + pairs[i + 1]!;
      if (seen.has(key)) continue;
      seen.add(key);
      yield [interner.value(pairs[i]!), interner.value(pairs[i + 1]!)];
    }
  }
}

function isGraphNode(k: number): boolean {
  return k === K_TEST || k === K_CORE;
}

/** The unit facts the schedule needs, for the core nodes of the graph only. */
function unitsOfGraph(nodes: RdgJson['merged']['nodes'], units: ReturnType<typeof functionUnits>, moduleLoad: readonly string[]): NonNullable<RdgJson['units']> {
  const members: Record<string, string[]> = {};
  const anonymous: string[] = [];
  const core = new Set<string>();
  for (const { id, role } of nodes) {
    if (role !== 'core') continue;
    core.add(id);
    const list = units.members.get(id);
    if (list) members[id] = [...list];
    if (units.anonymous.has(id) || (!units.unitOf.has(id) && !units.members.has(id) && isAnonymousId(id))) anonymous.push(id);
  }
  return { members, moduleLoad: moduleLoad.filter((id) => core.has(id) && members[id]), anonymous };
}
