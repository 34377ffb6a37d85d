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
  /**
   * Named units (absent when built with `units: false`): the core nodes are units, each the named
   * function, method or class member that holds the anonymous functions, callbacks and nested helpers
   * the trace saw run (their edges are mapped onto it).
   */
  units?: {
    /** Unit id → the functions it holds, itself included (only units holding more than themselves). */
    members: Record<string, string[]>;
    /** Units that ran at module load and hold nothing that ran later: never developed. */
    moduleLoad: string[];
    /** Core nodes without a stably named function around them (an IIFE, a module-level callback): never developed alone. */
    anonymous: string[];
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
  /** Lines the step's functions add (the `nodeLines` option summed); absent when no sizes were given. */
  lines?: number;
  /** Functions on the longest core → core call chain one of its developed functions starts (1 = calls no core function). */
  callDepth?: number;
  /** Distinct functions (test or core, outside the step) that call a developed function in the merged RDG. */
  callers?: number;
  /** How many steps the size floor merged into this one (absent or 1: none). */
  mergedSteps?: number;
  /**
   * The steps the size floor merged into this one, unmerged and in schedule order (absent when none).
   * When this step is rejected, each part is tried as a task of its own (isolated mode), so a merge
   * never loses a task its parts would have given. Parts are numbered after the schedule's last step.
   */
  parts?: ScheduleStep[];
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
  /**
   * Core nodes (units) never developed, kept whole in every base: their solution is readable in the
   * task environment (a copy in the installed dependencies), so a task asking for one would be
   * rejected `solution-reachable` and take the functions merged with it along.
   */
  kept?: string[];
  /**
   * Size floor: a step whose functions add fewer lines than this (per `nodeLines`) is merged into the
   * neighbouring step that shares tests or callers with it. Needs `nodeLines`; 0 or absent: off.
   */
  minStepLines?: number;
  /** Added lines per core function id (its body's non-blank lines); not written to schedule.json. */
  nodeLines?: Record<string, number>;
}

export interface SkippedGroup {
  testIds: string[];
  reason: 'no-new-functions' | 'too-many-functions' | 'too-few-functions' | 'only-frozen-functions' | 'only-anonymous-functions' | 'no-core-nodes';
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
  /** Steps the size floor merged into a neighbour (absent when the floor is off). */
  mergedBelowFloor?: number;
}

export interface ScheduleJson {
  schemaVersion: typeof SCHEDULE_SCHEMA_VERSION;
  options: ScheduleOptions;
  steps: ScheduleStep[];
  skipped: SkippedGroup[];
  stats: ScheduleStats;
}
