/**
 * `--exclude-test` stops a hanging test before it runs, on every runner: each fixture gets a test file
 * with a test that records that it started and then never ends, and one that passes. trace() with the
 * hanging test excluded must finish (no runner or trace time limit reached), the marker must not
 * exist (the test never started, in the untraced or the traced run), the passing test is traced, and
 * the hanging one is listed as excluded-by-option wherever the runner reports the tests its filter
 * left out.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunnerName } from '@swe-flow/core';
import { trace } from './trace.js';
import { copyFixture, type TempRepo } from './adapters/runner-kit.testing.js';

const HANG = "new Promise(() => { require('node:fs').writeFileSync(process.env.HANG_MARKER, 'started'); setInterval(() => {}, 1000); })";
const HANG_ESM = "new Promise(() => { fs.writeFileSync(String(process.env.HANG_MARKER), 'started'); setInterval(() => {}, 1000); })";

interface Case {
  runner: RunnerName;
  fixture: string;
  file: string;
  text: string;
  /** Whether the runner reports a test its filter left out (so trace() can list it). */
  listsFiltered: boolean;
}

const CASES: Case[] = [
  {
    runner: 'vitest', fixture: 'vitest-ts', file: 'test/hang.test.ts', listsFiltered: true,
    text: `import fs from 'node:fs';\nimport { describe, expect, it } from 'vitest';\ndescribe('hang', () => {\n  it('hangs forever', () => ${HANG_ESM});\n  it('still runs', () => { expect(1).toBe(1); });\n});\n`,
  },
  {
    runner: 'jest', fixture: 'jest-ts', file: 'test/hang.test.ts', listsFiltered: true,
    text: `import fs from 'node:fs';\ndescribe('hang', () => {\n  it('hangs forever', () => ${HANG_ESM});\n  it('still runs', () => { expect(1).toBe(1); });\n});\n`,
  },
  {
    runner: 'mocha', fixture: 'mocha-cjs', file: 'test/hang.test.js', listsFiltered: true,
    text: `describe('hang', () => {\n  it('hangs forever', function () { this.timeout(0); return ${HANG}; });\n  it('still runs', () => {});\n});\n`,
  },
  {
    runner: 'node-test', fixture: 'node-test-esm', file: 'test/hang.test.js', listsFiltered: true,
    text: `import fs from 'node:fs';\nimport test from 'node:test';\ntest('hangs forever', () => ${HANG_ESM});\ntest('still runs', () => {});\n`,
  },
  {
    runner: 'ava', fixture: 'ava-esm', file: 'test/hang.test.js', listsFiltered: false,
    text: `import fs from 'node:fs';\nimport test from 'ava';\ntest('hangs forever', () => ${HANG_ESM});\ntest('still runs', (t) => { t.pass(); });\n`,
  },
  {
    runner: 'tape', fixture: 'tape-cjs', file: 'test/hang.test.js', listsFiltered: true,
    text: `const test = require('tape');\ntest('hangs forever', () => ${HANG});\ntest('still runs', (t) => { t.pass(); t.end(); });\n`,
  },
  {
    runner: 'tap', fixture: 'tap-esm', file: 'test/hang.test.js', listsFiltered: true,
    text: `import fs from 'node:fs';\nimport t from 'tap';\nt.test('hangs forever', () => ${HANG_ESM});\nt.test('still runs', async (t) => { t.pass('ok'); });\n`,
  },
  {
    runner: 'uvu', fixture: 'uvu-esm', file: 'test/hang.test.js', listsFiltered: true,
    text: `import fs from 'node:fs';\nimport { test } from 'uvu';\nimport * as assert from 'uvu/assert';\ntest('hangs forever', () => ${HANG_ESM});\ntest('still runs', () => { assert.ok(true); });\ntest.run();\n`,
  },
  {
    runner: 'jasmine', fixture: 'jasmine-cjs', file: 'spec/hang.spec.js', listsFiltered: true,
    text: `describe('hang', () => {\n  it('hangs forever', () => ${HANG}, 0);\n  it('still runs', () => { expect(1).toBe(1); });\n});\n`,
  },
];

const made: TempRepo[] = [];
afterAll(async () => {
  for (const r of made) await r.dispose();
});

describe('--exclude-test keeps a hanging test from starting', () => {
  for (const c of CASES) {
    it(`${c.runner}: the excluded test never starts, the run finishes, the rest is traced`, async () => {
      const repo = await copyFixture(c.fixture);
      made.push(repo);
      await writeFile(path.join(repo.root, c.file), c.text);
      repo.facts.files.push(c.file);
      const markerDir = await mkdtemp(path.join(os.tmpdir(), 'sweflow-hang-'));
      const marker = path.join(markerDir, 'started');
      try {
        const result = await trace({ root: repo.root, runner: c.runner, facts: repo.facts, exclude: ['hangs forever'], timeoutMs: 120_000, env: { HANG_MARKER: marker } });
        expect(existsSync(marker), 'the excluded test started').toBe(false);
        const ids = result.tests.map((t) => t.id);
        expect(ids.some((id) => id.startsWith(`${c.file} > `) && id.endsWith('still runs'))).toBe(true);
        expect(ids.some((id) => id.includes('hangs forever'))).toBe(false);
        const excluded = result.excluded.filter((e) => e.id.includes('hangs forever'));
        if (c.listsFiltered) expect(excluded.map((e) => e.reason)).toEqual(['excluded-by-option']);
      } finally {
        await rm(markerDir, { recursive: true, force: true });
      }
    }, 180_000);
  }
});
