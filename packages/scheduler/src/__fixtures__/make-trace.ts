import { TRACE_SCHEMA_VERSION, moduleNodeId, type Edge, type TestStatus, type TraceJson } from '@swe-flow/core';

/** A function id in the locator's format, e.g. fn('src/a.ts', 'a') → `src/a.ts:1:1:a`. */
export function fn(file: string, name: string, line = 1, column = 1): string {
  return `${file}:${line}:${column}:${name}`;
}

export const mod = moduleNodeId;

export interface TestSpec {
  file: string;
  name: string;
  edges: (Edge | [string, string])[];
  status?: TestStatus;
}

/** A TraceJson with the given tests and setup edges; ids of tests are `file > name`. */
export function makeTrace(spec: {
  tests: TestSpec[];
  setup?: Record<string, (Edge | [string, string])[]>;
  testFiles?: string[];
  moduleLoadFunctions?: string[];
}): TraceJson {
  const withCount = (edges: (Edge | [string, string])[]): Edge[] => edges.map((e) => [e[0], e[1], e[2] ?? 1]);
  const testFiles = spec.testFiles ?? [...new Set(spec.tests.map((t) => t.file))].sort();
  return {
    schemaVersion: TRACE_SCHEMA_VERSION,
    runner: 'vitest',
    root: '/tmp/repo',
    createdAt: '2026-01-01T00:00:00.000Z',
    testFiles,
    functions: {},
    moduleLoadFunctions: spec.moduleLoadFunctions ?? [],
    files: Object.entries(spec.setup ?? {}).map(([file, edges]) => ({ file, setupEdges: withCount(edges) })),
    tests: spec.tests.map((t) => ({
      id: `${t.file} > ${t.name}`,
      file: t.file,
      titlePath: [t.name],
      fullName: t.name,
      status: t.status ?? 'passed',
      durationMs: 1,
      edges: withCount(t.edges),
    })),
    excluded: [],
    stats: { testsTotal: spec.tests.length, testsPassed: spec.tests.length, tracedWallMs: 1, instrumentedFiles: 1 },
  };
}

/**
 * A compact way to write a schedule scenario: each test names the core functions it calls directly
 * (`calls`) and the core → core edges it observes (`deps`). Core functions live in `src/core.ts`,
 * tests in `test/<file>.test.ts`.
 */
export function scenario(tests: { name: string; calls: string[]; deps?: [string, string][]; file?: string }[]): TraceJson {
  const core = (n: string): string => fn('src/core.ts', n);
  return makeTrace({
    tests: tests.map((t) => {
      const file = `test/${t.file ?? 'a'}.test.ts`;
      const body = fn(file, t.name, 10, 3);
      return {
        file,
        name: t.name,
        edges: [
          ['<root>', body] as [string, string],
          ...t.calls.map((c) => [body, core(c)] as [string, string]),
          ...(t.deps ?? []).map(([a, b]) => [core(a), core(b)] as [string, string]),
        ],
      };
    }),
  });
}

export const core = (n: string): string => fn('src/core.ts', n);
