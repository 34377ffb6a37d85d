/**
 * Per-test time limits of base runs. A stub that makes a test wait — here the timer callback inside
 * `drain` (which itself runs at load and is never stubbed) throws, so `done` is never called and the
 * test awaits forever — must
 * cost about a second on base, not the repository's own limit (120 s in this repository's vitest config,
 * as repositories with slow tests set it). Trace → schedule → emit → verify on a real vitest, batched
 * (one project per tree) and tree by tree (plain runs); the reference keeps the repository's limit.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TraceJson } from '@swe-flow/core';
import { createLocalRuntime } from '@swe-flow/runtime';
import { getAdapter } from '@swe-flow/tracer';
import { verifyCandidates, type Candidate, type VerifyOptions } from '../src/index.js';
import { inlineCandidates } from './inline-candidates.js';

/** swe-flow's own node_modules: its vitest runs the repository's tests. */
const OWN_MODULES = fileURLToPath(new URL('../../../node_modules', import.meta.url));
const REPO_TIMEOUT_MS = 120_000;

const FILES: Record<string, string> = {
  'package.json': JSON.stringify({ name: 'waits', version: '1.0.0', private: true, type: 'module', scripts: { test: 'vitest run' }, devDependencies: { vitest: '*' } }, null, 2) + '\n',
  'vitest.config.js': `export default { test: { testTimeout: ${REPO_TIMEOUT_MS} } };\n`,
  'src/queue.js': [
    'export function double(x) {',
    '  const twice = x * 2;',
    '  return Number.isFinite(twice) ? twice : 0;',
    '}',
    '',
    'export function drain(items, done) {',
    '  if (items.length === 0) return;',
    '  setTimeout(() => {',
    '    done(items.map((item) => double(item)));',
    '  }, 5);',
    '}',
    '',
    '// Warmed at load (so `drain` itself is never stubbed, as a CLI entry that runs when loaded).',
    'drain([], () => {});',
    '',
  ].join('\n'),
  'test/queue.test.js': [
    "import { expect, it } from 'vitest';",
    "import { double, drain } from '../src/queue.js';",
    '',
    "it('doubles a number', () => {",
    '  expect(double(21)).toBe(42);',
    '});',
    '',
    "it('drains a queue through its callback', async () => {",
    '  const out = await new Promise((resolve) => drain([1, 2, 3], resolve));',
    '  expect(out).toEqual([2, 4, 6]);',
    '});',
    '',
  ].join('\n'),
};

let dir: string;
let src: string;
let traced: TraceJson;
let candidates: Candidate[];

beforeAll(async () => {
  // Every traced function a node of its own (namedUnits off) and no size floor: the step that develops
  // drain's callbacks leaves drain itself, which ran at load, in place.
  ({ dir, src, traced, candidates } = await inlineCandidates({
    prefix: 'swf-verify-time-limit-', name: 'waits', files: FILES, runner: 'vitest', nodeModules: OWN_MODULES,
    rdg: { units: false }, schedule: { minStepLines: 0 },
  }));
}, 300_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const DRAINS = 'test/queue.test.js > drains a queue through its callback';

describe('verifyCandidates: per-test limits on base', () => {
  it.each([
    ['in a tree batch', true],
    ['tree by tree', false],
  ])('cuts a test that waits for a stubbed callback after about a second, %s', async (_how, batch) => {
    // The step that stubs drain's callbacks makes the drain test wait for a `done` that never comes.
    const waiting = candidates.find((c) => c.failToPass.includes(DRAINS) && !c.nodesToDevelop.some((id) => id.endsWith(':drain')));
    expect(waiting, JSON.stringify(candidates.map((c) => [c.nodesToDevelop, c.failToPass]))).toBeDefined();
    const options: VerifyOptions = {
      runtime: createLocalRuntime(), adapter: getAdapter('vitest'), taskRepo: path.join(dir, 'task-repo.git'),
      dependenciesDir: src, reruns: 1, warm: false, workers: 1, batch, stubMarker: 'Not implemented: ',
      testDurations: new Map(traced.tests.map((t) => [t.id, t.durationMs])), baseTimeLimit: { factor: 5, floorMs: 1000 },
    };
    const log: string[] = [];
    const note = (level: string) => (msg: string) => log.push(`${new Date().toISOString().slice(11, 23)} ${level} ${msg}`);
    const logger = { debug: note('debug'), info: note('info'), warn: note('warn'), error: note('error') };
    const started = Date.now();
    const r = await verifyCandidates(candidates, { ...options, logger });
    const ms = Date.now() - started;
    // The waiting test failed on base (cut by the limit) and passed on the reference: a verified task.
    expect(r.rejects).toEqual([]);
    expect(r.verified.find((v) => v.candidate.instanceId === waiting!.instanceId)?.failToPass).toEqual([DRAINS]);
    expect(r.stats.baseRunsTimeLimited).toBeGreaterThanOrEqual(1);
    // Without the limit the base run would wait the repository's 120 s.
    expect(ms, log.join('\n')).toBeLessThan(REPO_TIMEOUT_MS / 2);
    if (batch) {
      expect(r.stats.batchTimes.length).toBeGreaterThanOrEqual(1);
      expect(r.stats.batchTimes.some((b) => b.testTimeoutMs !== undefined && b.testTimeoutMs >= 1000 && b.testTimeoutMs < 10_000)).toBe(true);
    }
    expect(r.stats.slowestTrees.length).toBeGreaterThanOrEqual(1);
  }, 300_000);
});
