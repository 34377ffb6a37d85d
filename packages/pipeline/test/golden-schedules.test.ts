import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ScheduleJson } from '@swe-flow/core';
import { formatSchedule } from '@swe-flow/scheduler';
import { synthesize } from '../src/index.js';

const FIXTURES = fileURLToPath(new URL('../../../fixtures/', import.meta.url));

/**
 * Golden schedules: each fixture is prepared, traced and scheduled for real by `synthesize()`, and the
 * schedule (rendered by `formatSchedule`) must equal `fixtures/<name>/expected-schedule.txt`.
 * Regenerate with `npx vitest run test/golden-schedules.test.ts -u` after an intended change, and review the diff.
 */
describe.each(['vitest-ts', 'jest-ts', 'mocha-cjs', 'node-test-esm', 'ava-esm'])('golden schedule of fixtures/%s', (name) => {
  it('matches expected-schedule.txt', async () => {
    const out = path.join(await mkdtemp(path.join(os.tmpdir(), `swf-golden-${name}-`)), 'out');
    const result = await synthesize(path.join(FIXTURES, name), { out, stopAfter: 'schedule', config: { name: `fixtures/${name}` } });
    expect(result.completed).toBe('schedule');
    const schedule = JSON.parse(await readFile(path.join(out, 'schedule.json'), 'utf8')) as ScheduleJson;
    // The fixtures' functions are a few lines each: the size floor (5 lines) merges many of their steps.
    expect(schedule.steps.length).toBeGreaterThan(3);
    await expect(formatSchedule(schedule)).toMatchFileSnapshot(path.join(FIXTURES, name, 'expected-schedule.txt'));
    // Prepare (install) and trace take most of it; jest-ts needed 164 s at load 15 (with the reachable-units scan of its dependencies, 19 s, now only under --dependency-copies reject).
  }, 240_000);
});
