import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  ErrorCodes,
  SweFlowError,
  parseFunctionId,
  parseSynthConfig,
  silentLogger,
  type DatasetRow,
  type CommandSpec,
  type FunctionInfo,
  type Logger,
  type RejectRow,
  type RunnerName,
  type Runtime,
  type ScheduleJson,
  type SynthConfig,
  type SynthConfigInput,
  type TraceJson,
} from '@swe-flow/core';
import { collectRepoFacts, createVitestAdapter, findVitestBin, getAdapter, traceWithInfo, type RunnerAdapter } from '@swe-flow/tracer';
import {
  chooseWorkspacePackage,
  listWorkspacePackages,
  detectProject,
  installDependencies,
  listRepoFiles,
  materializeSource,
  nodeEnv,
  provisionNode,
  readPackageJson,
  setUpRepositoryNode,
  type NodeChoice,
  type InstallRecord,
  type ProjectFacts,
  type SourceInfo,
} from '@swe-flow/workspace';
import {
  buildImportGraph,
  buildRow,
  commandLine,
  emitCandidates,
  TaskRepo,
  verifyCandidates,
  testFunctionsFromTrace,
  changedFunctionsOf,
  writeDataset,
  writeFileAtomic,
  findSolutionCarriers,
  type Candidate,
  type VerifiedTask,
  type VerifyStats,
} from '@swe-flow/emitter';
import { assertNotShuttingDown, registerCleanup, createDockerRuntime, createLocalRuntime, buildEnvironmentImage, type EnvironmentImage } from '@swe-flow/runtime';
import { functionFace, writeDocstrings, writeStatements, type StatementStats } from '@swe-flow/statements';
import { locateFunctions, STUB_ERROR_PREFIX } from '@swe-flow/skeleton';
import { prepareOutDir, removeViteTemp } from './out-dir.js';
import { probeWritable } from './writable-probe.js';
import { inUserRepository } from './source-paths.js';
import { scheduleFromTrace } from './schedule-stage.js';
import { StageStore, hashOf } from './stages.js';
import { statementInputFor } from './statement-inputs.js';
import { writeSummary, type StageTiming, type Summary } from './summary.js';
import { buildTaskEnvironments } from './environments.js';

export const SWEFLOW_VERSION = '0.1.0';

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

/** `repo.json`: where the repository came from and how it was set up. */
export interface RepoJson {
  schemaVersion: 1;
  source: SourceInfo;
  name: string;
  packageManager: string;
  lockfile: string | null;
  workspaces: string[];
  /** The Node the repository was installed with and is traced, verified and evaluated with (local runtime). */
  nodeVersion: string;
  projectNodeVersion: string | null;
  /** How `nodeVersion` was chosen: source, reason, and every constraint read. */
  node?: NodeChoice;
  runner: RunnerName;
  /**
   * In a monorepo, the workspace package synthesized from (repo-relative folder): its tests run in that
   * folder, while the task repository, function ids and test ids keep the whole repository as root.
   */
  package?: string;
  /** The runner's entry (repo-relative) when it is not the root's, as found for `package`. */
  runnerBin?: string;
  install: InstallRecord;
  testCommand: string;
  /** The installed copy, relative to the output folder (`.work/repo`). */
  workDir: string;
  files: string[];
  /** When the repository was prepared: the dataset's `created_at`, stable across resumed runs. */
  preparedAt: string;
}

/** The adapter for a prepared repository: in a monorepo package, one that runs in the package's folder. */
function adapterFor(runner: RunnerName, pkg: string | undefined, runnerBin: string | undefined): RunnerAdapter {
  if (!pkg) return getAdapter(runner);
  if (runner !== 'vitest') {
    throw new SweFlowError(ErrorCodes.CONFIG_INVALID, `--package is supported for vitest repositories only (this one uses ${runner}); synthesize from the root instead`);
  }
  return createVitestAdapter({ packageDir: pkg, ...(runnerBin ? { vitestBin: runnerBin } : {}) });
}

/**
 * The name instance ids are made from: the repository's, plus the package folder in a monorepo, so the
 * datasets of two packages of one repository can be merged without colliding ids (`repo` stays the repository).
 */
export function instanceRepoName(repo: Pick<RepoJson, 'name' | 'package'>): string {
  return repo.package ? `${repo.name}.${repo.package.replace(/[^A-Za-z0-9._-]+/g, '-')}` : repo.name;
}

/** A command line as a user types it from the repository root (`cd <package> && ...` for a package). */
function commandLineFromRoot(spec: CommandSpec): string {
  const line = commandLine(spec);
  return spec.cwd && spec.cwd !== '.' ? `cd ${spec.cwd} && ${line}` : line;
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
 * Stages: prepare → trace → schedule → emit → image (docker runtime) → verify → statements → write.
 * Each stage's result is recorded under `<out>/.swe-flow/`; a resumed run skips stages whose inputs
 * did not change, and verification keeps each settled task on disk as soon as it is settled.
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
  const stages = new StageStore(out, !!options.resume);
  const timings: StageTiming[] = [];
  const progress = (stage: string, done: number, total?: number, message?: string) =>
    logger.progress?.({ stage, done, ...(total !== undefined ? { total } : {}), ...(message ? { message } : {}) });

  async function stage<T>(name: string, inputHash: string, fn: () => Promise<T>): Promise<T> {
    const cached = await stages.load<T>(name, inputHash);
    if (cached) {
      logger.info(`${name}: unchanged since the last run, skipped`);
      timings.push({ stage: name, ms: 0, skipped: true });
      return cached.result;
    }
    const t0 = Date.now();
    progress(name, 0);
    logger.info(`${name}: started`);
    const result = await fn();
    const ms = Date.now() - t0;
    await stages.save(name, inputHash, ms, result);
    timings.push({ stage: name, ms, skipped: false });
    logger.info(`${name}: done in ${(ms / 1000).toFixed(1)} s`);
    return result;
  }

  // 1. Prepare: copy or clone, detect, install.
  const workDir = path.join(out, '.work', 'repo');
  const sourceKey = hashOf(path.resolve(input), config.ref ?? '', config.name ?? '', config.package ?? '', config.allowScripts, config.node ?? '', SWEFLOW_VERSION);
  const repo = await stage<RepoJson>('prepare', sourceKey, async () => {
    await rm(workDir, { recursive: true, force: true });
    const source = await materializeSource(input, workDir, { ref: config.ref, logger });
    const files = await listRepoFiles(workDir);
    const facts: ProjectFacts = await detectProject(workDir);
    // Before installing: a monorepo whose root has no tests fails fast with the packages to choose from.
    const chosen = await chooseWorkspacePackage(workDir, { requested: config.package, workspaces: facts.workspaces, files, rootPackageJson: facts.packageJson });
    const pkg = chosen?.dir;
    const node = await setUpRepositoryNode(workDir, facts, { ...(config.node ? { override: config.node } : {}), logger });
    logger.info(`Node ${node.choice.version}: ${node.choice.reason}`);
    const install = await installDependencies(workDir, facts, { logger, allowScripts: config.allowScripts, timeoutMs: config.installTimeoutMs, node: node.runtime, nodeFor: node.nodeFor });
    const repoFacts = await collectRepoFacts(workDir);
    if (pkg) {
      // Detection sees the package's own dependencies and scripts, over the root's (hoisted) ones.
      const own = await readPackageJson(path.join(workDir, pkg));
      const merge = (k: string) => ({ ...((repoFacts.packageJson[k] as object | undefined) ?? {}), ...((own[k] as object | undefined) ?? {}) });
      repoFacts.packageJson = { ...own, dependencies: merge('dependencies'), devDependencies: merge('devDependencies') };
    }
    const detected = config.runner ? getAdapter(config.runner as RunnerName, undefined) : (await import('@swe-flow/tracer')).detectRunner(repoFacts);
    const runnerBin = pkg && detected.name === 'vitest' ? findVitestBin(workDir, pkg) : undefined;
    const adapter = adapterFor(detected.name, pkg, runnerBin);
    const testCommand = commandLineFromRoot(adapter.plainCommand({ resultFile: '.swe-flow/results.json', selection: { files: [], testIds: [] } }));
    const repoJson: RepoJson = {
      schemaVersion: 1,
      source,
      name: config.name ?? source.name,
      packageManager: facts.packageManager,
      lockfile: facts.lockfile,
      workspaces: facts.workspaces,
      nodeVersion: install.node,
      projectNodeVersion: facts.nodeVersion,
      node: node.choice,
      runner: adapter.name,
      ...(pkg ? { package: pkg } : {}),
      ...(runnerBin ? { runnerBin } : {}),
      install,
      testCommand,
      // Relative to the output folder: a moved dataset still finds its installed copy.
      workDir: path.relative(out, workDir),
      files,
      preparedAt: new Date().toISOString(),
    };
    await writeFileAtomic(path.join(out, 'repo.json'), JSON.stringify(repoJson, null, 2));
    return repoJson;
  }).catch((error: unknown) => { throw inUserRepository(error, workDir, input); });
  progress('prepare', 1, 1);
  const adapter = adapterFor(repo.runner, repo.package, repo.runnerBin);
  // The repository's Node (from the shared cache) first on PATH for every command run in it.
  const runEnv = nodeEnv(await provisionNode(repo.nodeVersion, { logger }));
  if (repo.package) logger.info(`workspace package ${repo.package}: tests run in its folder, ids stay relative to the repository root`);

  // 2. Trace.
  const traceFile = path.join(out, 'trace.json');
  const traceKey = hashOf(sourceKey, repo.runner, config.traceTimeoutMs);
  await stage('trace', traceKey, async () => {
    const info = await traceWithInfo({ root: workDir, runner: repo.runner, adapters: [adapter], outFile: traceFile, timeoutMs: config.traceTimeoutMs, logger, env: runEnv });
    const passed = info.trace.tests.filter((t) => t.status === 'passed').length;
    if (info.trace.tests.length === 0 && info.trace.excluded.length === 0) {
      throw new SweFlowError(ErrorCodes.NO_TESTS, `${repo.runner} found no tests in ${repo.source.input}: check the test files and the runner's configuration`);
    }
    if (passed === 0) {
      throw new SweFlowError(ErrorCodes.ALL_TESTS_FAIL, `every test fails on the original code (${info.trace.excluded.length} excluded): fix the suite or its environment first; see ${traceFile}`);
    }
    return { tests: info.trace.tests.length, passed, excluded: info.trace.excluded.length };
  });
  const trace = JSON.parse(await readFile(traceFile, 'utf8')) as TraceJson;
  if (options.stopAfter === 'trace') return { out, completed: 'trace', rows: [], rejects: [] };

  // 3. Schedule.
  const scheduleOptions = {
    order: config.order,
    frozen: trace.moduleLoadFunctions,
    ...(config.maxFunctionsPerStep ? { maxFunctionsPerStep: config.maxFunctionsPerStep } : {}),
    ...(config.minFunctionsPerStep ? { minFunctionsPerStep: config.minFunctionsPerStep } : {}),
  };
  const scheduleKey = hashOf(traceKey, scheduleOptions, config.maxSteps ?? 0);
  await stage('schedule', scheduleKey, async () => {
    // The trace parsed above (trace.json is not read and parsed a second time).
    const schedule = await scheduleFromTrace(trace, out, scheduleOptions, config.maxSteps);
    return { steps: schedule.steps.length, skipped: schedule.skipped.length };
  });
  const schedule = JSON.parse(await readFile(path.join(out, 'schedule.json'), 'utf8')) as ScheduleJson;
  if (options.stopAfter === 'schedule') return { out, completed: 'schedule', rows: [], rejects: [] };

  // LLM options for statements and docstrings (none: the offline writer).
  const llmOptions = config.statements.writer === 'llm'
    ? {
        llm: {
          ...(config.statements.baseUrl ? { baseUrl: config.statements.baseUrl } : {}),
          ...(config.statements.model ? { model: config.statements.model } : {}),
          ...(config.statements.requestsPerMinute ? { requestsPerMinute: config.statements.requestsPerMinute } : {}),
          ...(config.statements.concurrency ? { concurrency: config.statements.concurrency } : {}),
          cacheDir: path.join(out, '.swe-flow', 'llm-cache'),
        },
      }
    : {};
  /** Doc comments for functions to implement that have none (LLM or offline), keyed by function id. */
  const docstringsFor = async (ids: readonly string[]): Promise<Record<string, string>> => {
    const faces = [];
    for (const [file, fileIds] of groupIdsByFile(ids)) {
      const code = await readFile(path.join(workDir, file), 'utf8');
      const wanted = new Set(fileIds);
      for (const fn of locateFunctions(code, file)) if (wanted.has(fn.id)) faces.push(functionFace(code, fn));
    }
    return writeDocstrings(faces, { ...llmOptions, logger });
  };

  // 4. Emit: the task repository and one candidate per step and mode.
  const taskRepoDir = path.join(out, 'task-repo.git');
  const emitKey = hashOf(scheduleKey, config.modes, config.stubStyle, config.minPatchTokens, config.statements.docstrings, config.statements.writer, config.leaks);
  const emitted = await stage('emit', emitKey, async () => {
    await rm(taskRepoDir, { recursive: true, force: true });
    const docComments = config.statements.docstrings ? await docstringsFor(schedule.steps.flatMap((s) => s.nodesToDevelop)) : undefined;
    // Committed bundles, caches and source maps with sources stay out of the task repository (strip).
    const carriers = config.leaks === 'strip' ? await findSolutionCarriers(workDir, repo.files, new Set([...Object.keys(trace.functions), ...trace.testFiles])) : [];
    if (carriers.length) logger.info(`left out of the task repository (they can hold the solution): ${carriers.map((c) => `${c.file} (${c.reason})`).join(', ')}`);
    const stripped = new Set(carriers.map((c) => c.file));
    const result = await emitCandidates({
      repoName: instanceRepoName(repo), sourceRoot: workDir, files: repo.files.filter((f) => !stripped.has(f)), trace, schedule, modes: config.modes,
      taskRepoDir, stubStyle: config.stubStyle, minPatchTokens: config.minPatchTokens, logger,
      ...(docComments ? { docComments } : {}),
    });
    await result.taskRepo.dispose();
    return { candidates: result.candidates, rejects: result.rejects, originalCommit: result.originalCommit };
  });

  if (options.stopAfter === 'emit') return { out, completed: 'emit', rows: [], rejects: emitted.rejects };

  // 5. Environment image (needed before verification in docker).
  let image: EnvironmentImage | undefined;
  let runtime: Runtime = createLocalRuntime({ env: runEnv });
  if (config.runtime === 'docker' || !config.skipImage) {
    // The build context is always written under docker/; the image is built when verification runs in it.
    const build = config.runtime === 'docker';
    const imageKey = hashOf(emitKey, config.base, config.nodeVersion ?? '', build);
    image = await stage('image', imageKey, () =>
      buildEnvironmentImage({
        repoDir: workDir, taskRepo: taskRepoDir, repoName: repo.name, base: config.base, outDir: out, logger,
        ...(config.nodeVersion ? { nodeVersion: config.nodeVersion } : {}),
        build, bootstrap: build,
      }),
    );
  }
  if (config.runtime === 'docker') runtime = createDockerRuntime({ ...(image ? { image: image.tag } : {}) });

  // 6. Verify every candidate; each settled one is kept on disk at once.
  const verifyDir = path.join(out, '.swe-flow', 'verify');
  await mkdir(verifyDir, { recursive: true });
  const verifyKeyOf = (c: Candidate) => hashOf(c, config.runtime, config.reruns, config.fullPassToPass, config.traceProvenPassToPass, image?.tag ?? '');
  const settled = new Map<string, { key: string; task?: VerifiedTask; reject?: RejectRow }>();
  for (const c of emitted.candidates) {
    const text = await readFile(path.join(verifyDir, `${c.instanceId}.json`), 'utf8').catch(() => null);
    if (text && options.resume) {
      const record = JSON.parse(text) as { key: string; task?: VerifiedTask; reject?: RejectRow };
      // Infrastructure errors say nothing about the task: a resumed run tries those again.
      if (record.key === verifyKeyOf(c) && record.reject?.reason !== 'infrastructure-error') settled.set(c.instanceId, record);
    }
  }
  const pending = emitted.candidates.filter((c) => !settled.has(c.instanceId));
  const resumedCount = settled.size;
  let onDisk = 0;
  const t0 = Date.now();
  let verifyStats: VerifyStats | undefined;
  if (pending.length > 0) {
    const sources = new Map<string, string>();
    for (const f of repo.files) {
      if (/\.(c|m)?(j|t)sx?$/.test(f) && !f.endsWith('.d.ts')) sources.set(f, await readFile(path.join(workDir, f), 'utf8').catch(() => ''));
    }
    const packageName = (JSON.parse(await readFile(path.join(workDir, 'package.json'), 'utf8')) as { name?: unknown }).name;
    // In a monorepo, an import of any workspace package by name may reach changed files through a link.
    const workspaceNames = (await listWorkspacePackages(workDir, repo.workspaces, repo.files)).map((p) => p.name).filter((n): n is string => !!n);
    const selfNames = [...(typeof packageName === 'string' ? [packageName] : []), ...workspaceNames];
    const importGraph = buildImportGraph(sources, new Set(repo.files), selfNames);
    logger.info(`verify: ${pending.length} candidates (${settled.size} already settled), ${config.workers} worker(s), ${config.runtime} runtime`);
    const result = await verifyCandidates(pending, {
      runtime, adapter, taskRepo: taskRepoDir, dependenciesDir: workDir,
      ...(image && config.runtime === 'docker' ? { image: image.tag } : {}),
      reruns: config.reruns, timeoutMs: config.testTimeoutMs, workers: config.workers,
      fullPassToPass: config.fullPassToPass, importGraph, logger, warm: config.warmSessions,
      // PASS_TO_PASS tests whose traced run called no stubbed function need not run on base.
      ...(config.traceProvenPassToPass ? { testFunctions: testFunctionsFromTrace(trace), changedFunctions: changedFunctionsOf(schedule, trace.moduleLoadFunctions) } : {}),
      // A warm runner session starts at the checkout's root; a package's tests run in its folder.
      ...(repo.package ? { warm: false } : {}),
      // The trace stage ran the original twice on this machine (untraced, then traced); its passing
      // tests count as two passing runs of the original toward --reruns.
      ...(config.runtime === 'local' ? { originalPriorRuns: { runs: 2, passed: new Set(trace.tests.filter((t) => t.status === 'passed').map((t) => t.id)) } } : {}),
      // The throwing stubs' message: how a failure in a shared-process batch (mocha) is told to come from a stub.
      ...(config.stubStyle === 'throw' ? { stubMarker: STUB_ERROR_PREFIX } : {}),
      batch: config.batchTrees,
      sharedBatches: config.sharedBatches,
      ...(repo.package ? { packageDir: repo.package } : {}),
      // Each settled task is on disk at once: an interrupted run resumes without redoing it.
      onSettled: async (outcome) => {
        // An outcome of runs a signal killed says nothing about the task: not kept, --resume verifies it.
        assertNotShuttingDown();
        const c = 'candidate' in outcome ? outcome.candidate : pending.find((p) => p.instanceId === outcome.instance_id)!;
        const record = { key: verifyKeyOf(c), ...('candidate' in outcome ? { task: outcome } : { reject: outcome }) };
        settled.set(c.instanceId, record);
        await writeFileAtomic(path.join(verifyDir, `${c.instanceId}.json`), JSON.stringify(record));
        // Counted once on disk: writes finish in any order, the count only goes up.
        progress('verify', ++onDisk + resumedCount, emitted.candidates.length);
      },
    });
    verifyStats = result.stats;
  }
  timings.push({ stage: 'verify', ms: Date.now() - t0, skipped: pending.length === 0 });

  const verified = emitted.candidates.map((c) => settled.get(c.instanceId)?.task).filter((t): t is VerifiedTask => !!t);
  const rejects: RejectRow[] = [
    ...emitted.rejects,
    ...emitted.candidates.map((c) => settled.get(c.instanceId)?.reject).filter((r): r is RejectRow => !!r),
  ];

  if (options.stopAfter === 'verify') return { out, completed: 'verify', rows: [], rejects };

  // 7. Problem statements.
  const t1 = Date.now();
  const originalSource = (file: string) => readFile(path.join(workDir, file), 'utf8');
  const located = new Map<string, FunctionInfo[]>();
  const inputs = await Promise.all(verified.map((task) => statementInputFor(repo.name, task, originalSource, located)));
  const statements = await writeStatements(inputs, { ...llmOptions, logger });
  timings.push({ stage: 'statements', ms: Date.now() - t1, skipped: false });
  const statementStats: StatementStats = statements.stats;

  // 8. Write the dataset, per-task folders, the bundle and the summary.
  const createdAt = repo.preparedAt;
  const rows: DatasetRow[] = [];
  // Every base patch (original -> base) from one git process, and the bundle of the task repository.
  const taskRepo = await TaskRepo.open(taskRepoDir);
  let basePatches: string[];
  try {
    basePatches = await taskRepo.diffs(verified.map((t) => [emitted.originalCommit, t.candidate.baseCommit] as const));
    await taskRepo.bundle(path.join(out, 'task-repo.bundle')).catch((error: unknown) => logger.warn(`could not write task-repo.bundle: ${(error as Error).message}`));
  } finally {
    await taskRepo.dispose();
  }
  for (const [i, task] of verified.entries()) {
    const c = task.candidate;
    const statement = statements.statements[i]!;
    const testCommand = commandLineFromRoot(adapter.plainCommand({ resultFile: '.swe-flow/results.json', selection: { files: c.testFiles, testIds: task.failToPass } }));
    const row = buildRow(task, { repo: repo.name, runner: repo.runner, image: image?.tag ?? '', version: SWEFLOW_VERSION, createdAt, problemStatement: statement, testCommand });
    rows.push(row);
    const dir = path.join(out, 'tasks', c.instanceId);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'base.patch'), basePatches[i]!);
    await writeFile(path.join(dir, 'reference.patch'), c.patch);
    await writeFile(path.join(dir, 'problem.md'), statement);
    const { patch: _p, problem_statement: _s, ...meta } = row;
    await writeFileAtomic(path.join(dir, 'meta.json'), JSON.stringify({ ...meta, dropped_fail_to_pass: task.droppedFailToPass }, null, 2));
  }
  // 9. Task environments: eval.sh, instance images (docker), the audit (drops solution-reachable tasks).
  const t2 = Date.now();
  const environments = await buildTaskEnvironments({
    out, rows, taskRepoDir, ...(image?.built || image?.cached ? { envImage: image.tag } : {}), repoName: repo.name, runtime: config.runtime,
    workDir, packageManager: repo.packageManager, adapter, audit: config.audit, minTokens: config.auditMinTokens, logger,
  });
  timings.push({ stage: 'environments', ms: Date.now() - t2, skipped: false });
  rows.splice(0, rows.length, ...environments.rows);
  rejects.push(...environments.rejects);
  await writeDataset(out, rows, rejects);

  const summary: Summary = {
    schemaVersion: 1,
    swefFlowVersion: SWEFLOW_VERSION,
    repo: repo.name,
    source: repo.source,
    runner: repo.runner,
    runtime: config.runtime,
    modes: config.modes,
    image: image?.tag ?? null,
    environment: {
      node: repo.nodeVersion, platform: `${process.platform}-${process.arch}`, packageManager: `${repo.install.packageManager}@${repo.install.packageManagerVersion}`,
      ...(repo.node ? { nodeReason: repo.node.reason } : {}), installFallbacks: repo.install.fallbacks ?? [],
    },
    counts: {
      testsTraced: trace.tests.length,
      testsPassing: trace.tests.filter((t) => t.status === 'passed').length,
      testsExcluded: trace.excluded.length,
      steps: schedule.steps.length,
      skippedGroups: schedule.skipped.length,
      candidates: emitted.candidates.length,
      verified: rows.length,
      rejected: rejects.length,
    },
    rejectReasons: countBy(rejects.map((r) => r.reason)),
    verification: {
      passToPassRun: verified.reduce((n, t) => n + t.passToPassRun, 0),
      passToPassProvenUnaffected: verified.reduce((n, t) => n + t.passToPassProvenUnaffected, 0),
      passToPassProvenByTrace: verifyStats?.passToPassProvenByTrace ?? 0,
      testRuns: verifyStats?.testRuns ?? 0,
      treeRuns: verifyStats?.treeRuns ?? 0,
      sharedRuns: verifyStats?.sharedRuns ?? 0,
      batches: verifyStats?.batches ?? 0,
      batchedTrees: verifyStats?.batchedTrees ?? 0,
      sharedBatches: verifyStats?.sharedBatches ?? 0,
      batchDoubtTrees: verifyStats?.batchDoubtTrees ?? 0,
      sessionRuns: verifyStats?.sessionRuns ?? 0,
      plainRuns: verifyStats?.plainRuns ?? 0,
      sessionFailures: verifyStats?.sessionFailures ?? 0,
      flakyTests: verifyStats?.flakyTests ?? [],
      stubStyle: config.stubStyle,
    },
    statements: statementStats,
    environments: environments.summary,
    stages: timings,
    totalMs: Date.now() - started,
  };
  await writeSummary(out, summary);
  logger.info(`done: ${rows.length} verified tasks, ${rejects.length} rejected, in ${((Date.now() - started) / 1000).toFixed(1)} s → ${out}`);
  return { out, completed: 'all', summary, rows, rejects };
}

function countBy(values: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

function groupIdsByFile(ids: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const id of ids) {
    const { file } = parseFunctionId(id);
    out.set(file, [...(out.get(file) ?? []), id]);
  }
  return out;
}
