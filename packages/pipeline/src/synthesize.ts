import os from 'node:os';
import path from 'node:path';
import {
  ErrorCodes,
  SweFlowError,
  parseSynthConfig,
  silentLogger,
  type DatasetRow,
  type Logger,
  type RejectRow,
  type SynthConfig,
  type SynthConfigInput,
} from '@swe-flow/core';
import { registerCleanup } from '@swe-flow/runtime';
import { prepareOutDir, removeViteTemp } from './out-dir.js';
import { inUserRepository } from './source-paths.js';
import { probeWritable } from './writable-probe.js';
import { emitStage, taskRepoDirOf } from './stages/emit.js';
import { handleDependencyCopies } from './dependency-copies.js';
import { imageStage } from './stages/image.js';
import { nodeEnv, provisionNode } from '@swe-flow/workspace';
import { adapterFor, prepareStage } from './stages/prepare.js';
import { StageRunner } from './stages/runner.js';
import { scheduleStage } from './stages/schedule.js';
import type { StageEnv } from './stages/stage.js';
import { statementsStage } from './stages/statements.js';
import { traceStage } from './stages/trace.js';
import { verifyStage } from './stages/verify.js';
import { writeOutputs } from './stages/write.js';
import type { Summary } from './summary.js';
import { writeProfile } from './profile.js';

export { SWEFLOW_VERSION, instanceRepoName, type RepoJson } from './stages/prepare.js';

export interface SynthOptions {
  /** Output directory (created; must be empty unless `resume` or `force`). */
  out: string;
  resume?: boolean;
  force?: boolean;
  config?: SynthConfigInput;
  logger?: Logger;
  /** Stop after this stage (the stage commands `trace`, `emit`, `verify` use it). */
  stopAfter?: 'trace' | 'schedule' | 'emit' | 'verify';
}

export interface SynthResult {
  out: string;
  /** The last stage that ran. */
  completed: 'trace' | 'schedule' | 'emit' | 'verify' | 'all';
  summary?: Summary;
  rows: DatasetRow[];
  rejects: RejectRow[];
}

function validate(config: SynthConfigInput | undefined): SynthConfig {
  const parsed = parseSynthConfig(config ?? {});
  if (!parsed.ok) {
    throw new SweFlowError(ErrorCodes.CONFIG_INVALID, `invalid options:\n  ${parsed.problems.join('\n  ')}`);
  }
  return parsed.config;
}

/**
 * The product's main job: from a repository (local path or git URL) to a verified dataset.
 * Stages (`src/stages/`): prepare → trace → schedule → emit → image (docker runtime, or unless
 * skipImage) → verify → statements → write. Each stage's result is recorded under `<out>/.swe-flow/`;
 * a resumed run skips stages whose key (their declared config and inputs) did not change, and
 * verification keeps each settled task on disk as soon as it is settled.
 */
export async function synthesize(input: string, options: SynthOptions): Promise<SynthResult> {
  validate(options.config);
  await probeWritable(os.tmpdir(), 'the temp folder');
  const lock = await prepareOutDir(options.out, { ...options, source: input });
  const unguard = registerCleanup(() => removeViteTemp(options.out));
  try {
    return await synthesizeIn(input, options);
  } finally {
    unguard();
    await lock.release();
  }
}

/** The run itself, in an output folder already checked, marked and locked. */
async function synthesizeIn(input: string, options: SynthOptions): Promise<SynthResult> {
  const config = validate(options.config);
  const logger = options.logger ?? silentLogger;
  const out = path.resolve(options.out);
  const started = Date.now();
  const env: StageEnv = {
    input, out, workDir: path.join(out, '.work', 'repo'), resume: !!options.resume, logger,
    progress: (stage, done, total, message) =>
      logger.progress?.({ stage, done, ...(total !== undefined ? { total } : {}), ...(message ? { message } : {}) }),
  };
  const stages = new StageRunner(config, env, options.stopAfter);

  const prepared = await stages.run(prepareStage, { source: input }).catch((error: unknown) => { throw inUserRepository(error, env.workDir, input); });
  const repo = prepared.artifact;
  env.progress('prepare', 1, 1);
  const adapter = adapterFor(repo.runner, repo.package, repo.runnerBin, repo.testEnv, repo.specFiles, repo.runnerArgs);
  // The repository's Node (from the shared cache) first on PATH for every command run in it.
  const runEnv = nodeEnv(await provisionNode(repo.nodeVersion, { logger }));
  if (repo.package) logger.info(`workspace package ${repo.package}: tests run in its folder, ids stay relative to the repository root`);

  const traced = await stages.run(traceStage, { repo, adapter, env: runEnv }, prepared.key);
  const trace = traced.artifact;
  if (stages.stopsAfter('trace')) return { out, completed: 'trace', rows: [], rejects: [] };

  const scheduled = await stages.run(scheduleStage, { trace }, traced.key);
  const schedule = scheduled.artifact;
  if (stages.stopsAfter('schedule')) return { out, completed: 'schedule', rows: [], rejects: [] };

  const emittedRun = await stages.run(emitStage, { repo, trace, schedule }, scheduled.key);
  const emitted = emittedRun.artifact;
  if (stages.stopsAfter('emit')) return { out, completed: 'emit', rows: [], rejects: emitted.rejects };

  // Copies of a candidate's solution bundled in other installed packages: stubbed before the image is
  // built and verification runs (when the suite passes without them), so the tasks ship without them.
  if (emitted.candidates.length > 0) {
    await stages.timed('dependency-copies', () => handleDependencyCopies({
      out, workDir: env.workDir, taskRepoDir: taskRepoDirOf(out), candidates: emitted.candidates, policy: config.dependencyCopies,
      minTokens: config.auditMinTokens, adapter, env: runEnv, timeoutMs: config.testTimeoutMs, logger,
      passingTests: trace.tests.filter((t) => t.status === 'passed').map((t) => t.id),
    }));
  }

  const image = config.runtime === 'docker' || !config.skipImage ? (await stages.run(imageStage, { repo }, emittedRun.key)).artifact : undefined;

  const verified = (await stages.run(verifyStage, { repo, adapter, trace, schedule, emitted, env: runEnv, ...(image ? { image } : {}) })).artifact;
  if (stages.stopsAfter('verify')) return { out, completed: 'verify', rows: [], rejects: verified.rejects };

  const statements = (await stages.run(statementsStage, { repo, verified: verified.verified })).artifact;
  const written = { repo, adapter, trace, schedule, emitted, verified, statements, ...(image ? { image } : {}) };
  const { rows, rejects, summary } = await writeOutputs(out, written, config, stages.timings, started, logger);
  if (config.profile) logger.info(`profile: ${await writeProfile(out, summary)}`);
  logger.info(`done: ${rows.length} verified tasks, ${rejects.length} rejected, in ${((Date.now() - started) / 1000).toFixed(1)} s → ${out}`);
  return { out, completed: 'all', summary, rows, rejects };
}
