import type { Logger, SynthConfig } from '@swe-flow/core';

export type StageName = 'prepare' | 'trace' | 'schedule' | 'emit' | 'image' | 'verify' | 'statements' | 'write';

/** What every stage may use besides its config: where the run reads and writes, and how it reports. */
export interface StageEnv {
  /** The repository as the user gave it (a path or a git URL). */
  input: string;
  /** The output folder (absolute). */
  out: string;
  /** The prepared copy of the repository (`<out>/.work/repo`). */
  workDir: string;
  resume: boolean;
  logger: Logger;
  progress(stage: string, done: number, total?: number, message?: string): void;
}

/**
 * One stage of `synthesize`: the config fields it reads, what else its result depends on, and what it
 * makes. Its cache key is derived from `reads` (the stage is handed only the fields it declares, so a
 * field it reads cannot be missing from the key) and `keyOf(input)`; `tunes` are fields that change how
 * fast it runs and not what it makes, and stay out of the key.
 */
export interface Stage<K extends keyof SynthConfig, I, R, A = R> {
  name: StageName;
  reads: readonly K[];
  tunes?: readonly K[];
  /** Inputs besides config that change the result (e.g. the detected runner); JSON-hashable. */
  keyOf?(input: I): unknown;
  /**
   * Recorded under `<out>/.swe-flow/stages/` and skipped on a resumed run with the same key (default);
   * false for stages that keep their own records (verify keeps one per candidate) or are cheap.
   */
  cached?: boolean;
  run(config: Pick<SynthConfig, K>, env: StageEnv, input: I, key: string): Promise<StageOutput<R, A>>;
  /** A skipped stage's artifact, read back from what its recorded run wrote. */
  load?(env: StageEnv, input: I, record: R): Promise<A>;
}

export interface StageOutput<R, A> {
  /** What is recorded (small, JSON). */
  record: R;
  /** What the next stages use, handed on parsed. */
  artifact: A;
  /** Uncached stages: nothing was left to do (resumed). */
  skipped?: boolean;
}

/** The config fields a stage declares, and only those. */
export function configFor<K extends keyof SynthConfig>(config: SynthConfig, fields: readonly K[]): Pick<SynthConfig, K> {
  return Object.fromEntries(fields.map((k) => [k, config[k]])) as Pick<SynthConfig, K>;
}
