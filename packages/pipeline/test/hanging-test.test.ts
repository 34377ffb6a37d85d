/**
 * A repository with one test that never settles, and its runner's limit turned off (mocha
 * `timeout: false` and `this.timeout(0)`): synthesis finishes with tasks instead of waiting for
 * `--trace-timeout`; the test is excluded as timed-out and counted under "Lost tests" in summary.md, and
 * no process that ran it is left.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import type { TraceJson } from '@swe-flow/core';
import { processAlive, synthesize } from '../src/index.js';

const fixture = fileURLToPath(new URL('../../../fixtures/mocha-cjs', import.meta.url));
let dir: string | undefined;
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

it('a test that never settles is cut by --trace-test-timeout: tasks are emitted, the test is lost as timed-out', async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'swf-hanging-'));
  const repo = path.join(dir, 'repo');
  await cp(fixture, repo, { recursive: true, filter: (p) => !p.split(path.sep).includes('node_modules') });
  await writeFile(path.join(repo, '.mocharc.json'), JSON.stringify({ spec: ['test/**/*.test.js'], timeout: false }));
  const marker = path.join(dir, 'pids');
  await writeFile(
    path.join(repo, 'test/hang.test.js'),
    `describe('hang', () => {\n  it('never settles', function () {\n    this.timeout(0);\n    return new Promise(() => { require('node:fs').appendFileSync(${JSON.stringify(marker)}, process.pid + '\\n'); setInterval(() => {}, 1000); });\n  });\n});\n`,
  );
  const out = path.join(dir, 'out');
  const started = Date.now();
  const result = await synthesize(repo, { out, config: { maxSteps: 2, skipImage: true, traceTestTimeoutMs: 3000, traceTimeoutMs: 240_000 } });
  expect(Date.now() - started).toBeLessThan(240_000);
  expect(result.rows.length).toBeGreaterThan(0);

  const id = 'test/hang.test.js > hang > never settles';
  const trace = JSON.parse(await readFile(path.join(out, 'trace.json'), 'utf8')) as TraceJson;
  expect(trace.excluded.find((e) => e.id === id)?.reason).toBe('timed-out');
  expect(trace.lost?.find((l) => l.id === id)?.reason).toBe('timed-out');
  const md = await readFile(path.join(out, 'summary.md'), 'utf8');
  const lostSection = md.slice(md.indexOf('## Lost tests'));
  expect(lostSection).toMatch(/timed-out: 1/);
  expect(lostSection).toContain(id);
  expect(lostSection).toMatch(/--trace-test-timeout/);
  // No task uses it.
  for (const row of result.rows) expect(JSON.stringify(row)).not.toContain('never settles');

  const pids = (await readFile(marker, 'utf8')).split('\n').filter(Boolean).map(Number);
  expect(pids.length).toBeGreaterThanOrEqual(2);
  for (const pid of new Set(pids)) expect(processAlive(pid), `process ${pid} that ran the hanging test is still alive`).toBe(false);
}, 300_000);
