import type { SynthConfig } from '@swe-flow/core';
import { startCpuSpan } from '@swe-flow/runtime';
import { hashOf, StageStore } from '../stages.js';
import type { StageTiming } from '../summary.js';
import { configFor, type Stage, type StageEnv, type StageName } from './stage.js';

export type StopAfter = 'trace' | 'schedule' | 'emit' | 'verify';

/** Runs stages for `synthesize`: their cache keys, skipping on resume, timing, progress and stop-after. */
export class StageRunner {
  readonly timings: StageTiming[] = [];
  private readonly store: StageStore;

  constructor(private readonly config: SynthConfig, private readonly env: StageEnv, private readonly stopAfter?: StopAfter) {
    this.store = new StageStore(env.out, env.resume);
  }

  /** A stage's cache key: the key of what it builds on, its declared config fields and its own inputs. */
  keyOf<K extends keyof SynthConfig, I>(stage: Stage<K, I, unknown, unknown>, input: I, after: string): string {
    return hashOf(after, stage.name, configFor(this.config, stage.reads), stage.keyOf?.(input) ?? null);
  }

  /** Whether the run ends after `stage` (the stage commands `trace`, `emit`, `verify`). */
  stopsAfter(stage: StageName): boolean {
    return this.stopAfter === stage;
  }

  /**
   * A step between stages that keeps its own records (the dependency-copies step): its wall and CPU time
   * among the stages' timings, so that `summary.json` and `--profile` account for it.
   */
  async timed<T>(name: string, step: () => Promise<T>): Promise<T> {
    const span = startCpuSpan();
    this.started(name);
    try {
      return await step();
    } finally {
      const { wallMs, cpuMs, idleShare } = span();
      this.timings.push({ stage: name, ms: wallMs, skipped: false, cpuMs, idleShare });
    }
  }

  /**
   * Every stage and timed step says when it starts, uncached ones too: a run stopped from outside (a time
   * limit, a signal) is then reported in the stage it was in, not in the last cached stage before it.
   */
  private started(name: string): void {
    this.env.progress(name, 0);
    this.env.logger.info(`${name}: started`);
  }

  /** Runs `stage` (or, resumed with the same key, loads what its recorded run made). */
  async run<K extends keyof SynthConfig, I, R, A>(stage: Stage<K, I, R, A>, input: I, after = ''): Promise<{ key: string; artifact: A }> {
    const key = this.keyOf(stage, input, after);
    const { logger } = this.env;
    const cached = stage.cached === false ? null : await this.store.load<R>(stage.name, key);
    if (cached) {
      logger.info(`${stage.name}: unchanged since the last run, skipped`);
      this.timings.push({ stage: stage.name, ms: 0, skipped: true });
      const artifact = stage.load ? await stage.load(this.env, input, cached.result) : (cached.result as unknown as A);
      return { key, artifact };
    }
    const t0 = Date.now();
    const span = startCpuSpan();
    this.started(stage.name);
    const output = await stage.run(configFor(this.config, [...stage.reads, ...(stage.tunes ?? [])]), this.env, input, key);
    const ms = Date.now() - t0;
    if (stage.cached !== false) {
      await this.store.save(stage.name, key, ms, output.record);
      logger.info(`${stage.name}: done in ${(ms / 1000).toFixed(1)} s`);
    }
    const { cpuMs, idleShare } = span();
    this.timings.push({ stage: stage.name, ms, skipped: output.skipped ?? false, cpuMs, idleShare });
    return { key, artifact: output.artifact };
  }
}
