/**
 * `--profile`: where a run's time went, as `profile.json` in the output folder. Per stage and per
 * verification batch: wall time, CPU time of swe-flow and every process it ran (children included), and
 * the idle share, i.e. the part of the machine's capacity (wall × cores) the run left unused, so a user
 * can tell a CPU-bound stage from one that waits (a test that waits for a callback, a slow disk).
 */
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from '@swe-flow/runtime';
import type { BatchTiming, TreeTiming } from '@swe-flow/emitter';
import type { StageTiming, Summary } from './summary.js';

export interface Profile {
  schemaVersion: 1;
  machine: { cores: number; loadAverage: number[] };
  totalMs: number;
  stages: StageTiming[];
  batches: BatchTiming[];
  slowestTrees: TreeTiming[];
  /** Batches that ran longer than 30 s with the run using less than half the machine: waiting, not working. */
  waitingBatches: number;
}

function profileOf(summary: Summary): Profile {
  const batches = summary.verification.batchTimes ?? [];
  return {
    schemaVersion: 1,
    machine: { cores: os.availableParallelism(), loadAverage: os.loadavg().map((n) => Math.round(n * 100) / 100) },
    totalMs: summary.totalMs,
    stages: summary.stages,
    batches,
    slowestTrees: summary.verification.slowestTrees ?? [],
    waitingBatches: batches.filter((b) => b.wallMs > 30_000 && b.idleShare > 0.5).length,
  };
}

export async function writeProfile(out: string, summary: Summary): Promise<string> {
  const file = path.join(out, 'profile.json');
  await writeFileAtomic(file, `${JSON.stringify(profileOf(summary), null, 2)}\n`);
  return file;
}
