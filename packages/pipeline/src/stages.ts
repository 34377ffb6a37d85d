import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '@swe-flow/emitter';
import { assertNotShuttingDown } from '@swe-flow/runtime';

/** Stable JSON: object keys sorted, so equal inputs hash equally. */
export function stableStringify(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return v;
  });
}

export function hashOf(...parts: unknown[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(typeof p === 'string' ? p : stableStringify(p)).update('\0');
  return h.digest('hex').slice(0, 20);
}

export interface StageRecord<T> {
  stage: string;
  inputHash: string;
  completedAt: string;
  durationMs: number;
  result: T;
}

/**
 * Stage bookkeeping under `<out>/.swe-flow/stages/<stage>.json`: a stage whose record exists with the
 * same input hash is skipped on a resumed run and its recorded result returned.
 */
export class StageStore {
  constructor(private readonly out: string, private readonly resume: boolean) {}

  private file(stage: string): string {
    return path.join(this.out, '.swe-flow', 'stages', `${stage}.json`);
  }

  async load<T>(stage: string, inputHash: string): Promise<StageRecord<T> | null> {
    if (!this.resume) return null;
    const text = await readFile(this.file(stage), 'utf8').catch(() => null);
    if (!text) return null;
    const record = JSON.parse(text) as StageRecord<T>;
    return record.inputHash === inputHash ? record : null;
  }

  async save<T>(stage: string, inputHash: string, durationMs: number, result: T): Promise<StageRecord<T>> {
    // A stage that ended because a signal killed its processes is not finished: --resume runs it again.
    assertNotShuttingDown();
    const record: StageRecord<T> = { stage, inputHash, completedAt: new Date().toISOString(), durationMs, result };
    await writeFileAtomic(this.file(stage), JSON.stringify(record, null, 2));
    return record;
  }
}
