import type { RejectRow } from '@swe-flow/core';
import type { BatchTiming, TreeTiming, VerifiedTask, VerifyStats } from './types.js';

/** The counts that runs and settling add to while verification goes on (the rest is derived at the end). */
export type VerifyCounts = Omit<VerifyStats, 'candidates' | 'verified' | 'rejected' | 'passToPassRun' | 'passToPassProvenUnaffected' | 'flakyTests' | 'batchTimes' | 'slowestTrees'>;

/** How many of the slowest trees the statistics keep. */
const SLOWEST_TREES = 10;

/** One verification's statistics: counters every part adds to, and the tests found flaky so far. */
export class VerifyTally {
  readonly counts: VerifyCounts = {
    testRuns: 0,
    passToPassProvenByTrace: 0,
    treeRuns: 0,
    sharedRuns: 0,
    batches: 0,
    batchedTrees: 0,
    sharedBatches: 0,
    batchDoubtTrees: 0,
    workspacesOpened: 0,
    checkouts: 0,
    sessionRuns: 0,
    plainRuns: 0,
    sessionFailures: 0,
    sessionReruns: 0,
    passToPassRecheckedAlone: 0,
    passToPassPassingAlone: 0,
    baseRunsTimeLimited: 0,
    sharedBatchFallbacks: 0,
    treeBuilds: 0,
    treeBuildsCached: 0,
    treeBuildFailures: 0,
    treeBuildMs: 0,
  };

  /** Tests that did not pass every run of the reference, across all candidates. */
  readonly flaky = new Set<string>();
  /** Every tree batch, in the order they ended. */
  readonly batches: BatchTiming[] = [];
  private readonly trees: TreeTiming[] = [];

  /** A tree's time: its tests' durations in a batch, or the wall time of its run alone. */
  tree(t: TreeTiming): void {
    this.trees.push(t);
  }

  slowestTrees(): TreeTiming[] {
    return [...this.trees].sort((a, b) => b.ms - a.ms).slice(0, SLOWEST_TREES);
  }

  toStats(candidates: number, verified: readonly VerifiedTask[], rejects: readonly RejectRow[]): VerifyStats {
    const c = this.counts;
    return {
      candidates,
      verified: verified.length,
      rejected: rejects.length,
      testRuns: c.testRuns,
      passToPassRun: verified.reduce((n, v) => n + v.passToPassRun, 0),
      passToPassProvenUnaffected: verified.reduce((n, v) => n + v.passToPassProvenUnaffected, 0),
      passToPassProvenByTrace: c.passToPassProvenByTrace,
      treeRuns: c.treeRuns,
      batches: c.batches,
      batchedTrees: c.batchedTrees,
      sharedBatches: c.sharedBatches,
      batchDoubtTrees: c.batchDoubtTrees,
      sharedRuns: c.sharedRuns,
      flakyTests: [...this.flaky].sort(),
      workspacesOpened: c.workspacesOpened,
      checkouts: c.checkouts,
      sessionRuns: c.sessionRuns,
      plainRuns: c.plainRuns,
      sessionFailures: c.sessionFailures,
      sessionReruns: c.sessionReruns,
      passToPassRecheckedAlone: c.passToPassRecheckedAlone,
      passToPassPassingAlone: c.passToPassPassingAlone,
      baseRunsTimeLimited: c.baseRunsTimeLimited,
      sharedBatchFallbacks: c.sharedBatchFallbacks,
      treeBuilds: c.treeBuilds,
      treeBuildsCached: c.treeBuildsCached,
      treeBuildFailures: c.treeBuildFailures,
      treeBuildMs: c.treeBuildMs,
      batchTimes: [...this.batches],
      slowestTrees: this.slowestTrees(),
    };
  }
}
