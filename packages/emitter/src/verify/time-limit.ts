import type { Workspace } from '@swe-flow/core';
import { baseTestTimeout, testTimeLimitScope, type BaseTimeLimit, type TestTimeLimitScope } from '@swe-flow/tracer';
import { fileOf } from './plan.js';

/**
 * The per-test limit of base runs: `factor` times the traced duration of the slowest test of the run, at
 * least a floor, where the workspace's runner has a per-test (or per-file) limit. One per verification;
 * the runner's scope is read once, from the first workspace that asks.
 */
export class BaseTimeLimits {
  private scope?: Promise<TestTimeLimitScope | undefined>;

  constructor(private readonly runner: string, private readonly durations: ReadonlyMap<string, number>, private readonly limit: BaseTimeLimit) {}

  /** The limit for a base run of `testIds` in `ws`; undefined: the repository's own limits. */
  async forRun(ws: Workspace, testIds: Iterable<string>): Promise<number | undefined> {
    this.scope ??= testTimeLimitScope(this.runner, ws);
    const scope = await this.scope;
    return scope ? baseTestTimeout(testIds, this.durations, scope, this.limit, fileOf) : undefined;
  }
}
