/**
 * Traced ÷ untraced wall time of the four runner adapters on their fixtures, measured in one run.
 * `npx tsc -b packages/tracer/tsconfig.lib.json && cd packages/tracer && npx vitest bench --run src/adapters/runner-kit.bench.ts`
 * Untraced: the adapter's plain command (whole suite, results file written and parsed).
 * Traced: `runTraced` (instrumented whole suite, fragments merged). Both after one warm-up run, so
 * runner caches (jest's transform cache, swe-flow's instrumentation cache) are warm in both.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { bench, describe } from 'vitest';
import { silentLogger } from '@swe-flow/core';
import type { RunnerAdapter } from '../adapter.js';
import { avaAdapter } from './ava.js';
import { jestAdapter } from './jest.js';
import { mochaAdapter } from './mocha.js';
import { nodeTestAdapter } from './node-test.js';
import { runPlain } from './runner-kit.suite.js';
import { copyFixture } from './runner-kit.testing.js';

const cases: [RunnerAdapter, string][] = [
  [jestAdapter, 'jest-ts'],
  [mochaAdapter, 'mocha-cjs'],
  [nodeTestAdapter, 'node-test-esm'],
  [avaAdapter, 'ava-esm'],
];

const options = { iterations: 5, time: 0, warmupIterations: 1, warmupTime: 0 };

for (const [adapter, fixture] of cases) {
  const repo = await copyFixture(fixture);
  describe(`${adapter.name} on fixtures/${fixture}`, () => {
    bench(
      'untraced',
      async () => {
        const { results } = await runPlain(adapter, repo, { files: [], testIds: [] });
        if (results.length === 0) throw new Error('no results');
      },
      options,
    );
    bench(
      'traced',
      async () => {
        const traceDir = await mkdtemp(path.join(os.tmpdir(), 'sweflow-bench-trace-'));
        const out = await adapter.runTraced({ facts: repo.facts, traceDir, timeoutMs: 300_000, logger: silentLogger });
        if (out.records.length === 0) throw new Error('no records');
        await rm(traceDir, { recursive: true, force: true });
      },
      options,
    );
  });
}
