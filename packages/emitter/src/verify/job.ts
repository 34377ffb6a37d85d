import type { PlannedRun } from './plan.js';
import type { RunStatuses } from './types.js';

/** A planned run in the queue, with the promise its users wait on. */
export class Job {
  readonly result: Promise<RunStatuses>;
  private settle!: (r: RunStatuses) => void;

  constructor(readonly run: PlannedRun) {
    this.result = new Promise<RunStatuses>((resolve) => { this.settle = resolve; });
  }

  get commit(): string { return this.run.commit; }
  get label(): string { return this.run.label; }
  get ids(): ReadonlySet<string> { return this.run.ids; }
  get files(): ReadonlySet<string> { return this.run.files; }
  /** Only bases use it: its tests may be limited from their traced durations. */
  get baseOnly(): boolean { return this.run.baseOnly; }

  resolve(statuses: RunStatuses): void {
    this.settle(statuses);
  }
}
