import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSynthConfig, silentLogger, SynthConfigSchema, type SynthConfig } from '@swe-flow/core';
import { emitStage } from './emit.js';
import { imageStage } from './image.js';
import { prepareStage } from './prepare.js';
import { StageRunner } from './runner.js';
import { scheduleStage } from './schedule.js';
import type { Stage, StageEnv } from './stage.js';
import { statementsStage } from './statements.js';
import { traceStage } from './trace.js';
import { verifyStage } from './verify.js';

const parsed = parseSynthConfig({});
if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
const defaults: SynthConfig = parsed.config;

/** Another value of the same kind, so a key made from the field must change. */
function changed(value: unknown): unknown {
  if (value === undefined) return 7;
  if (typeof value === 'number') return value + 1;
  if (typeof value === 'boolean') return !value;
  if (typeof value === 'string') return `${value}-other`;
  if (Array.isArray(value)) return [...(value as unknown[]), 'other'];
  return { ...(value as object), other: 1 };
}

const dirs: string[] = [];
afterAll(async () => { for (const d of dirs) await rm(d, { recursive: true, force: true }); });
async function runnerWith(config: SynthConfig): Promise<StageRunner> {
  const out = await mkdtemp(path.join(os.tmpdir(), 'swf-stages-'));
  dirs.push(out);
  const env: StageEnv = { input: out, out, workDir: out, resume: false, logger: silentLogger, progress: () => {} };
  return new StageRunner(config, env);
}

type AnyStage = Stage<keyof SynthConfig, never, unknown, unknown>;
const stages = [prepareStage, traceStage, scheduleStage, emitStage, imageStage, verifyStage, statementsStage] as unknown as AnyStage[];
const input = { source: '/repo', repo: { runner: 'vitest' } } as never;

describe('stage cache keys come from the config each stage declares', () => {
  it.each(stages.map((s) => [s.name, s] as const))('%s: every field it reads changes its key; the fields it only tunes do not', async (_name, stage) => {
    const base = (await runnerWith(defaults)).keyOf(stage, input, 'before');
    for (const field of stage.reads) {
      const other = { ...defaults, [field]: changed(defaults[field]) } as SynthConfig;
      expect((await runnerWith(other)).keyOf(stage, input, 'before'), `${stage.name} reads ${field}`).not.toBe(base);
    }
    for (const field of stage.tunes ?? []) {
      const other = { ...defaults, [field]: changed(defaults[field]) } as SynthConfig;
      expect((await runnerWith(other)).keyOf(stage, input, 'before'), `${stage.name} tunes ${field}`).toBe(base);
    }
    // The key of the stage it builds on is part of its own.
    expect((await runnerWith(defaults)).keyOf(stage, input, 'after')).not.toBe(base);
  });

  it('verify keys on the test timeout (a resumed run re-verifies `timeout` rejects after it is raised) and the run count', () => {
    expect(verifyStage.reads).toContain('testTimeoutMs');
    expect(verifyStage.reads).toContain('reruns');
    expect(prepareStage.reads).toContain('runner');
  });

  it('each config field a stage uses is declared once, as read or tuned', () => {
    for (const stage of stages) {
      const all = [...stage.reads, ...(stage.tunes ?? [])];
      expect(new Set(all).size, stage.name).toBe(all.length);
      // Every declared field is an option of the config schema (with a default or optional).
      for (const f of all) expect(Object.keys(SynthConfigSchema.shape)).toContain(f);
    }
  });
});

describe('every stage says when it starts', () => {
  it('an uncached stage (verify) and a timed step report progress before they run, so a run stopped in them is reported there', async () => {
    const out = await mkdtemp(path.join(os.tmpdir(), 'swf-stages-'));
    dirs.push(out);
    const seen: string[] = [];
    const env: StageEnv = { input: out, out, workDir: out, resume: false, logger: silentLogger, progress: (stage, done) => { seen.push(`${stage} ${done}`); } };
    const runner = new StageRunner(defaults, env);
    await runner.timed('dependency-copies', async () => { seen.push('copies ran'); });
    const uncached: Stage<never, null, null> = { name: 'verify', reads: [], cached: false, run: async () => { seen.push('verify ran'); return { record: null, artifact: null }; } };
    await runner.run(uncached, null);
    expect(seen).toEqual(['dependency-copies 0', 'copies ran', 'verify 0', 'verify ran']);
  });
});
