/**
 * End to end on fixtures/vitest-ts: a real vitest 4 run of a real checkout, traced, compared with the
 * hand-written golden edge sets in fixtures/vitest-ts/expected.json.
 */
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isModuleNodeId, parseFunctionId, ROOT_CALLER, type Edge, type TraceJson } from '@swe-flow/core';
import { locateFunctions } from '@swe-flow/skeleton';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectRepoFacts, detectRunner, trace, traceWithInfo, vitestAdapter, type TraceRunInfo } from '../src/index.js';
import { FIXTURES_DIR, fixtureCopy } from './helpers/fixture.js';

interface Expected {
  runner: string;
  tests: Record<string, { targetCore: string[]; coreEdges: string[] }>;
  knownFailing: string[];
  moduleLoad: string[];
  setupTargets: Record<string, string[]>;
}

const short = (id: string): string => {
  const p = parseFunctionId(id);
  return `${p.file}:${p.name}`;
};
const isCore = (id: string): boolean => id !== ROOT_CALLER && id.startsWith('src/');

/** Golden form: core functions called by test code, and core -> core edges. */
function goldenForm(edges: readonly Edge[]): { targetCore: string[]; coreEdges: string[] } {
  const target = new Set<string>();
  const core = new Set<string>();
  for (const [caller, callee] of edges) {
    if (!isCore(callee)) continue;
    if (isCore(caller) && !isModuleNodeId(caller)) core.add(`${short(caller)} -> ${short(callee)}`);
    else if (caller !== ROOT_CALLER && !isCore(caller)) target.add(short(callee));
  }
  return { targetCore: [...target].sort(), coreEdges: [...core].sort() };
}

describe('trace() on fixtures/vitest-ts', () => {
  let root: string;
  let expected: Expected;
  let info: TraceRunInfo;
  let written: TraceJson;

  beforeAll(async () => {
    expected = JSON.parse(await readFile(path.join(FIXTURES_DIR, 'vitest-ts', 'expected.json'), 'utf8')) as Expected;
    root = await fixtureCopy('vitest-ts');
    info = await traceWithInfo({ root, outFile: path.join(root, 'out', 'trace.json'), timeoutMs: 240_000 });
    written = JSON.parse(await readFile(path.join(root, 'out', 'trace.json'), 'utf8')) as TraceJson;
  });

  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('detects vitest and writes a versioned trace.json', () => {
    expect(info.trace.runner).toBe(expected.runner);
    expect(written.schemaVersion).toBe(1);
    expect(written.tests.map((t) => t.id)).toEqual(info.trace.tests.map((t) => t.id));
    expect(written.testFiles).toEqual(['test/geometry.test.ts', 'test/report.test.ts', 'test/shapes.test.ts']);
  });

  it('records exactly the golden edge sets, test by test', () => {
    expect(info.trace.tests.map((t) => t.id).sort()).toEqual(Object.keys(expected.tests).sort());
    for (const t of info.trace.tests) {
      const want = expected.tests[t.id]!;
      expect({ id: t.id, ...goldenForm(t.edges) }).toEqual({ id: t.id, targetCore: [...want.targetCore].sort(), coreEdges: [...want.coreEdges].sort() });
    }
  });

  it('charges a timer that fires during the next test to the test that set it', () => {
    const expires = info.trace.tests.find((t) => t.id.endsWith('expires a cached shape shortly after the test'))!;
    const next = info.trace.tests.find((t) => t.id.endsWith('loads the largest of two shapes first'))!;
    const evicts = (edges: Edge[]): boolean => edges.some(([, callee]) => short(callee) === 'src/cache.ts:ShapeCache#evict');
    expect(evicts(expires.edges)).toBe(true);
    expect(evicts(next.edges)).toBe(false);
  });

  it('records module-load functions and before-all calls as setup, not as tests', () => {
    expect(info.trace.moduleLoadFunctions.filter(isCore).map(short)).toEqual(expected.moduleLoad);
    for (const file of info.trace.files) {
      const targets = goldenForm(file.setupEdges).targetCore;
      expect({ file: file.file, targets }).toEqual({ file: file.file, targets: (expected.setupTargets[file.file] ?? []).sort() });
    }
  });

  it('excludes the test that fails untraced, with its error, and keeps traced outcomes equal to untraced', () => {
    expect(info.trace.excluded.map((e) => [e.id, e.reason])).toEqual(expected.knownFailing.map((id) => [id, 'fails-untraced']));
    expect(info.trace.excluded[0]!.error).toContain('13');
    const untraced = new Map(info.untracedResults!.map((r) => [r.id, r.status]));
    expect(info.tracedResults.length).toBe(untraced.size);
    for (const r of info.tracedResults) expect({ id: r.id, status: r.status }).toEqual({ id: r.id, status: untraced.get(r.id) });
    expect(info.trace.stats.testsTotal).toBe(21);
    expect(info.trace.stats.testsPassed).toBe(20);
    expect(info.trace.stats.untracedWallMs).toBeGreaterThan(0);
  });

  it('lists every function of every source and test file, called or not, with the locator ids', async () => {
    const facts = await collectRepoFacts(root);
    const sources = facts.files.filter((f) => /^(src|test)\/.*\.ts$/.test(f));
    expect(Object.keys(info.trace.functions).sort()).toEqual(sources.sort());
    for (const file of sources) {
      const code = await readFile(path.join(root, file), 'utf8');
      expect(info.trace.functions[file]!.map((f) => f.id)).toEqual(locateFunctions(code, file).map((f) => f.id));
    }
    const called = new Set(info.trace.tests.flatMap((t) => t.edges.map(([, callee]) => callee)));
    const never = Object.values(info.trace.functions).flat().filter((f) => !called.has(f.id));
    expect(never.length).toBeGreaterThan(0);
  });

  it('leaves the checkout as it was: config and sources untouched, no .swe-flow/ left behind', async () => {
    const original = await readFile(path.join(FIXTURES_DIR, 'vitest-ts', 'vitest.config.ts'), 'utf8');
    expect(await readFile(path.join(root, 'vitest.config.ts'), 'utf8')).toBe(original);
    const src = await readFile(path.join(root, 'src', 'shapes.ts'), 'utf8');
    expect(src).toBe(await readFile(path.join(FIXTURES_DIR, 'vitest-ts', 'src', 'shapes.ts'), 'utf8'));
    expect(existsSync(path.join(root, '.swe-flow'))).toBe(false);
  });

  it('builds plain commands that run exactly the selected tests with the repository vitest', async () => {
    const facts = await collectRepoFacts(root);
    expect(detectRunner(facts).name).toBe('vitest');
    const id = 'test/report.test.ts > report > catalog > loads one shape by name';
    const spec = vitestAdapter.plainCommand({ resultFile: '.swe-flow/one.json', selection: { files: [], testIds: [id] } });
    expect([spec.command, spec.args[0]]).toEqual(['node_modules/.bin/vitest', 'run']);
    const { execLocal } = await import('../src/exec.js');
    const res = await execLocal(root, spec, 120_000);
    expect(res.timedOut).toBe(false);
    const results = vitestAdapter.parseResults(await readFile(path.join(root, '.swe-flow/one.json'), 'utf8'), root);
    const ran = results.filter((r) => r.status !== 'skipped');
    expect(ran.map((r) => [r.id, r.status])).toEqual([[id, 'passed']]);
    expect(await vitestAdapter.listTestFiles(facts)).toEqual(['test/geometry.test.ts', 'test/report.test.ts', 'test/shapes.test.ts']);
  });

  it('fails with SWEFLOW_TEST_FILTER_EMPTY when the name filter matches nothing', async () => {
    await expect(trace({ root, filter: 'no test is called like this', skipUntraced: true, timeoutMs: 240_000 })).rejects.toMatchObject({
      code: 'SWEFLOW_TEST_FILTER_EMPTY',
    });
  });

  it('kills a hung suite and fails with SWEFLOW_TRACE_TIMEOUT', async () => {
    await writeFile(path.join(root, 'test', 'hang.test.ts'), `import { it } from 'vitest';\nit('spins forever', () => { for (;;) {} });\n`);
    try {
      await expect(trace({ root, skipUntraced: true, timeoutMs: 8_000 })).rejects.toMatchObject({ code: 'SWEFLOW_TRACE_TIMEOUT' });
    } finally {
      await rm(path.join(root, 'test', 'hang.test.ts'), { force: true });
    }
  });
});
