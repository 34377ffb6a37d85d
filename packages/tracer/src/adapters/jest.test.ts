import { readFile, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { silentLogger, type TestResult } from '@swe-flow/core';
import type { TracedRunOutput } from '../adapter.js';
import { jestAdapter } from './jest.js';
import { copyFixture, goldenView, readExpected, REPO_ROOT, type ExpectedJson, type TempRepo } from './runner-kit.testing.js';

const FIXTURE = 'jest-ts';

async function runPlain(repo: TempRepo, selection: { files: string[]; testIds: string[] }): Promise<{ results: TestResult[]; exitCode: number | undefined }> {
  const resultFile = '.sweflow/results.json';
  const spec = jestAdapter.plainCommand({ resultFile, selection });
  const r = await execa(spec.command, spec.args, { cwd: repo.root, reject: false });
  const text = await readFile(path.join(repo.root, resultFile), 'utf8').catch(() => {
    throw new Error(`no result file; exit ${r.exitCode}: ${String(r.stderr).slice(-3000)}`);
  });
  return { results: jestAdapter.parseResults(text, repo.root), exitCode: r.exitCode };
}

describe('jest adapter on fixtures/jest-ts', () => {
  let repo: TempRepo;
  let expected: ExpectedJson;
  let plain: TestResult[];
  let traced: TracedRunOutput;

  beforeAll(async () => {
    await execa('npx', ['tsc', '-b', 'packages/tracer/tsconfig.lib.json'], { cwd: REPO_ROOT, reject: false });
    repo = await copyFixture(FIXTURE);
    expected = await readExpected(FIXTURE);
    plain = (await runPlain(repo, { files: [], testIds: [] })).results;
    const traceDir = await mkdtemp(path.join(os.tmpdir(), 'sweflow-jest-trace-'));
    traced = await jestAdapter.runTraced({ facts: repo.facts, traceDir, timeoutMs: 240_000, logger: silentLogger });
    if (process.env.SWEFLOW_DEBUG_DUMP) await writeFile(process.env.SWEFLOW_DEBUG_DUMP, JSON.stringify(traced, null, 1));
  });
  afterAll(async () => {
    await repo?.dispose();
  });

  it('detects jest and lists the test files the way jest does', async () => {
    expect(jestAdapter.detect(repo.facts)).toBeGreaterThan(0.5);
    expect(await jestAdapter.listTestFiles(repo.facts)).toEqual(['test/cart.test.ts', 'test/product.test.ts']);
  });

  it('runs the whole suite plain and reports every golden test with the right status', () => {
    const byId = new Map(plain.map((r) => [r.id, r]));
    for (const id of Object.keys(expected.tests)) expect(byId.get(id)?.status, id).toBe('passed');
    for (const id of expected.knownFailing ?? []) expect(byId.get(id)?.status, id).toBe('failed');
    expect(plain.length).toBe(Object.keys(expected.tests).length + (expected.knownFailing?.length ?? 0));
  });

  it('selects single tests by id and reports nothing for a filter that matches nothing', async () => {
    const id = Object.keys(expected.tests)[0]!;
    const one = await runPlain(repo, { files: [], testIds: [id] });
    expect(one.results.filter((r) => r.status !== 'skipped').map((r) => r.id)).toEqual([id]);
    const none = await runPlain(repo, { files: ['test/cart.test.ts'], testIds: ['test/cart.test.ts > Cart > no such test'] });
    expect(none.results.filter((r) => r.status !== 'skipped')).toEqual([]);
  });

  it('traced and untraced outcomes agree test by test', () => {
    const plainStatus = Object.fromEntries(plain.map((r) => [r.id, r.status]));
    const tracedStatus = Object.fromEntries(traced.results.map((r) => [r.id, r.status]));
    expect(tracedStatus).toEqual(plainStatus);
  });

  it('records per-test edges equal to expected.json', () => {
    const testFiles = new Set(traced.testFiles);
    const byId = new Map(traced.records.map((r) => [r.testId, r]));
    for (const [id, want] of Object.entries(expected.tests)) {
      const rec = byId.get(id);
      expect(rec, `no record for ${id}`).toBeDefined();
      const got = goldenView(rec!.edges, testFiles);
      expect(got, id).toEqual({ targetCore: [...want.targetCore].sort(), coreEdges: [...want.coreEdges].sort() });
    }
  });

  it('records setup calls and module-load functions', () => {
    const testFiles = new Set(traced.testFiles);
    for (const [file, targets] of Object.entries(expected.setupTargets ?? {})) {
      const setup = traced.setup.find((s) => s.file === file);
      expect(setup, file).toBeDefined();
      expect(goldenView(setup!.edges, testFiles).targetCore).toEqual(expect.arrayContaining(targets));
    }
    const loaded = traced.moduleLoadFunctions.map((id) => id.replace(/:\d+:\d+:/, ':'));
    expect(loaded).toEqual(expect.arrayContaining(expected.moduleLoad ?? []));
  });
});
