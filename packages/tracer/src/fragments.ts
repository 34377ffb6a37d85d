/** Reads and sums the recorder's fragments (`<pid>-<thread>-<seq>.json`, deltas since the last flush). */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Edge } from '@swe-flow/core';

export interface RecorderFragment {
  version: number;
  pid: number;
  threadId: number;
  files: { file: string; edges: Edge[] }[];
  tests: { testId: string; file?: string; edges: Edge[] }[];
  unattributed: Edge[];
  moduleLoadFunctions: string[];
  registeredFiles: string[];
}

export interface MergedFragments {
  tests: Map<string, Map<string, number>>;
  setup: Map<string, Map<string, number>>;
  unattributed: Map<string, number>;
  moduleLoadFunctions: Set<string>;
  registeredFiles: Set<string>;
  fragmentCount: number;
  bytes: number;
}

const KEY_SEP = '\u0000';

function add(target: Map<string, number>, edges: Edge[]): void {
  for (const [caller, callee, count] of edges) {
    if (typeof caller !== 'string' || typeof callee !== 'string') continue;
    const key = caller + KEY_SEP + callee;
    target.set(key, (target.get(key) ?? 0) + count);
  }
}

export function toEdgeList(map: Map<string, number>): Edge[] {
  const out: Edge[] = [];
  for (const [key, count] of map) {
    const i = key.indexOf(KEY_SEP);
    out.push([key.slice(0, i), key.slice(i + 1), count]);
  }
  out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return out;
}

export function mergeFragments(fragments: readonly RecorderFragment[]): MergedFragments {
  const merged: MergedFragments = {
    tests: new Map(),
    setup: new Map(),
    unattributed: new Map(),
    moduleLoadFunctions: new Set(),
    registeredFiles: new Set(),
    fragmentCount: fragments.length,
    bytes: 0,
  };
  for (const f of fragments) {
    for (const t of f.tests) {
      let m = merged.tests.get(t.testId);
      if (!m) merged.tests.set(t.testId, (m = new Map()));
      add(m, t.edges);
    }
    for (const s of f.files) {
      let m = merged.setup.get(s.file);
      if (!m) merged.setup.set(s.file, (m = new Map()));
      add(m, s.edges);
    }
    add(merged.unattributed, f.unattributed);
    for (const id of f.moduleLoadFunctions) if (typeof id === 'string') merged.moduleLoadFunctions.add(id);
    for (const file of f.registeredFiles) merged.registeredFiles.add(file);
  }
  return merged;
}

export async function readFragments(traceDir: string): Promise<MergedFragments> {
  let names: string[] = [];
  try {
    names = (await readdir(traceDir)).filter((n) => n.endsWith('.json')).sort();
  } catch {
    names = [];
  }
  const fragments: RecorderFragment[] = [];
  let bytes = 0;
  for (const name of names) {
    const text = await readFile(path.join(traceDir, name), 'utf8');
    bytes += text.length;
    fragments.push(JSON.parse(text) as RecorderFragment);
  }
  const merged = mergeFragments(fragments);
  merged.bytes = bytes;
  return merged;
}
