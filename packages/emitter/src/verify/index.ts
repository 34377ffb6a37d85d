import { silentLogger, type Logger, type RejectRow } from '@swe-flow/core';
import { hasSession, treeRunnerFor } from '@swe-flow/tracer';
import type { Candidate } from '../emit.js';
import { TaskRepo } from '../task-repo.js';
import { TreeBatcher } from './batch.js';
import { Lane, type LaneContext } from './lane.js';
import { TreeBuilder } from './tree-build.js';
import { filesOf, originalSelection, planVerification, type CandidatePlan, type VerifyPlan } from './plan.js';
import { Pool } from './pool.js';
import { VerifyTally } from './stats.js';
import { BaseTimeLimits } from './time-limit.js';
import type { RunStatuses, VerifiedTask, VerifyOptions, VerifyOutcome, VerifyResult } from './types.js';
import { failureOf, judge, rejectRowOf, Rejection, type Verdict } from './verdict.js';

export type { VerifyOptions, VerifiedTask, VerifyResult, VerifyStats, BatchTiming, TreeTiming } from './types.js';
export { judge, type Verdict, type VerdictInput, type LaterRuns } from './verdict.js';
export { planVerification, passToPassToRun, type VerifyPlan } from './plan.js';
export type { TreeBuildSpec, BuildCommandRun } from './tree-build.js';
export { runBuildCommands } from './tree-build.js';

/** Git tree ids of commits in the task repository, in one git process. */
async function treeIdsOf(taskRepoDir: string, commits: string[]): Promise<Map<string, string>> {
  if (commits.length === 0) return new Map();
  const taskRepo = await TaskRepo.open(taskRepoDir);
  try {
    return await taskRepo.treeIds(commits);
  } finally {
    await taskRepo.dispose();
  }
}

/**
 * Verifies every candidate by running it: FAIL_TO_PASS must fail on base and pass on the reference
 * in every rerun; PASS_TO_PASS must pass on both. Tests that pass only sometimes on the reference are
 * flaky and dropped. Every candidate that fails is returned as a reject with a reason.
 * Read → plan (`plan.ts`) → run (`pool.ts`, `lane.ts`, `batch.ts`) → judge (`verdict.ts`).
 */
export async function verifyCandidates(candidates: readonly Candidate[], options: VerifyOptions): Promise<VerifyResult> {
  return new Verification(candidates, options).run();
}

/** One call of `verifyCandidates`: its options resolved, its tally, lanes and pool. */
class Verification {
  private readonly logger: Logger;
  private readonly reruns: number;
  private readonly tally = new VerifyTally();
  private readonly lane: LaneContext;
  private readonly lanes: Lane[] = [];
  private readonly settled: VerifyOutcome[];
  private pool!: Pool;
  private done = 0;

  constructor(private readonly candidates: readonly Candidate[], private readonly options: VerifyOptions) {
    this.logger = options.logger ?? silentLogger;
    this.reruns = Math.max(1, options.reruns ?? 3);
    this.settled = new Array<VerifyOutcome>(candidates.length);
    this.lane = {
      runtime: options.runtime,
      adapter: options.adapter,
      taskRepo: options.taskRepo,
      ...(options.dependenciesDir ? { dependenciesDir: options.dependenciesDir } : {}),
      ...(options.image ? { image: options.image } : {}),
      // A warm session would keep the modules of the tree it first loaded: built trees run plainly.
      warm: (options.warm ?? true) && hasSession(options.adapter.name) && !options.build,
      timeoutMs: options.timeoutMs ?? 5 * 60_000,
      ...(options.testDurations && options.baseTimeLimit ? { baseLimits: new BaseTimeLimits(options.adapter.name, options.testDurations, options.baseTimeLimit) } : {}),
      logger: this.logger,
      tally: this.tally,
      ...(options.build ? { builder: new TreeBuilder(options.build, options.taskRepo, this.logger, this.tally) } : {}),
    };
  }

  /** Runs of the original still to make here, after the ones `originalPriorRuns` counts. */
  private get priorRuns(): number {
    return Math.min(this.reruns - 1, this.options.originalPriorRuns?.runs ?? 0);
  }

  /** The original's runs with the earlier runs of `originalPriorRuns` counted in. */
  private withPrior(r: RunStatuses): RunStatuses {
    const priorRuns = this.priorRuns;
    if (priorRuns === 0) return r;
    const passes = new Map(r.passes);
    for (const id of this.options.originalPriorRuns!.passed) if (r.last.has(id)) passes.set(id, (passes.get(id) ?? 0) + priorRuns);
    return { ...r, passes };
  }

  private batcher(): TreeBatcher | undefined {
    const { options } = this;
    const packageDir = options.packageDir?.replace(/^\.\/|\/$/g, '') || undefined;
    const runner = treeRunnerFor(options.adapter, packageDir ? { projectDir: packageDir } : {});
    // A batch writes its trees with `git archive`, unbuilt: trees that need a build run in their workspaces.
    const batching = (options.batch ?? true) && !options.build && options.runtime.name === 'local' && runner !== undefined &&
      // One process for all trees: only where a failure can be told to come from a stub.
      (!runner.sharedProcess || !!options.stubMarker);
    if (!batching || !runner) return undefined;
    return new TreeBatcher({
      runner, timeoutMs: this.lane.timeoutMs, logger: this.logger, tally: this.tally,
      firstCommit: this.candidates[0]?.originalCommit ?? '',
      ...(this.lane.baseLimits ? { baseLimits: this.lane.baseLimits } : {}),
      ...(options.stubMarker ? { stubMarker: options.stubMarker } : {}),
      ...(options.sharedBatches !== undefined ? { sharedBatches: options.sharedBatches } : {}),
    });
  }

  async run(): Promise<VerifyResult> {
    const { candidates, options } = this;
    const batcher = this.batcher();
    this.pool = new Pool({ logger: this.logger, tally: this.tally, batchSize: Math.max(2, options.batchSize ?? 64), ...(batcher ? { batcher } : {}) });
    const trees = await treeIdsOf(options.taskRepo, [...new Set(candidates.flatMap((c) => [c.baseCommit, c.referenceCommit, c.originalCommit]))]);
    // The original tree is run `reruns` times in all (counting `originalPriorRuns`), once for all
    // candidates: it is every isolated task's reference, and the tests that do not pass every time there
    // are flaky everywhere. One run left to make: it is one more tree of the first batch; more: repeated
    // runs in the first worker before anything else.
    const ownOriginalRuns = this.reruns - this.priorRuns;
    const plan = planVerification(candidates, {
      trees, originalInRuns: !!batcher && ownOriginalRuns === 1, typeChecks: options.adapter.name === 'jest',
      ...(options.fullPassToPass ? { fullPassToPass: true } : {}),
      ...(options.importGraph ? { importGraph: options.importGraph } : {}),
      ...(options.testFunctions ? { testFunctions: options.testFunctions } : {}),
      ...(options.changedFunctions ? { changedFunctions: options.changedFunctions } : {}),
    });
    this.tally.counts.treeRuns = plan.runs.length;
    this.tally.counts.sharedRuns = plan.sharedRuns;
    this.tally.counts.passToPassProvenByTrace = plan.passToPassProvenByTrace;
    this.lanes.push(new Lane(this.lane));
    const original = this.originalRuns(plan, ownOriginalRuns);
    for (const run of plan.runs) this.pool.enqueue(run);
    this.pool.expect(candidates.length);
    const settling = plan.candidates.map((c, i) => this.settle(c, i, original));
    try {
      if (!plan.original) await original;
      await Promise.all([...settling, ...(candidates.length > 0 ? [this.pool.work(this.lanes, options.workers ?? 1, () => new Lane(this.lane))] : [])]);
    } finally {
      for (const lane of this.lanes) await lane.close();
    }
    const verified = this.settled.filter((s): s is VerifiedTask => 'candidate' in s);
    const rejects = this.settled.filter((s): s is RejectRow => !('candidate' in s));
    return { verified, rejects, stats: this.tally.toStats(candidates.length, verified, rejects) };
  }

  /** The original's statuses: its one run among the queued trees, or its repeated runs in the first lane. */
  private originalRuns(plan: VerifyPlan, ownRuns: number): Promise<RunStatuses> {
    const first = this.candidates[0];
    if (!first) return Promise.resolve({ passes: new Map(), last: new Map() });
    const runs = plan.original
      ? this.pool.enqueue(plan.original).result
      : this.lanes[0]!.runRepeated(first.originalCommit, 'original', originalSelection(this.candidates), ownRuns);
    return runs.then((r) => this.withPrior(r), (error: unknown) => ({ passes: new Map(), last: new Map(), error: failureOf(error) }));
  }

  /** Judges one candidate once its runs are in, and hands the outcome on at once. */
  private async settle(plan: CandidatePlan, index: number, original: Promise<RunStatuses>): Promise<void> {
    const { candidate } = plan;
    const started = Date.now();
    const base = this.pool.enqueue(plan.base);
    const reference = plan.reference ? this.pool.enqueue(plan.reference) : undefined;
    let verdict: Verdict;
    try {
      verdict = await judge({
        candidate, p2pToRun: plan.p2pToRun, reruns: this.reruns, original: await original, flaky: this.tally.flaky,
        ...(reference ? { reference: await reference.result } : {}),
      }, {
        base: () => base.result,
        alone: (ids) => this.pool.runAlone(candidate.baseCommit, `${candidate.instanceId} base, PASS_TO_PASS alone`, { files: filesOf(ids), testIds: ids }),
      });
    } catch (error) {
      verdict = { reject: rejectRowOf(candidate, new Rejection('infrastructure-error', `verification could not run: ${(error as Error).message}`)), recheckedAlone: 0, passingAlone: 0 };
    }
    this.tally.counts.passToPassRecheckedAlone += verdict.recheckedAlone;
    this.tally.counts.passToPassPassingAlone += verdict.passingAlone;
    const outcome: VerifyOutcome = verdict.task ? { ...verdict.task, verifyMs: Date.now() - started } : verdict.reject!;
    this.settled[index] = outcome;
    const nth = ++this.done;
    this.logger.debug(`verified ${candidate.instanceId} (${nth}/${this.candidates.length})`);
    await this.options.onSettled?.(outcome, nth, this.candidates.length);
    this.pool.settledOne();
  }
}
