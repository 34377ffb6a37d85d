import type { Logger, Runtime, TestRunOutcome, TestSelection, TestStatus, Workspace } from '@swe-flow/core';
import { openSession, type TestSession } from '@swe-flow/tracer';
import { runTests, statusMap, type TestCommandAdapter } from '../run-tests.js';
import type { VerifyTally } from './stats.js';
import type { BaseTimeLimits } from './time-limit.js';
import type { TreeBuilder } from './tree-build.js';
import type { RunStatuses } from './types.js';

/** What every lane of one verification shares. */
export interface LaneContext {
  runtime: Runtime;
  adapter: TestCommandAdapter;
  taskRepo: string;
  dependenciesDir?: string;
  image?: string;
  /** Try a warm runner session (the runner has one and the caller wants it). */
  warm: boolean;
  timeoutMs: number;
  /** Per-test limits of base runs; absent, every run keeps the repository's own limits. */
  baseLimits?: BaseTimeLimits;
  logger: Logger;
  tally: VerifyTally;
  /** Builds each tree the lane moves to before its tests run (the tests run build output). */
  builder?: TreeBuilder;
}

/**
 * One worker's workspace, opened once and moved between commits (`Workspace.checkout`: forced, untracked
 * files removed but node_modules and the .swe-flow work dir), with its warm session when there is one.
 */
export class Lane {
  private ws?: Workspace;
  private head?: string;
  private session?: TestSession;
  private sessionBroken = false;
  /** Files the warm session must reload; accumulated until the next session run. */
  private changed: string[] = [];
  /** A tree batch failed here: trees run one by one in this lane from now on. */
  batchBroken = false;
  /** Why the build of the checked-out tree failed (its tests cannot say anything about the task). */
  private buildFailure: string | undefined;

  constructor(private readonly ctx: LaneContext) {}

  /** The workspace, if it was opened. */
  get workspace(): Workspace | undefined {
    return this.ws;
  }

  /** The workspace at `commit`: opened there on first use, else checked out. */
  async moveTo(commit: string, label: string): Promise<Workspace> {
    const { ctx } = this;
    if (!this.ws) {
      ctx.tally.counts.workspacesOpened++;
      this.ws = await ctx.runtime.open({
        taskRepo: ctx.taskRepo,
        commit,
        label,
        ...(ctx.dependenciesDir ? { dependenciesDir: ctx.dependenciesDir } : {}),
        ...(ctx.image ? { image: ctx.image } : {}),
      });
      this.head = commit;
      this.changed = [];
      this.buildFailure = await ctx.builder?.build(this.ws, commit, label);
      return this.ws;
    }
    if (this.head !== commit) {
      ctx.tally.counts.checkouts++;
      // A warm session must reload what changed between the two commits.
      const changed = await this.ws.checkout(commit, this.session && this.head ? { changedSince: this.head } : {});
      this.changed.push(...changed);
      this.head = commit;
      this.buildFailure = await ctx.builder?.build(this.ws, commit, label);
    }
    return this.ws;
  }

  private async sessionOf(ws: Workspace): Promise<TestSession | undefined> {
    const { ctx } = this;
    if (!ctx.warm || this.sessionBroken) return undefined;
    if (this.session) return this.session;
    try {
      this.session = await openSession(ws, ctx.adapter.name, { runTimeoutMs: ctx.timeoutMs, ...(ctx.adapter.runnerArgs ? { runnerArgs: ctx.adapter.runnerArgs } : {}) });
      this.changed = [];
      if (!this.session) this.sessionBroken = true;
    } catch (error) {
      ctx.tally.counts.sessionFailures++;
      this.sessionBroken = true;
      ctx.logger.warn(`warm ${ctx.adapter.name} session unavailable; plain runs instead: ${(error as Error).message}`);
    }
    return this.session;
  }

  private async dropSession(): Promise<void> {
    const s = this.session;
    this.session = undefined;
    this.sessionBroken = true;
    await s?.close().catch(() => {});
  }

  /** A session run, when it answers for every requested test; undefined: run plainly. */
  private async sessionRun(session: TestSession, selection: TestSelection, testTimeoutMs: number | undefined): Promise<TestRunOutcome | undefined> {
    const { ctx } = this;
    const started = Date.now();
    try {
      const changed = this.changed;
      this.changed = [];
      const results = await session.run(selection, [...new Set(changed)], testTimeoutMs ? { testTimeoutMs } : {});
      const reported = new Set(results.map((r) => r.id));
      const missing = selection.testIds.filter((id) => !reported.has(id));
      if (missing.length === 0) {
        ctx.tally.counts.sessionRuns++;
        return { results, missing, exitCode: 0, timedOut: false, durationMs: Date.now() - started, logTail: '' };
      }
      // A requested test the session did not report: let a plain run say whether it is really missing.
      ctx.tally.counts.sessionReruns++;
    } catch (error) {
      ctx.tally.counts.sessionFailures++;
      ctx.logger.warn(`warm ${ctx.adapter.name} session failed; plain runs from now on in this worker: ${(error as Error).message}`);
      await this.dropSession();
    }
    return undefined;
  }

  /**
   * One run of a selection: through the warm session when it has one and the answer is beyond doubt.
   * `testTimeoutMs` limits each test (a base run); the vitest session keeps its config's limits.
   */
  async runOnce(ws: Workspace, selection: TestSelection, testTimeoutMs?: number): Promise<TestRunOutcome> {
    const session = await this.sessionOf(ws);
    const warm = session ? await this.sessionRun(session, selection, testTimeoutMs) : undefined;
    if (warm) return warm;
    this.ctx.tally.counts.plainRuns++;
    return runTests(ws, this.ctx.adapter, selection, this.ctx.timeoutMs, testTimeoutMs);
  }

  /**
   * Runs the selection `times` times on a commit: per test, how many runs it passed and its last status.
   * `baseOnly`: a run for bases only, whose tests get the per-test limit of base runs.
   */
  async runRepeated(commit: string, label: string, selection: TestSelection, times: number, baseOnly = false): Promise<RunStatuses> {
    const passes = new Map<string, number>();
    const last = new Map<string, TestStatus | 'missing'>();
    const ws = await this.moveTo(commit, label);
    // A tree whose build failed (a stub the repository's compiler rejects): its runs would only say the build output is missing.
    if (this.buildFailure) return { passes, last, error: { reason: 'infrastructure-error', detail: this.buildFailure } };
    const testTimeoutMs = baseOnly ? await this.ctx.baseLimits?.forRun(ws, selection.testIds) : undefined;
    if (testTimeoutMs) this.ctx.tally.counts.baseRunsTimeLimited++;
    for (let i = 0; i < times; i++) {
      this.ctx.tally.counts.testRuns++;
      const outcome = await this.runOnce(ws, selection, testTimeoutMs);
      if (outcome.timedOut) return { passes, last, error: { reason: 'timeout', detail: `tests on ${label} did not finish within ${this.ctx.timeoutMs} ms` } };
      for (const [id, status] of statusMap(outcome)) {
        last.set(id, status);
        if (status === 'passed') passes.set(id, (passes.get(id) ?? 0) + 1);
      }
      for (const id of outcome.missing) last.set(id, 'missing');
    }
    return { passes, last };
  }

  async close(): Promise<void> {
    await this.session?.close().catch(() => {});
    await this.ws?.dispose().catch(() => {});
  }
}
