/**
 * `evaluate()`: grades SWE-bench-format predictions on a swe-flow dataset, each in a fresh workspace
 * of the chosen runtime, with a worker pool, and writes per-instance and per-run reports. Results are
 * keyed by the patch (and the task): a rerun with the same run id grades only what changed, and
 * infrastructure errors are always retried.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCodes, SweFlowError, mapPool, silentLogger, type DatasetRow, type Logger, type RunnerName, type Runtime } from '@swe-flow/core';
import { assertNotShuttingDown, createDockerRuntime, createLocalRuntime, buildEnvironmentImage, getDocker, inspectImage, pathExists, writeFileAtomic } from '@swe-flow/runtime';
import { getAdapter, withRunEnv } from '@swe-flow/tracer';
import { TaskRepo } from '@swe-flow/emitter';
import { nodeEnv, provisionNode } from '@swe-flow/workspace';
import { gradePrediction, type Grade, type GradeResult } from './grade.js';
import { loadDataset, loadPredictions, type LoadedDataset, type Prediction } from './inputs.js';
import { renderSummary, summarize, type RunReport } from './report.js';
import { chooseRuntime, isTrustedPredictions } from './trust.js';

export const EVAL_REPORT_SCHEMA_VERSION = 1;

/** Label on every container an evaluation opens, valued with the run id. */
export const EVAL_RUN_LABEL = 'swe-flow.eval-run';

export interface EvaluateOptions {
  /** A synth output directory or its `dataset.jsonl`. */
  dataset: string;
  /** `gold`, `empty`, a JSONL / JSON-array file of `{instance_id, model_name_or_path, model_patch}`, or the records. */
  predictions: string | readonly Prediction[];
  /**
   * Default: `docker` for predictions from a file or records when an engine answers (an error when
   * none does), `local` for `gold` and `empty`. `local` with model predictions logs a warning.
   */
  runtime?: 'local' | 'docker';
  workers?: number;
  /** Default: the predictions' model name. Reports go to `<out>/<runId>/`. */
  runId?: string;
  /** Only these instance ids. */
  instances?: readonly string[];
  /** Default `<dataset dir>/evaluation`. */
  out?: string;
  /** Limit for one test run; default 5 minutes. */
  timeoutMs?: number;
  /** Docker image to use instead of the rows' `image` (docker runtime). */
  image?: string;
  /** Extra repo-relative paths a patch must not change. */
  protectedPaths?: readonly string[];
  logger?: Logger;
  onInstance?: (report: InstanceReport, done: number, total: number) => void;
}

export interface InstanceReport extends Omit<GradeResult, 'logs'> {
  schemaVersion: typeof EVAL_REPORT_SCHEMA_VERSION;
  instance_id: string;
  model_name_or_path: string;
  repo: string;
  difficulty: DatasetRow['difficulty'];
  mode: DatasetRow['mode'];
  step: number;
  runner: string;
  runtime: 'local' | 'docker';
  image?: string;
  patch_sha256: string;
  /** Hash of the patch and of everything about the task that decides the grade. */
  cache_key: string;
  durationMs: number;
  evaluatedAt: string;
  /** Set in the run report when this report was read from a previous run, not evaluated now. */
  cached?: boolean;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

const safeName = (s: string) => s.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 100) || 'run';

const tail = (s: string, max = 64 * 1024) => (s.length > max ? `[... ${s.length - max} characters dropped]\n${s.slice(-max)}` : s);


/** The task repo of a dataset dir: `task-repo.git`, else the bundle cloned once under the run dir. */
async function taskRepoOf(ds: LoadedDataset, runDir: string): Promise<string> {
  const bare = path.join(ds.dir, 'task-repo.git');
  if (await pathExists(bare)) return bare;
  const bundle = path.join(ds.dir, 'task-repo.bundle');
  if (await pathExists(bundle)) {
    const target = path.join(runDir, '.task-repo.git');
    if (!(await pathExists(target))) await TaskRepo.cloneBundle(bundle, target);
    return target;
  }
  throw new SweFlowError(ErrorCodes.PATH_MISSING, `${ds.dir} has neither task-repo.git nor task-repo.bundle; pass the synth output directory`);
}

/** The image for the rows (docker runtime): the given one, the rows' own when present, else built from the dataset dir. */
async function ensureImage(ds: LoadedDataset, rows: readonly DatasetRow[], taskRepo: string, override: string | undefined, logger: Logger): Promise<string> {
  if (override) return override;
  const docker = getDocker();
  const named = [...new Set(rows.map((r) => r.image).filter(Boolean))];
  if (named.length > 1) throw new SweFlowError(ErrorCodes.INPUT_INVALID, `the selected rows use ${named.length} images; evaluate one repository's dataset at a time or pass --image`);
  if (named[0] && (await inspectImage(docker, named[0]))) return named[0];
  if (!ds.repo?.workDir) {
    throw new SweFlowError(ErrorCodes.DOCKER_UNAVAILABLE, `image ${named[0] ?? '(none)'} is missing and ${ds.dir}/repo.json has no workDir to build it from; run swe-flow docker build --dir ${ds.dir}`);
  }
  logger.info(`building the environment image for ${ds.repo.name ?? ds.dir}`);
  const image = await buildEnvironmentImage({
    repoDir: ds.repo.workDir, taskRepo, outDir: ds.dir, base: 'offline', logger,
    ...(ds.repo.name ? { repoName: ds.repo.name } : {}),
    ...(ds.repo.nodeVersion ? { nodeVersion: ds.repo.nodeVersion, nodeVersionSource: 'repo.json' as const } : {}),
    ...(ds.repo.install ? { install: ds.repo.install } : {}),
  });
  return image.tag;
}

/** Predictions for instances the dataset lacks are counted and named; none matching is an error. */
function checkMatches(predictions: readonly Prediction[], jobs: readonly Prediction[], unknown: readonly string[], dir: string, logger: Logger): void {
  if (unknown.length) {
    const shown = unknown.slice(0, 5).join(', ');
    logger.warn(`${unknown.length} of ${predictions.length} predictions name instances ${dir} does not have (${shown}${unknown.length > 5 ? ', …' : ''}); they are not graded`, { unknownPredictions: unknown.length });
  }
  if (jobs.length > 0) return;
  const why = predictions.length === 0
    ? 'the predictions hold no record (or the dataset has no row)'
    : unknown.length === predictions.length
      ? `none of the ${predictions.length} predictions names an instance of this dataset (e.g. ${unknown[0]})`
      : 'no prediction names one of the selected --instances';
  throw new SweFlowError(ErrorCodes.NO_MATCHING_PREDICTIONS, `nothing to grade: ${why}; check that the predictions were made for ${dir}/dataset.jsonl (instance_id must match a row)`, {
    details: { predictions: predictions.length, unknownPredictions: unknown.length },
  });
}

/**
 * `mkdir -p` one level at a time: Node's recursive mkdir never returns under a pseudo file system
 * such as /proc, where a missing parent cannot be created.
 */
async function mkdirStepwise(dir: string): Promise<void> {
  const missing: string[] = [];
  let at = dir;
  while (!(await pathExists(at))) {
    missing.unshift(at);
    const parent = path.dirname(at);
    if (parent === at) break;
    at = parent;
  }
  for (const d of missing) await mkdir(d).catch((error: NodeJS.ErrnoException) => { if (error.code !== 'EEXIST') throw error; });
}

/** The report folder; a place that cannot hold it is the user's to fix. */
async function makeRunDir(runDir: string, chosen: boolean): Promise<void> {
  try {
    await mkdirStepwise(runDir);
    const probe = path.join(runDir, `.write-probe-${process.pid}`);
    await writeFileAtomic(probe, 'ok');
    await rm(probe, { force: true });
  } catch (cause) {
    const reason = (cause as NodeJS.ErrnoException).code ?? (cause as Error).message;
    throw new SweFlowError(ErrorCodes.OUT_DIR_UNWRITABLE, `cannot write the evaluation reports to ${runDir} (${reason}); ${chosen ? 'give --out a folder you can write' : 'the dataset folder is read-only: give --out a folder you can write'}`, { cause });
  }
}

async function allImagesExist(names: ReadonlyArray<string | undefined>): Promise<boolean> {
  const docker = getDocker();
  for (const name of new Set(names)) if (!name || !(await inspectImage(docker, name))) return false;
  return true;
}

/** Which predictions are graded, and which selected rows have none. */
interface JobSelection {
  rowsById: Map<string, DatasetRow>;
  jobs: Prediction[];
  unknown: string[];
  withoutPrediction: string[];
}

function selectJobs(ds: LoadedDataset, predictions: readonly Prediction[], instances: readonly string[] | undefined, logger: Logger): JobSelection {
  const rowsById = new Map(ds.rows.map((r) => [r.instance_id, r]));
  const wanted = instances ? new Set(instances) : undefined;
  const unknown = predictions.filter((p) => !rowsById.has(p.instance_id)).map((p) => p.instance_id);
  if (wanted) {
    const notInDataset = [...wanted].filter((id) => !rowsById.has(id));
    if (notInDataset.length) throw new SweFlowError(ErrorCodes.INPUT_INVALID, `instances not in the dataset: ${notInDataset.join(', ')}`);
  }
  const jobs = predictions.filter((p) => rowsById.has(p.instance_id) && (!wanted || wanted.has(p.instance_id)));
  const seen = new Set<string>();
  for (const p of jobs) {
    if (seen.has(p.instance_id)) throw new SweFlowError(ErrorCodes.INPUT_INVALID, `two predictions for ${p.instance_id}; keep one per instance`);
    seen.add(p.instance_id);
  }
  checkMatches(predictions, jobs, unknown, ds.dir, logger);
  const predicted = new Set(jobs.map((p) => p.instance_id));
  const withoutPrediction = ds.rows.filter((r) => (!wanted || wanted.has(r.instance_id)) && !predicted.has(r.instance_id)).map((r) => r.instance_id);
  return { rowsById, jobs, unknown, withoutPrediction };
}

/** Where the instances are graded: the runtime, and the image or installed dependencies it uses. */
interface GradingEnvironment {
  runtimeName: 'local' | 'docker';
  runtime: Runtime;
  image?: string;
  dependenciesDir?: string;
  /** Rows whose instance images all exist are graded each in its own (the environment an agent got). */
  instanceImages: boolean;
}

async function openEnvironment(ds: LoadedDataset, runtimeName: 'local' | 'docker', jobRows: readonly DatasetRow[], taskRepo: string, runId: string, options: EvaluateOptions, logger: Logger): Promise<GradingEnvironment> {
  if (runtimeName === 'docker') {
    const instanceImages = !options.image && jobRows.length > 0 && (await allImagesExist(jobRows.map((r) => r.image_name)));
    const image = jobRows.length && !instanceImages ? await ensureImage(ds, jobRows, taskRepo, options.image, logger) : undefined;
    const runtime = createDockerRuntime({ ...(image ? { image } : {}), labels: { [EVAL_RUN_LABEL]: runId } });
    return { runtimeName, runtime, instanceImages, ...(image ? { image } : {}) };
  }
  // The installed copy whose node_modules local workspaces link (a repo without dependencies has none).
  const dependenciesDir = ds.repo?.workDir && (await pathExists(ds.repo.workDir)) ? ds.repo.workDir : undefined;
  // The Node the repository was installed and verified with (repo.json), from the shared cache.
  const node = ds.repo?.nodeVersion ? await provisionNode(ds.repo.nodeVersion, { logger }) : undefined;
  return { runtimeName, runtime: createLocalRuntime({ env: nodeEnv(node) }), instanceImages: false, ...(dependenciesDir ? { dependenciesDir } : {}) };
}

const infrastructureError = (error: unknown): GradeResult => ({
  grade: 'error', reason: `infrastructure: ${(error as Error).message}`, exitCode: null, testDurationMs: 0,
  FAIL_TO_PASS: { passed: [], failed: [], missing: [] }, PASS_TO_PASS: { passed: [], failed: [], missing: [] },
  logs: { apply: '', stdout: '', stderr: '' },
});

/** Grades one prediction at a time into `<runDir>/<instance>/`, reusing a stored grade of the same patch and task. */
class InstanceGrader {
  /** Instances graded now (not read from a previous run). */
  evaluated = 0;

  constructor(
    private readonly ds: LoadedDataset,
    private readonly env: GradingEnvironment,
    private readonly run: { runDir: string; taskRepo: string; timeoutMs: number },
    private readonly options: EvaluateOptions,
    private readonly logger: Logger,
  ) {}

  async grade(row: DatasetRow, prediction: Prediction): Promise<InstanceReport> {
    const dir = path.join(this.run.runDir, safeName(row.instance_id));
    const patchSha = sha256(prediction.model_patch);
    const rowImage = this.env.instanceImages ? row.image_name : this.env.image;
    const cacheKey = sha256(JSON.stringify([patchSha, row.base_commit, row.FAIL_TO_PASS, row.PASS_TO_PASS, row.test_files, row.runner, this.env.runtimeName, rowImage ?? '', this.run.timeoutMs, this.options.protectedPaths ?? []]));
    const reportFile = path.join(dir, 'report.json');
    const previous = await readFile(reportFile, 'utf8').then((t) => JSON.parse(t) as InstanceReport).catch(() => undefined);
    if (previous && previous.cache_key === cacheKey && previous.grade !== 'error') {
      this.logger.debug(`${row.instance_id}: ${previous.grade} (stored, patch unchanged)`);
      return { ...previous, cached: true };
    }
    this.evaluated++;
    const t0 = Date.now();
    const { logs, ...graded } = await this.runGrade(row, prediction, rowImage).catch(infrastructureError);
    const report: InstanceReport = {
      schemaVersion: EVAL_REPORT_SCHEMA_VERSION,
      instance_id: row.instance_id,
      model_name_or_path: prediction.model_name_or_path,
      repo: row.repo,
      difficulty: row.difficulty,
      mode: row.mode,
      step: row.step,
      runner: row.runner,
      runtime: this.env.runtimeName,
      ...(rowImage ? { image: rowImage } : {}),
      patch_sha256: patchSha,
      cache_key: cacheKey,
      ...graded,
      durationMs: Date.now() - t0,
      evaluatedAt: new Date().toISOString(),
    };
    // A grade from runs a signal killed is not stored (a rerun would reuse it): grade it again then.
    assertNotShuttingDown();
    await this.store(dir, reportFile, prediction, logs, report);
    this.logger.info(`${row.instance_id}: ${report.grade}${report.reason ? ` (${report.reason})` : ''}`);
    return report;
  }

  private runGrade(row: DatasetRow, prediction: Prediction, rowImage: string | undefined): Promise<GradeResult> {
    const { ds, env, options } = this;
    // The test script's environment (repo.json `testEnv`), as verification ran the tests.
    const adapter = withRunEnv(getAdapter((row.runner || ds.repo?.runner) as RunnerName), ds.repo?.testEnv ?? {});
    return gradePrediction(row, prediction.model_patch, {
      runtime: env.runtime, adapter, taskRepo: this.run.taskRepo, timeoutMs: this.run.timeoutMs,
      ...(env.dependenciesDir ? { dependenciesDir: env.dependenciesDir } : {}),
      ...(rowImage ? { image: rowImage } : {}),
      ...(ds.repo?.builtOutput?.length && ds.repo.build ? { build: ds.repo.build } : {}),
      rules: { testFiles: new Set([...ds.traceTestFiles, ...row.test_files]), ...(options.protectedPaths ? { protectedPaths: options.protectedPaths } : {}) },
    });
  }

  private async store(dir: string, reportFile: string, prediction: Prediction, logs: GradeResult['logs'], report: InstanceReport): Promise<void> {
    await mkdir(dir, { recursive: true });
    await writeFileAtomic(path.join(dir, 'patch.diff'), prediction.model_patch);
    await writeFileAtomic(path.join(dir, 'apply.log'), logs.apply);
    await writeFileAtomic(path.join(dir, 'test-stdout.log'), tail(logs.stdout));
    await writeFileAtomic(path.join(dir, 'test-stderr.log'), tail(logs.stderr));
    await writeFileAtomic(reportFile, `${JSON.stringify(report, null, 2)}\n`);
  }
}

export async function evaluate(options: EvaluateOptions): Promise<RunReport> {
  const logger = options.logger ?? silentLogger;
  const started = Date.now();
  const ds = await loadDataset(options.dataset);
  const predictions = await loadPredictions(options.predictions, ds.rows);
  const { rowsById, jobs, unknown, withoutPrediction } = selectJobs(ds, predictions, options.instances, logger);

  const runtimeName = await chooseRuntime(options.runtime, isTrustedPredictions(options.predictions), logger);
  const runId = safeName(options.runId ?? jobs[0]?.model_name_or_path ?? 'run');
  const outRoot = path.resolve(options.out ?? path.join(ds.dir, 'evaluation'));
  const runDir = path.join(outRoot, runId);
  await makeRunDir(runDir, options.out !== undefined);
  const taskRepo = await taskRepoOf(ds, runDir);
  const timeoutMs = options.timeoutMs ?? 5 * 60_000;
  const env = await openEnvironment(ds, runtimeName, jobs.map((p) => rowsById.get(p.instance_id)!), taskRepo, runId, options, logger);

  const grader = new InstanceGrader(ds, env, { runDir, taskRepo, timeoutMs }, options, logger);
  const total = jobs.length;
  let done = 0;
  const reports = await mapPool(jobs, Math.max(1, options.workers ?? 1), async (prediction): Promise<InstanceReport> => {
    const report = await grader.grade(rowsById.get(prediction.instance_id)!, prediction);
    done++;
    options.onInstance?.(report, done, total);
    logger.progress?.({ stage: 'eval', done, total });
    return report;
  });

  const run = summarize(reports, {
    runId, dataset: ds.dir, runtime: runtimeName, workers: Math.max(1, options.workers ?? 1),
    predictions: typeof options.predictions === 'string' ? options.predictions : '(records)',
    evaluated: grader.evaluated, withoutPrediction, unknownPredictions: unknown,
    startedAt: new Date(started).toISOString(), durationMs: Date.now() - started,
    ...(env.image ? { image: env.image } : {}),
  });
  await writeFileAtomic(path.join(runDir, 'report.json'), `${JSON.stringify(run, null, 2)}\n`);
  await writeFileAtomic(path.join(runDir, 'summary.md'), renderSummary(run));
  return { ...run, reportDir: runDir };
}

export type { Grade };
