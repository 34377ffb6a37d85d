import type { RejectRow } from '@swe-flow/core';
import type { Candidate } from '../emit.js';
import type { RunFailure, RunStatuses, VerifiedTask } from './types.js';

/**
 * The verification rules, as a function of test statuses only: what the original, the reference and the
 * base runs said in, a verified task or a reject with its reason out. Nothing here starts a runner; the
 * base run and the re-run of PASS_TO_PASS tests alone are asked for through `LaterRuns` only when the
 * rules get that far (a candidate rejected on its reference never waits for its base).
 */
export interface VerdictInput {
  candidate: Candidate;
  /** The PASS_TO_PASS tests that ran (the plan's choice); the others are proven unaffected. */
  p2pToRun: readonly string[];
  /** Runs of the original (and of an isolated task's reference). */
  reruns: number;
  original: RunStatuses;
  /** The one run of an incremental reference's own tree; absent when the reference is the original tree. */
  reference?: RunStatuses;
  /** Tests found flaky so far by any candidate: those this candidate finds are added at once. */
  flaky: Set<string>;
}

export interface LaterRuns {
  base(): Promise<RunStatuses>;
  /** PASS_TO_PASS tests that failed on base, run again on base without the failing FAIL_TO_PASS tests. */
  alone(ids: string[]): Promise<RunStatuses>;
}

export interface Verdict {
  /** Without `verifyMs`, which the caller measures. */
  task?: Omit<VerifiedTask, 'verifyMs'>;
  reject?: RejectRow;
  /** PASS_TO_PASS tests run again alone on base, and how many of them then passed. */
  recheckedAlone: number;
  passingAlone: number;
}

type Dropped = VerifiedTask['droppedFailToPass'];

/** A reason to reject, with the tests it names. */
export class Rejection extends Error {
  constructor(readonly reason: RejectRow['reason'], detail: string, readonly tests?: string[]) {
    super(detail);
  }
}

/** The reject row of a candidate. */
export function rejectRowOf(candidate: Candidate, rejection: Rejection): RejectRow {
  return {
    instance_id: candidate.instanceId, step: candidate.step, mode: candidate.mode,
    reason: rejection.reason, detail: rejection.message, ...(rejection.tests ? { tests: rejection.tests } : {}),
  };
}

/** How an unexpected error while running becomes a run failure. */
export function failureOf(error: unknown): RunFailure {
  if (error instanceof Rejection && (error.reason === 'timeout' || error.reason === 'infrastructure-error')) return { reason: error.reason, detail: error.message };
  return { reason: 'infrastructure-error', detail: `verification could not run: ${(error as Error).message}` };
}

function checked(run: RunStatuses): RunStatuses {
  if (run.error) throw new Rejection(run.error.reason, run.error.detail);
  return run;
}

interface ReferenceJudgement { f2pStable: string[]; p2pStable: string[]; dropped: Dropped }

/**
 * FAIL_TO_PASS must pass every run of the reference and PASS_TO_PASS too; a test that passes some runs
 * only (there, or on the original) is flaky: dropped from FAIL_TO_PASS, left out of PASS_TO_PASS.
 */
function judgeReference(input: VerdictInput): ReferenceJudgement {
  const original = checked(input.original);
  const reference = input.reference ? checked(input.reference) : original;
  const runs = input.reference ? 1 : input.reruns;
  const flakyOnOriginal = (id: string) => { const n = original.passes.get(id) ?? 0; return n > 0 && n < input.reruns; };
  const flakyHere = (id: string) => { const n = reference.passes.get(id) ?? 0; return flakyOnOriginal(id) || (n > 0 && n < runs); };
  const stable = (id: string) => (reference.passes.get(id) ?? 0) === runs;
  const dropped: Dropped = [];
  const f2pStable: string[] = [];
  const neverPassing: string[] = [];
  for (const id of input.candidate.failToPass) {
    if (flakyHere(id)) { dropped.push({ id, reason: 'flaky' }); input.flaky.add(id); }
    else if (stable(id)) f2pStable.push(id);
    else neverPassing.push(id);
  }
  if (neverPassing.length > 0) {
    throw new Rejection('f2p-failing-on-reference', `FAIL_TO_PASS tests do not pass on the reference: ${neverPassing.join('; ')}`, neverPassing);
  }
  if (f2pStable.length === 0) throw new Rejection('flaky', 'every FAIL_TO_PASS test is flaky on the reference', input.candidate.failToPass);
  const p2pStable: string[] = [];
  const p2pFailing: string[] = [];
  for (const id of input.p2pToRun) {
    if (flakyHere(id)) input.flaky.add(id);
    else if (stable(id)) p2pStable.push(id);
    else p2pFailing.push(id);
  }
  if (p2pFailing.length > 0) {
    throw new Rejection('p2p-failing-on-reference', `PASS_TO_PASS tests fail on the reference: ${p2pFailing.join('; ')}`, p2pFailing);
  }
  return { f2pStable, p2pStable, dropped };
}

interface BaseJudgement { failToPass: string[]; movedToP2P: string[]; broken: string[] }

/** FAIL_TO_PASS must fail on base (one that passes moves to PASS_TO_PASS); PASS_TO_PASS must pass there. */
function judgeBase(ref: ReferenceJudgement, base: RunStatuses): BaseJudgement {
  checked(base);
  const failToPass: string[] = [];
  const movedToP2P: string[] = [];
  for (const id of ref.f2pStable) {
    if (base.last.get(id) === 'passed') { movedToP2P.push(id); ref.dropped.push({ id, reason: 'passes-on-base' }); }
    else failToPass.push(id);
  }
  if (failToPass.length === 0) {
    throw new Rejection('f2p-passing-on-base', `every FAIL_TO_PASS test already passes on base: ${movedToP2P.join('; ')}`, movedToP2P);
  }
  return { failToPass, movedToP2P, broken: ref.p2pStable.filter((id) => base.last.get(id) !== 'passed') };
}

/**
 * Judges one candidate. A FAIL_TO_PASS test (or another test the filter lets through) that throws on base
 * skips its own clean-up, and the global state it leaves behind (process.env, process.argv) sends later
 * tests of the same process down paths they never take on the original: commander's options.env and
 * command.parse tests. Such a PASS_TO_PASS test does not use the stubs itself: the broken ones run again
 * on base without the failing tests, and only what still fails rejects the candidate.
 */
export async function judge(input: VerdictInput, later: LaterRuns): Promise<Verdict> {
  const verdict: Verdict = { recheckedAlone: 0, passingAlone: 0 };
  try {
    const ref = judgeReference(input);
    const base = judgeBase(ref, await later.base());
    let broken = base.broken;
    if (broken.length > 0) {
      verdict.recheckedAlone = broken.length;
      const alone = checked(await later.alone(broken));
      const stillBroken = broken.filter((id) => alone.last.get(id) !== 'passed');
      verdict.passingAlone = broken.length - stillBroken.length;
      broken = stillBroken;
    }
    if (broken.length > 0) {
      throw new Rejection('p2p-broken-on-base', `PASS_TO_PASS tests fail on base (the stubs break earlier steps): ${broken.join('; ')}`, broken);
    }
    verdict.task = verifiedTaskOf(input, ref, base);
  } catch (error) {
    if (!(error instanceof Rejection)) throw error;
    verdict.reject = rejectRowOf(input.candidate, error);
  }
  return verdict;
}

function verifiedTaskOf(input: VerdictInput, ref: ReferenceJudgement, base: BaseJudgement): Omit<VerifiedTask, 'verifyMs'> {
  const run = new Set(input.p2pToRun);
  const unaffected = input.candidate.passToPass.filter((id) => !run.has(id) && !input.flaky.has(id));
  return {
    candidate: input.candidate,
    failToPass: base.failToPass,
    passToPass: [...ref.p2pStable, ...base.movedToP2P, ...unaffected].sort(),
    droppedFailToPass: ref.dropped,
    passToPassRun: input.p2pToRun.length,
    passToPassProvenUnaffected: unaffected.length,
  };
}

