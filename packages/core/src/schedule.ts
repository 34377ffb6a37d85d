/** The RDG and schedule contracts: `rdg.json` and `schedule.json`. */

export const SCHEDULE_SCHEMA_VERSION = 1;

export interface TestRdg {
  testId: string;
  testFile: string;
  /** Functions defined in test files or test helpers that ran for this test. */
  testNodes: string[];
  /** All core (source) functions the test reached, sorted. */
  coreNodes: string[];
  /** Core functions called directly from test code or from the file's setup. */
  targetCore: string[];
  /** coreNodes minus targetCore. */
  dependentCore: string[];
  /** Edges among the nodes above, sorted. */
  edges: [caller: string, callee: string][];
}

export interface RdgJson {
  schemaVersion: typeof SCHEDULE_SCHEMA_VERSION;
  tests: TestRdg[];
  merged: {
    nodes: { id: string; role: 'test' | 'core' }[];
    edges: [caller: string, callee: string, count: number][];
  };
}

export interface ScheduleStep {
  /** 1-based position in the schedule. */
  step: number;
  testIds: string[];
  targetCore: string[];
  dependentCore: string[];
  /** Core functions first developed in this step. */
  nodesToDevelop: string[];
  /** Core functions this step's tests reach that earlier steps developed. */
  reusedNodes: string[];
  /** Edges among the step's core nodes (its dependency subgraph). */
  subgraph: [caller: string, callee: string][];
}

export interface ScheduleOptions {
  /** Steps with more functions to develop than this are rejected (recorded as skipped groups). */
  maxFunctionsPerStep?: number;
  /** Steps with fewer functions to develop than this are merged forward or dropped. */
  minFunctionsPerStep?: number;
  /** `dependency` (callees first; default) or `paper` (ascending core-node count only). */
  order?: 'dependency' | 'paper';
  /** Functions that must never be stubbed (e.g. called at module load). */
  frozen?: string[];
}

export interface SkippedGroup {
  testIds: string[];
  reason: 'no-new-functions' | 'too-many-functions' | 'too-few-functions' | 'only-frozen-functions' | 'no-core-nodes';
  coreNodes: string[];
}

export interface ScheduleStats {
  tests: number;
  groups: number;
  steps: number;
  coreNodes: number;
  developedNodes: number;
  edges: number;
  functionsPerStep: { min: number; median: number; max: number; mean: number };
  dependencyDepth: number;
}

export interface ScheduleJson {
  schemaVersion: typeof SCHEDULE_SCHEMA_VERSION;
  options: ScheduleOptions;
  steps: ScheduleStep[];
  skipped: SkippedGroup[];
  stats: ScheduleStats;
}
