import { z } from 'zod';

/**
 * The records `swe-flow … --json` writes to stdout, one JSON object per line (NDJSON). Every record has
 * a `type`: `log` and `progress` while a command runs, then one `result` (success) or one `error`.
 * `cliRecordJsonSchema()` is the JSON Schema of one line (committed as schema/cli-records.schema.json).
 */
const time = z.string().describe('ISO 8601 time the record was written');

export const CliLogRecordSchema = z
  .object({
    type: z.literal('log'),
    level: z.enum(['debug', 'info', 'warn', 'error']),
    message: z.string(),
    fields: z.record(z.string(), z.unknown()).optional().describe('structured facts of the message'),
    time,
  })
  .strict();

export const CliProgressRecordSchema = z
  .object({
    type: z.literal('progress'),
    stage: z.string().describe('prepare, trace, schedule, emit, image, verify, statements, write, eval, …'),
    done: z.number().int().min(0),
    total: z.number().int().min(0).optional(),
    message: z.string().optional(),
    time,
  })
  .strict();

export const CliErrorRecordSchema = z
  .object({
    type: z.literal('error'),
    name: z.string().optional(),
    code: z.string().regex(/^SWEFLOW_[A-Z_]+$/).describe('stable error code; SWEFLOW_INTERNAL for a bug'),
    message: z.string().describe('what happened and what to do next'),
    details: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

const counts = z.record(z.string(), z.number());

/** The last record of a successful command; its fields depend on the command. */
export const CliResultRecordSchema = z.union([
  z.object({ type: z.literal('result'), out: z.string(), completed: z.string(), counts: counts.nullable(), rejectReasons: counts.nullable() }).strict().describe('synth, trace, emit, verify'),
  z.object({ type: z.literal('result'), runId: z.string(), reportDir: z.string().optional(), total: z.number(), evaluated: z.number(), counts, resolvedRate: z.number() }).strict().describe('eval'),
  z.object({ type: z.literal('result'), stats: z.record(z.string(), z.unknown()) }).strict().describe('schedule'),
  z.object({ type: z.literal('result'), checks: z.array(z.object({ name: z.string(), status: z.enum(['ok', 'warn', 'fail']), detail: z.string(), fix: z.string().optional() }).loose()) }).strict().describe('doctor'),
  z.object({ type: z.literal('result'), tag: z.string(), cached: z.boolean() }).strict().describe('docker bootstrap, docker build'),
  z.object({ type: z.literal('result') }).catchall(z.unknown()).describe('docker prune: what was removed'),
]);

export const CliRecordSchema = z.union([CliLogRecordSchema, CliProgressRecordSchema, CliErrorRecordSchema, CliResultRecordSchema]);

export type CliRecord = z.infer<typeof CliRecordSchema>;

export function cliRecordJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(CliRecordSchema, { io: 'output' }) as Record<string, unknown>;
}
