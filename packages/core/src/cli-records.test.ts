import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { cliRecordJsonSchema, CliRecordSchema } from './cli-records.js';

describe('--json record schema', () => {
  it('the committed JSON Schema is the one the zod schema generates (run tools/gen-config-schema.mjs)', async () => {
    const committed = JSON.parse(await readFile(new URL('../schema/cli-records.schema.json', import.meta.url), 'utf8'));
    expect(committed).toEqual(cliRecordJsonSchema());
  });
  it('accepts each record type and refuses a record without a known type or a code', () => {
    const time = new Date().toISOString();
    for (const record of [
      { type: 'log', level: 'warn', message: 'm', fields: { a: 1 }, time },
      { type: 'progress', stage: 'verify', done: 1, total: 2, time },
      { type: 'error', name: 'SweFlowError', code: 'SWEFLOW_USAGE', message: 'm' },
      { type: 'result', out: '/o', completed: 'all', counts: { verified: 1 }, rejectReasons: {} },
    ]) expect(CliRecordSchema.safeParse(record).success).toBe(true);
    expect(CliRecordSchema.safeParse({ type: 'chatter', message: 'm' }).success).toBe(false);
    expect(CliRecordSchema.safeParse({ type: 'error', message: 'm' }).success).toBe(false);
    expect(CliRecordSchema.safeParse({ type: 'log', level: 'loud', message: 'm', time }).success).toBe(false);
  });
});
