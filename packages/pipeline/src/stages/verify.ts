import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { RejectRow, Runtime, ScheduleJson, SynthConfig, TraceJson } from '@swe-flow/core';
import {
  buildImportGraph,
  changedFunctionsOf,
  testFunctionsFromTrace,
  verifyCandidates,
  type Candidate,
  type ImportGraph,
  type VerifiedTask,
  type VerifyOptions,
  type VerifyStats,
} from '@swe-flow/emitter';
import { functionUnits, partsToRetry } from '@swe-flow/scheduler';
import { assertNotShuttingDown, createDockerRuntime, createLocalRuntime, writeFileAtomic, type EnvironmentImage } from '@swe-flow/runtime';
import { STUB_ERROR_PREFIX } from '@swe-flow/skeleton';
import type { RunnerAdapter } from '@swe-flow/tracer';
import { listWorkspacePackages } from '@swe-flow/workspace';
import { hashOf } from '../stages.js';
import type { Emitted } from './emit.js';
import { taskRepoDirOf } from './emit.js';
import type { RepoJson } from './prepare.js';
import type { Stage, StageEnv } from './stage.js';

export interface VerifyInput {
  repo: RepoJson;
  adapter: RunnerAdapter;
  trace: TraceJson;
  schedule: ScheduleJson;
  emitted: Emitted;
  image?: EnvironmentImage;
  /** The repository's Node first on PATH (local runtime). */
  env: Record<string, string>;
}

export interface Verified {
  verified: VerifiedTask[];
  /** Emit's rejects, then verification's, in candidate order. */
  rejects: RejectRow[];
  stats?: VerifyStats;
  /** The fallback of the size floor: merged steps rejected and tried again as their parts (absent when none was). */
  retriedParts?: RetriedParts;
}

/** Merged steps that were rejected, the parts tried in their place, and how many of those verified. */
export interface RetriedParts {
  steps: number;
  parts: number;
  verified: number;
}

interface VerifyRecord { key: string; task?: VerifiedTask; reject?: RejectRow }

type VerifyReads = 'runtime' | 'reruns' | 'testTimeoutMs' | 'fullPassToPass' | 'traceProvenPassToPass' | 'stubStyle'
  | 'workers' | 'warmSessions' | 'batchTrees' | 'sharedBatches' | 'baseTestTimeoutFactor' | 'baseTestTimeoutFloorMs';

/**
 * Each settled candidate under `<out>/.swe-flow/verify/<instance>.json`, keyed by the candidate and the
 * verify stage's key: a resumed run keeps those with the same key (infrastructure errors, which say
 * nothing about the task, are tried again).
 */
class VerifyRecords {
  readonly settled = new Map<string, VerifyRecord>();
  private readonly dir: string;

  constructor(out: string, private readonly stageKey: string) {
    this.dir = path.join(out, '.swe-flow', 'verify');
  }

  keyOf(c: Candidate): string {
    return hashOf(this.stageKey, c);
  }

  async load(candidates: readonly Candidate[], resume: boolean): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    if (!resume) return;
    for (const c of candidates) {
      const text = await readFile(path.join(this.dir, `${c.instanceId}.json`), 'utf8').catch(() => null);
      if (!text) continue;
      const record = JSON.parse(text) as VerifyRecord;
      if (record.key === this.keyOf(c) && record.reject?.reason !== 'infrastructure-error') this.settled.set(c.instanceId, record);
    }
  }

  async keep(c: Candidate, outcome: VerifiedTask | RejectRow): Promise<void> {
    const record = { key: this.keyOf(c), ...('candidate' in outcome ? { task: outcome } : { reject: outcome }) };
    this.settled.set(c.instanceId, record);
    await writeFileAtomic(path.join(this.dir, `${c.instanceId}.json`), JSON.stringify(record));
  }
}

/** Which test files import which source files; in a monorepo, any workspace package by name may reach them. */
async function importGraphOf(repo: RepoJson, workDir: string): Promise<ImportGraph> {
  const sources = new Map<string, string>();
  for (const f of repo.files) {
    if (/\.(c|m)?(j|t)sx?$/.test(f) && !f.endsWith('.d.ts')) sources.set(f, await readFile(path.join(workDir, f), 'utf8').catch(() => ''));
  }
  const packageName = (JSON.parse(await readFile(path.join(workDir, 'package.json'), 'utf8')) as { name?: unknown }).name;
  const workspaceNames = (await listWorkspacePackages(workDir, repo.workspaces, repo.files)).map((p) => p.name).filter((n): n is string => !!n);
  const selfNames = [...(typeof packageName === 'string' ? [packageName] : []), ...workspaceNames];
  return buildImportGraph(sources, new Set(repo.files), selfNames);
}

/** `verifyCandidates` options from the stage's config and inputs. */
function verifyOptionsOf(config: Pick<SynthConfig, VerifyReads>, env: StageEnv, input: VerifyInput, runtime: Runtime, importGraph: ImportGraph): VerifyOptions {
  const { repo, image, trace, schedule } = input;
  return {
    runtime, adapter: input.adapter, taskRepo: taskRepoDirOf(env.out), dependenciesDir: env.workDir,
    ...(image && config.runtime === 'docker' ? { image: image.tag } : {}),
    reruns: config.reruns, timeoutMs: config.testTimeoutMs, workers: config.workers,
    // Base runs limit each test from its traced duration: a stub that makes a test wait costs about a second.
    testDurations: new Map(trace.tests.map((t) => [t.id, t.durationMs])),
    baseTimeLimit: { factor: config.baseTestTimeoutFactor, floorMs: config.baseTestTimeoutFloorMs },
    fullPassToPass: config.fullPassToPass, importGraph, logger: env.logger, warm: config.warmSessions,
    // PASS_TO_PASS tests whose traced run called no stubbed function need not run on base.
    ...(config.traceProvenPassToPass ? { testFunctions: testFunctionsFromTrace(trace), changedFunctions: changedFunctionsOf(schedule, trace.moduleLoadFunctions, functionUnits(trace.functions)) } : {}),
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
    // The tests run build output: every tree is built before its tests, as the task's eval.sh does.
    ...(repo.builtOutput && repo.build ? { build: { commands: repo.build, outputs: repo.builtOutput.map((b) => b.dir), ...(repo.testEnv ? { env: repo.testEnv } : {}), cacheDir: path.join(env.out, '.swe-flow', 'build-cache') } } : {}),
  };
}

/** Numbers summed and lists joined: the stats of the first verification and of the parts' one. */
function addStats(a: VerifyStats | undefined, b: VerifyStats | undefined): VerifyStats | undefined {
  if (!a || !b) return a ?? b;
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    if (typeof v === 'number' && typeof prev === 'number') out[k] = prev + v;
    else if (Array.isArray(v) && Array.isArray(prev)) out[k] = [...(prev as unknown[]), ...(v as unknown[])];
  }
  return out as unknown as VerifyStats;
}

/** Verifies candidates not settled yet (the runtime and import graph made once, on first need) and keeps each outcome on disk. */
class CandidateVerifier {
  private runtime?: Runtime;
  private importGraph?: ImportGraph;
  /** Settled candidates on disk (those a resumed run found included): the count only goes up. */
  private onDisk: number;

  constructor(
    private readonly config: Pick<SynthConfig, VerifyReads>,
    private readonly env: StageEnv,
    private readonly input: VerifyInput,
    private readonly records: VerifyRecords,
    private readonly total: () => number,
  ) {
    this.onDisk = input.emitted.candidates.filter((c) => records.settled.has(c.instanceId)).length;
  }

  async verify(candidates: readonly Candidate[], what: string): Promise<VerifyStats | undefined> {
    const { config, env, input, records } = this;
    const pending = candidates.filter((c) => !records.settled.has(c.instanceId));
    if (pending.length === 0) return undefined;
    this.runtime ??= config.runtime === 'docker' ? createDockerRuntime({ ...(input.image ? { image: input.image.tag } : {}) }) : createLocalRuntime({ env: input.env });
    this.importGraph ??= await importGraphOf(input.repo, env.workDir);
    env.logger.info(`verify: ${pending.length} ${what} (${candidates.length - pending.length} already settled), ${config.workers} worker(s), ${config.runtime} runtime`);
    const byId = new Map(pending.map((c) => [c.instanceId, c]));
    const result = await verifyCandidates(pending, {
      ...verifyOptionsOf(config, env, input, this.runtime, this.importGraph),
      // Each settled task is on disk at once: an interrupted run resumes without redoing it.
      onSettled: async (outcome) => {
        // An outcome of runs a signal killed says nothing about the task: not kept, --resume verifies it.
        assertNotShuttingDown();
        await records.keep('candidate' in outcome ? outcome.candidate : byId.get(outcome.instance_id)!, outcome);
        // Counted once on disk: writes finish in any order, the count only goes up.
        env.progress('verify', ++this.onDisk, this.total());
      },
    });
    return result.stats;
  }
}

/** The outcomes of candidates, in their order: verified tasks and rejects. */
function outcomesOf(records: VerifyRecords, candidates: readonly Candidate[]): { verified: VerifiedTask[]; rejects: RejectRow[] } {
  const settled = candidates.map((c) => records.settled.get(c.instanceId));
  return {
    verified: settled.map((s) => s?.task).filter((t): t is VerifiedTask => !!t),
    rejects: settled.map((s) => s?.reject).filter((r): r is RejectRow => !!r),
  };
}

/** 6. Verify every candidate; each settled one is kept on disk at once. */
export const verifyStage: Stage<VerifyReads, VerifyInput, null, Verified> = {
  name: 'verify',
  reads: ['runtime', 'reruns', 'testTimeoutMs', 'fullPassToPass', 'traceProvenPassToPass', 'stubStyle', 'baseTestTimeoutFactor', 'baseTestTimeoutFloorMs'],
  // How verification runs, not what it finds.
  tunes: ['workers', 'warmSessions', 'batchTrees', 'sharedBatches'],
  keyOf: (input) => input.image?.tag ?? '',
  cached: false,
  async run(config, env, input, key) {
    const { emitted } = input;
    const parts = emitted.parts ?? [];
    const records = new VerifyRecords(env.out, key);
    await records.load([...emitted.candidates, ...parts], env.resume);
    let total = emitted.candidates.length;
    const verifier = new CandidateVerifier(config, env, input, records, () => total);
    let stats = await verifier.verify(emitted.candidates, 'candidates');
    const first = outcomesOf(records, emitted.candidates);
    const rejects = [...emitted.rejects, ...first.rejects];
    // The size floor's fallback: a merged step that was rejected is tried again as its parts, each a task of its own.
    const retry = partsToRetry(input.schedule.steps, rejects.filter((r) => r.mode === 'isolated'));
    if (retry.length === 0) return { record: null, artifact: { verified: first.verified, rejects, ...(stats ? { stats } : {}) }, skipped: !stats };
    const retrySteps = new Set(retry.map((p) => p.step));
    const partCandidates = parts.filter((c) => retrySteps.has(c.step));
    total += partCandidates.length;
    const partStats = await verifier.verify(partCandidates, 'parts of rejected merged steps');
    stats = addStats(stats, partStats);
    const second = outcomesOf(records, partCandidates);
    const retriedSteps = input.schedule.steps.filter((s) => s.parts?.some((p) => retrySteps.has(p.step)));
    const retriedParts = { steps: retriedSteps.length, parts: retry.length, verified: second.verified.length };
    env.logger.info(`verify: ${retriedParts.steps} rejected merged step(s) tried again as ${retriedParts.parts} parts: ${retriedParts.verified} verified`);
    const noted = rejects.map((r) => {
      const step = retriedSteps.find((s) => s.step === r.step && r.mode === 'isolated');
      return step ? { ...r, detail: `${r.detail} (tried again as its parts: steps ${step.parts!.map((p) => p.step).join(', ')})` } : r;
    });
    const partRejects = (emitted.partRejects ?? []).filter((r) => retrySteps.has(r.step));
    return {
      record: null,
      artifact: { verified: [...first.verified, ...second.verified], rejects: [...noted, ...partRejects, ...second.rejects], ...(stats ? { stats } : {}), retriedParts },
      skipped: !stats,
    };
  },
};
