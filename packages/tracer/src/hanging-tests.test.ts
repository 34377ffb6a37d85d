/**
 * A test that never settles, in a repository whose config turns the runner's own limit off or up,
 * must not hold the trace: the per-test limit of the trace runs (`testTimeoutMs`, the CLI's
 * `--trace-test-timeout`) cuts it in the untraced and the traced run with the runner's own option, it
 * is excluded as `timed-out` and listed under lost tests, the rest of the suite is traced, and the
 * process that ran it is gone afterwards. Each case writes the hanging test's process id to a marker
 * file when the test starts; no `exclude` is given, so the test does start.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunnerName } from '@swe-flow/core';
import { trace } from './trace.js';
import { copyFixture, type TempRepo } from './adapters/runner-kit.testing.js';

const HANG_CJS = "new Promise(() => { require('node:fs').appendFileSync(process.env.HANG_MARKER, process.pid + '\\n'); setInterval(() => {}, 1000); })";
const HANG_ESM = "new Promise(() => { fs.appendFileSync(String(process.env.HANG_MARKER), process.pid + '\\n'); setInterval(() => {}, 1000); })";

interface Case {
  runner: RunnerName;
  /** The per-test limit: ava's is the run's inactivity, which must also cover its workers' start. */
  limitMs?: number;
  fixture: string;
  /** Files written over the fixture copy: the hanging test and the config that turns the limit off. */
  files: Record<string, string>;
  /** package.json fields set over the fixture's. */
  packageJson?: Record<string, unknown>;
  hangFile: string;
  /** Whether the hanging test starts in the traced run too (ava's traced run leaves out what the untraced run's limit cut). */
  startsTwice?: false;
}

const CASES: Case[] = [
  {
    runner: 'vitest', fixture: 'vitest-ts', hangFile: 'test/hang.test.ts',
    files: {
      'vitest.config.ts': "import { defineConfig } from 'vitest/config';\nexport default defineConfig({ test: { include: ['test/**/*.test.ts'], testTimeout: 0 } });\n",
      'test/hang.test.ts': `import fs from 'node:fs';\nimport { describe, expect, it } from 'vitest';\ndescribe('hang', () => {\n  it('never settles', () => ${HANG_ESM});\n  it('still runs', () => { expect(1).toBe(1); });\n});\n`,
    },
  },
  {
    runner: 'jest', fixture: 'jest-ts', hangFile: 'test/hang.test.ts',
    files: {
      'jest.config.js': "module.exports = { testEnvironment: 'node', roots: ['<rootDir>/test'], testTimeout: 2147483647, transform: { '^.+\\\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] } };\n",
      'test/hang.test.ts': `import fs from 'node:fs';\ndescribe('hang', () => {\n  it('never settles', () => ${HANG_ESM});\n  it('still runs', () => { expect(1).toBe(1); });\n});\n`,
    },
  },
  {
    runner: 'mocha', fixture: 'mocha-cjs', hangFile: 'test/hang.test.js',
    files: {
      '.mocharc.json': JSON.stringify({ spec: ['test/**/*.test.js'], timeout: false }),
      // The test turns the limit off itself too: only the clamp on mocha's own timer holds it.
      'test/hang.test.js': `describe('hang', () => {\n  it('never settles', function () { this.timeout(0); return ${HANG_CJS}; });\n  it('still runs', () => {});\n});\n`,
    },
  },
  {
    runner: 'ava', fixture: 'ava-esm', hangFile: 'test/hang.test.js', limitMs: 15_000, startsTwice: false,
    packageJson: { ava: { files: ['test/**/*.test.js'], timeout: '10m' } },
    files: {
      'test/hang.test.js': `import fs from 'node:fs';\nimport test from 'ava';\ntest('never settles', () => ${HANG_ESM});\ntest('still runs', (t) => { t.pass(); });\n`,
    },
  },
];

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function setUp(c: Case): Promise<TempRepo> {
  const repo = await copyFixture(c.fixture);
  for (const [file, text] of Object.entries(c.files)) {
    await writeFile(path.join(repo.root, file), text);
    if (!repo.facts.files.includes(file)) repo.facts.files.push(file);
  }
  if (c.packageJson) {
    Object.assign(repo.facts.packageJson, c.packageJson);
    await writeFile(path.join(repo.root, 'package.json'), JSON.stringify(repo.facts.packageJson, null, 2));
  }
  return repo;
}

const made: TempRepo[] = [];
afterAll(async () => {
  for (const r of made) await r.dispose();
});

describe('a test that never settles is cut by the trace runs\' per-test limit', () => {
  for (const c of CASES) {
    it(`${c.runner}: excluded as timed-out and listed as lost, the rest traced, its process gone`, async () => {
      const repo = await setUp(c);
      made.push(repo);
      const markerDir = await mkdtemp(path.join(os.tmpdir(), 'sweflow-hang-'));
      const marker = path.join(markerDir, 'pids');
      try {
        const started = Date.now();
        // A trace time limit far above the per-test one: reaching it fails the case.
        const result = await trace({ root: repo.root, runner: c.runner, facts: repo.facts, testTimeoutMs: c.limitMs ?? 4000, timeoutMs: 150_000, env: { HANG_MARKER: marker }, logDir: path.join(markerDir, 'logs') });
        const hung = `${c.hangFile} > ${c.runner === 'ava' ? '' : 'hang > '}never settles`;
        expect(result.excluded.filter((e) => e.id === hung).map((e) => e.reason), JSON.stringify(result.excluded)).toEqual(['timed-out']);
        expect(result.lost?.filter((l) => l.id === hung).map((l) => l.reason)).toEqual(['timed-out']);
        expect(result.lost?.find((l) => l.id === hung)?.detail).toMatch(/--trace-test-timeout/);
        // The rest of the suite: the hang file's other test and the fixture's own tests.
        const ids = result.tests.map((t) => t.id);
        expect(ids.some((id) => id.startsWith(`${c.hangFile} > `) && id.endsWith('still runs'))).toBe(true);
        expect(result.tests.filter((t) => !t.id.startsWith(c.hangFile) && t.status === 'passed' && t.edges.length > 0).length).toBeGreaterThan(2);
        expect(Date.now() - started).toBeLessThan(150_000);
        // It started (in both runs, but for ava), and no process that ran it is left.
        const pids = (await readFile(marker, 'utf8')).split('\n').filter(Boolean).map(Number);
        expect(pids.length).toBeGreaterThanOrEqual(c.startsTwice === false ? 1 : 2);
        for (const pid of new Set(pids)) expect(alive(pid), `process ${pid} that ran the hanging test is still alive`).toBe(false);
      } finally {
        await rm(markerDir, { recursive: true, force: true });
      }
    }, 200_000);
  }
});
