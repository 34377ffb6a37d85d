import { parseTestId, type TestSelection } from '@swe-flow/core';
import { affectedTestFiles, type ImportGraph } from '../affected.js';
import type { Candidate } from '../emit.js';
import type { ChangedFunctions } from '../stub-sets.js';

/** The test file of a test id. */
export const fileOf = (id: string): string => parseTestId(id).file;

/** The test files of test ids, sorted. */
export function filesOf(ids: Iterable<string>): string[] {
  return [...new Set([...ids].map(fileOf))].sort();
}

export interface PassToPassOptions {
  /** Run every PASS_TO_PASS test. */
  fullPassToPass?: boolean;
  importGraph?: ImportGraph;
  testFunctions?: ReadonlyMap<string, ReadonlySet<string>>;
  changedFunctions?: ChangedFunctions;
  /** The runner type-checks as it loads (ts-jest): a stub a file only imports can fail the whole file. */
  typeChecks: boolean;
}

/**
 * Which PASS_TO_PASS tests can a candidate's trees change? Tests in the files that run anyway (those of
 * the FAIL_TO_PASS tests) always run. With the trace and the trees' stubbed functions known, a test runs
 * when its traced run called a function the base changes; otherwise when its file imports a changed
 * file. Runners that type-check as they load (ts-jest) can fail a whole file over a stub it only
 * imports, so there the import rule applies as well. `provenByTrace`: tests left out by the trace rule.
 */
export function passToPassToRun(candidate: Candidate, options: PassToPassOptions): { run: string[]; provenByTrace: number } {
  const f2pFiles = new Set(candidate.failToPass.map(fileOf));
  if (options.fullPassToPass) return { run: [...candidate.passToPass], provenByTrace: 0 };
  const p2pFiles = [...new Set(candidate.passToPass.map(fileOf))];
  const importAffected = () => options.importGraph
    ? affectedTestFiles(options.importGraph, p2pFiles, new Set(candidate.changedFiles))
    : new Set(p2pFiles);
  const testFunctions = options.testFunctions;
  const changed = testFunctions ? options.changedFunctions?.(candidate, 'base') : undefined;
  if (!changed || !testFunctions) {
    const affected = importAffected();
    return { run: candidate.passToPass.filter((id) => f2pFiles.has(fileOf(id)) || affected.has(fileOf(id))), provenByTrace: 0 };
  }
  const imports = options.typeChecks ? importAffected() : new Set<string>();
  const touches = (id: string) => {
    const fns = testFunctions.get(id);
    if (!fns) return true; // not in the trace: nothing proves it unaffected
    for (const fn of fns) if (changed.has(fn)) return true;
    return false;
  };
  const run = candidate.passToPass.filter((id) => f2pFiles.has(fileOf(id)) || imports.has(fileOf(id)) || touches(id));
  return { run, provenByTrace: candidate.passToPass.length - run.length };
}

/** Every test any candidate names, for the runs of the original. */
export function originalSelection(candidates: readonly Candidate[]): TestSelection {
  const allIds = [...new Set(candidates.flatMap((c) => [...c.failToPass, ...c.passToPass]))];
  return { files: filesOf(allIds), testIds: allIds };
}

/** One run of one tree, shared by every candidate that needs that tree; their selections merged. */
export interface PlannedRun {
  commit: string;
  /** The first user's name for it, for logs. */
  label: string;
  ids: Set<string>;
  files: Set<string>;
  /** Every user of the run is a base: it may get a per-test limit from the traced durations. */
  baseOnly: boolean;
}

export interface CandidatePlan {
  candidate: Candidate;
  p2pToRun: string[];
  /** The run of an incremental reference's own tree; absent when the reference is the original tree. */
  reference?: PlannedRun;
  base: PlannedRun;
}

export interface VerifyPlan {
  /** Distinct trees to run, in the order to queue them. */
  runs: PlannedRun[];
  /** The original's run among `runs`, when it is made once as one of them. */
  original?: PlannedRun;
  candidates: CandidatePlan[];
  /** Candidate runs answered by a run of the same tree made for another candidate. */
  sharedRuns: number;
  passToPassProvenByTrace: number;
}

export interface PlanOptions extends PassToPassOptions {
  /** Git tree id per commit: commits of one tree share one run (incremental step k's reference is step k+1's base). */
  trees: ReadonlyMap<string, string>;
  /** Run the original once as one of the runs (else the caller runs it repeatedly before anything else). */
  originalInRuns: boolean;
}

export function newRun(commit: string, label: string, selection: TestSelection, baseOnly = false): PlannedRun {
  return { commit, label, ids: new Set(selection.testIds), files: new Set(selection.files), baseOnly };
}

/**
 * Which trees to run with which tests: every candidate's base and incremental reference, merged per
 * git tree, in candidate order, and for each candidate the PASS_TO_PASS tests that need to run.
 */
export function planVerification(candidates: readonly Candidate[], options: PlanOptions): VerifyPlan {
  const byTree = new Map<string, PlannedRun>();
  const plan: VerifyPlan = { runs: [], candidates: [], sharedRuns: 0, passToPassProvenByTrace: 0 };
  const runFor = (commit: string, label: string, selection: TestSelection, base = false): PlannedRun => {
    const key = options.trees.get(commit) ?? commit;
    const existing = byTree.get(key);
    if (!existing) {
      const run = newRun(commit, label, selection, base);
      byTree.set(key, run);
      plan.runs.push(run);
      return run;
    }
    plan.sharedRuns++;
    // A tree that is also a reference (incremental step k+1's base is step k's reference) keeps generous limits.
    existing.baseOnly &&= base;
    for (const id of selection.testIds) existing.ids.add(id);
    for (const f of selection.files) existing.files.add(f);
    return existing;
  };
  if (options.originalInRuns && candidates.length > 0) plan.original = runFor(candidates[0]!.originalCommit, 'original', originalSelection(candidates));
  const originalTree = options.trees.get(candidates[0]?.originalCommit ?? '');
  for (const candidate of candidates) {
    const { run: p2pToRun, provenByTrace } = passToPassToRun(candidate, options);
    plan.passToPassProvenByTrace += provenByTrace;
    const selection: TestSelection = { files: filesOf([...candidate.failToPass, ...p2pToRun]), testIds: [...candidate.failToPass, ...p2pToRun] };
    const refOnOriginal = candidate.mode === 'isolated' || (originalTree !== undefined && options.trees.get(candidate.referenceCommit) === originalTree);
    const reference = refOnOriginal ? undefined : runFor(candidate.referenceCommit, `${candidate.instanceId} reference`, selection);
    const base = runFor(candidate.baseCommit, `${candidate.instanceId} base`, selection, true);
    plan.candidates.push({ candidate, p2pToRun, ...(reference ? { reference } : {}), base });
  }
  return plan;
}
