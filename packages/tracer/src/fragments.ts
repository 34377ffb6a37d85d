/**
 * The one merger of the recorder's fragments (`<pid>-<thread>-<seq>.json`, deltas since the last
 * flush; `runtime/recorder.cjs` `snapshot()`): summed per test and per setup file, every adapter alike.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCodes, SweFlowError, type Edge } from '@swe-flow/core';
import type { TestRecord } from './adapter.js';

/** One recorder fragment; fields a recorder of another version left out read as empty. */
export interface RecorderFragment {
  version?: number;
  pid?: number;
  threadId?: number;
  files?: { file: string; edges: Edge[] }[];
  tests?: { testId: string; file?: string; edges: Edge[] }[];
  unattributed?: Edge[];
  moduleLoadFunctions?: string[];
  registeredFiles?: string[];
}

export interface MergedFragments {
  /** Per test id, its edges sorted by caller then callee; sorted by test id. */
  records: TestRecord[];
  /** Per test file, the calls while it loaded and in before-all hooks; sorted by file. */
  setup: { file: string; edges: Edge[] }[];
  moduleLoadFunctions: string[];
  /** Files the recorder registered (the instrumented files that loaded). */
  instrumentedFiles: string[];
  /** Calls made before any test file began. */
  unattributed: Edge[];
  fragmentCount: number;
  /** Characters of fragment JSON read. */
  bytes: number;
}

/** Call counts by caller, then callee (no per-edge key strings to build and split again). */
type EdgeCounts = Map<string, Map<string, number>>;

function addEdges(into: EdgeCounts, edges: readonly Edge[]): void {
  let lastCaller: unknown;
  let row: Map<string, number> | undefined;
  for (const [caller, callee, n] of edges) {
    // Consecutive edges mostly share their caller (the recorder writes them grouped).
    if (row === undefined || caller !== lastCaller) {
      lastCaller = caller;
      const key = `${caller}`;
      row = into.get(key);
      if (!row) into.set(key, (row = new Map()));
    }
    const key = `${callee}`;
    row.set(key, (row.get(key) ?? 0) + n);
  }
}

/** Edges sorted by caller, then callee (code-unit order, as `<` compares strings). */
function toEdgeList(counts: EdgeCounts): Edge[] {
  const out: Edge[] = [];
  for (const caller of [...counts.keys()].sort()) {
    const row = counts.get(caller)!;
    for (const callee of [...row.keys()].sort()) out.push([caller, callee, row.get(callee)!]);
  }
  return out;
}

function countsOf(byKey: Map<string, EdgeCounts>, key: string): EdgeCounts {
  let m = byKey.get(key);
  if (!m) byKey.set(key, (m = new Map()));
  return m;
}

/** Running sums of fragments, read one at a time. */
class FragmentSum {
  private readonly tests = new Map<string, EdgeCounts>();
  private readonly setups = new Map<string, EdgeCounts>();
  private readonly unattributed: EdgeCounts = new Map();
  private readonly moduleLoad = new Set<string>();
  private readonly registered = new Set<string>();
  private count = 0;

  constructor(private readonly mapTestId: (raw: string) => string | undefined) {}

  add(frag: RecorderFragment): void {
    this.count++;
    for (const t of frag.tests ?? []) {
      const id = this.mapTestId(t.testId);
      if (id !== undefined) addEdges(countsOf(this.tests, id), t.edges);
    }
    for (const s of frag.files ?? []) addEdges(countsOf(this.setups, s.file), s.edges);
    addEdges(this.unattributed, frag.unattributed ?? []);
    for (const f of frag.moduleLoadFunctions ?? []) this.moduleLoad.add(f);
    for (const f of frag.registeredFiles ?? []) this.registered.add(f);
  }

  result(bytes: number): MergedFragments {
    return {
      records: [...this.tests].map(([testId, m]) => ({ testId, edges: toEdgeList(m) })).sort((a, b) => (a.testId < b.testId ? -1 : 1)),
      setup: [...this.setups].map(([file, m]) => ({ file, edges: toEdgeList(m) })).sort((a, b) => (a.file < b.file ? -1 : 1)),
      moduleLoadFunctions: [...this.moduleLoad].sort(),
      instrumentedFiles: [...this.registered].sort(),
      unattributed: toEdgeList(this.unattributed),
      fragmentCount: this.count,
      bytes,
    };
  }
}

const sameId = (raw: string): string => raw;

/** Sums fragments already in memory. `mapTestId` translates the hooks' ids into test ids (undefined drops them). */
export function mergeFragments(fragments: readonly RecorderFragment[], mapTestId: (raw: string) => string | undefined = sameId): MergedFragments {
  const sum = new FragmentSum(mapTestId);
  for (const f of fragments) sum.add(f);
  return sum.result(0);
}

/**
 * Reads every fragment the recorder wrote under `traceDir` (subfolders too: jest gives each test file's
 * recorder its own) and sums them; a fragment that is not JSON is an error naming it.
 */
export async function readFragments(traceDir: string, mapTestId: (raw: string) => string | undefined = sameId): Promise<MergedFragments> {
  let names: string[] = [];
  try {
    names = (await readdir(traceDir, { recursive: true })).filter((n) => n.endsWith('.json')).sort();
  } catch {
    names = [];
  }
  const sum = new FragmentSum(mapTestId);
  let bytes = 0;
  for (const name of names) {
    let frag: RecorderFragment;
    try {
      const text = await readFile(path.join(traceDir, name), 'utf8');
      bytes += text.length;
      frag = JSON.parse(text) as RecorderFragment;
    } catch (cause) {
      throw new SweFlowError(ErrorCodes.TRACE_FAILED, `trace fragment ${name} is not valid JSON; the traced process probably died while writing it`, { cause });
    }
    sum.add(frag);
  }
  return sum.result(bytes);
}
