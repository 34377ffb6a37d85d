/**
 * The shared end-to-end suite every runner adapter passes on its fixture repository: detection and
 * test files, a plain run whose parsed results match expected.json's statuses, selection of one test
 * by id, an empty result for a filter that matches nothing, traced and untraced outcomes agreeing
 * test by test, and traced edges equal to expected.json.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { ErrorCodes, silentLogger, type TestResult } from '@swe-flow/core';
import type { RunnerAdapter, TracedRunOutput } from '../adapter.js';
import { detectRunner } from './index.js';
import { copyFixture, copyFixtureVariant, goldenView, readExpected, REPO_ROOT, type ExpectedJson, type FixtureVariant, type TempRepo } from './runner-kit.testing.js';

export interface FixtureSuiteOptions {
  fixture: string;
  testFiles: string[];
  /** A file of the fixture and a test id in it that does not exist. */
  missing: { file: string; id: string };
  /** Run on the fixture with other runner versions (same expected.json: same edges, same verdicts). */
  variant?: { label: string } & FixtureVariant;
}

/**
 * The test files and a missing test of each fixture that more than one suite runs (on the newest
 * runner and on an older major or another setup): one definition per fixture.
 */
export const FIXTURE_RUNS = {
  'jest-ts': {
    fixture: 'jest-ts',
    testFiles: ['test/cart.test.ts', 'test/product.test.ts'],
    missing: { file: 'test/cart.test.ts', id: 'test/cart.test.ts > Cart > no such test' },
  },
  'mocha-cjs': {
    fixture: 'mocha-cjs',
    testFiles: ['test/documents.test.js', 'test/formatter.test.js', 'test/tokenizer.test.js'],
    missing: { file: 'test/formatter.test.js', id: 'test/formatter.test.js > formatter > no such test' },
  },
  'ava-esm': {
    fixture: 'ava-esm',
    testFiles: ['test/money.test.js', 'test/rates.test.js', 'test/units.test.js'],
    missing: { file: 'test/units.test.js', id: 'test/units.test.js > no such test' },
  },
  'tap-esm': {
    fixture: 'tap-esm',
    testFiles: ['test/encode.test.js', 'test/query.test.js'],
    missing: { file: 'test/query.test.js', id: 'test/query.test.js > no such test' },
  },
  'uvu-esm': {
    fixture: 'uvu-esm',
    testFiles: ['test/slug.test.js', 'test/text.test.js'],
    missing: { file: 'test/text.test.js', id: 'test/text.test.js > no such test' },
  },
} satisfies Record<string, FixtureSuiteOptions>;

export async function runPlain(adapter: RunnerAdapter, repo: TempRepo, selection: { files: string[]; testIds: string[] }): Promise<{ results: TestResult[]; wallMs: number }> {
  const resultFile = '.swe-flow/results.out';
  const spec = adapter.plainCommand({ resultFile, selection });
  const started = performance.now();
  const r = await execa(spec.command, spec.args, { cwd: repo.root, reject: false, env: spec.env });
  const wallMs = performance.now() - started;
  const text = await readFile(path.join(repo.root, resultFile), 'utf8').catch(() => {
    throw new Error(`no result file; exit ${r.exitCode}: ${String(r.stderr).slice(-3000)}`);
  });
  return { results: adapter.parseResults(text, repo.root), wallMs };
}

export function describeAdapterOnFixture(adapter: RunnerAdapter, options: FixtureSuiteOptions): void {
  describe(`${adapter.name} adapter on fixtures/${options.fixture}${options.variant ? ` with ${options.variant.label}` : ''}`, () => {
    let repo: TempRepo;
    let expected: ExpectedJson;
    let plain: TestResult[];
    let traced: TracedRunOutput;

    beforeAll(async () => {
      await execa('npx', ['tsc', '-b', 'packages/tracer/tsconfig.lib.json'], { cwd: REPO_ROOT, reject: false });
      repo = options.variant ? await copyFixtureVariant(options.fixture, options.variant) : await copyFixture(options.fixture);
      expected = await readExpected(options.fixture);
      plain = (await runPlain(adapter, repo, { files: [], testIds: [] })).results;
      const traceDir = await mkdtemp(path.join(os.tmpdir(), `sweflow-${adapter.name}-trace-`));
      traced = await adapter.runTraced({ facts: repo.facts, traceDir, timeoutMs: 240_000, logger: silentLogger });
      if (process.env.SWEFLOW_DEBUG_DUMP) await writeFile(process.env.SWEFLOW_DEBUG_DUMP, JSON.stringify({ plain, traced }, null, 1));
    });
    afterAll(async () => {
      await repo?.dispose();
    });

    it('detects the runner and lists the test files the way the runner does', async () => {
      expect(adapter.detect(repo.facts)).toBeGreaterThan(0.5);
      expect(detectRunner(repo.facts).name).toBe(adapter.name);
      expect(await adapter.listTestFiles(repo.facts)).toEqual(options.testFiles);
    });

    it('runs the whole suite plain and reports every golden test with the right status', () => {
      const byId = new Map(plain.map((r) => [r.id, r]));
      for (const id of Object.keys(expected.tests)) expect(byId.get(id)?.status, id).toBe('passed');
      for (const id of expected.knownFailing ?? []) expect(byId.get(id)?.status, id).toBe('failed');
      expect(plain.filter((r) => r.status !== 'skipped').length).toBe(Object.keys(expected.tests).length + (expected.knownFailing?.length ?? 0));
    });

    it('selects single tests by id and reports nothing for a filter that matches nothing', async () => {
      const ids = Object.keys(expected.tests);
      const pick = [ids[0]!, ids[ids.length - 1]!];
      const some = await runPlain(adapter, repo, { files: [], testIds: pick });
      expect(some.results.filter((r) => r.status !== 'skipped').map((r) => r.id).sort()).toEqual(expect.arrayContaining([...pick].sort()));
      for (const r of some.results.filter((x) => pick.includes(x.id))) expect(r.status).toBe('passed');
      const none = await runPlain(adapter, repo, { files: [options.missing.file], testIds: [options.missing.id] });
      expect(none.results.filter((r) => r.status !== 'skipped')).toEqual([]);
    });

    it('kills a traced run that outlives its timeout and says so', async () => {
      const traceDir = await mkdtemp(path.join(os.tmpdir(), `sweflow-${adapter.name}-timeout-`));
      await expect(adapter.runTraced({ facts: repo.facts, traceDir, timeoutMs: 50, logger: silentLogger })).rejects.toMatchObject({ code: ErrorCodes.TRACE_TIMEOUT });
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
}
