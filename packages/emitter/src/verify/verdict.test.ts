import { describe, expect, it } from 'vitest';
import type { RejectReason, TestStatus } from '@swe-flow/core';
import type { Candidate } from '../emit.js';
import type { RunFailure, RunStatuses } from './types.js';
import { judge, type Verdict } from './verdict.js';

const F1 = 'test/a.test.ts > adds';
const F2 = 'test/a.test.ts > subtracts';
const P1 = 'test/a.test.ts > parses';
const P2 = 'test/b.test.ts > formats';
const U1 = 'test/c.test.ts > unrelated';

const candidate = (mode: Candidate['mode'] = 'isolated'): Candidate => ({
  instanceId: `o__r-${mode}-1`, mode, step: 1, baseCommit: 'b', referenceCommit: 'r', originalCommit: 'o', patch: '',
  changedFiles: ['src/a.ts'], nodesToDevelop: [], targetCore: [], dependentCore: [],
  failToPass: [F1, F2], passToPass: [P1, P2, U1], testFiles: ['test/a.test.ts'], patchTokens: 10,
});

/** Statuses as the table writes them: per test, the statuses of each run (the last one is `last`). */
type Runs = Record<string, (TestStatus | 'missing')[]>;
const statuses = (runs: Runs, error?: RunFailure): RunStatuses => ({
  passes: new Map(Object.entries(runs).map(([id, r]) => [id, r.filter((s) => s === 'passed').length])),
  last: new Map(Object.entries(runs).map(([id, r]) => [id, r.at(-1)!])),
  ...(error ? { error } : {}),
});
const pass3 = ['passed', 'passed', 'passed'] as const;
const goodOriginal: Runs = { [F1]: [...pass3], [F2]: [...pass3], [P1]: [...pass3], [P2]: [...pass3], [U1]: [...pass3] };
const goodBase: Runs = { [F1]: ['failed'], [F2]: ['failed'], [P1]: ['passed'], [P2]: ['passed'] };
const timeout: RunFailure = { reason: 'timeout', detail: 'tests on x did not finish within 10 ms' };
const infra: RunFailure = { reason: 'infrastructure-error', detail: 'verification could not run: git checkout failed' };

interface Case {
  name: string;
  mode?: Candidate['mode'];
  original?: Runs;
  originalError?: RunFailure;
  reference?: Runs;
  referenceError?: RunFailure;
  base?: Runs;
  baseError?: RunFailure;
  alone?: Runs;
  aloneError?: RunFailure;
  /** Expected reject reason and the tests it names; or, verified, what the task holds. */
  reason?: RejectReason;
  tests?: string[];
  failToPass?: string[];
  passToPass?: string[];
  dropped?: Verdict['task'] extends infer T ? T extends { droppedFailToPass: infer D } ? D : never : never;
  /** Whether the base run and the alone run are asked for. */
  asksBase: boolean;
  asksAlone?: string[];
}

const cases: Case[] = [
  { name: 'verified', failToPass: [F1, F2], passToPass: [P1, P2, U1], dropped: [], asksBase: true },
  { name: 'a FAIL_TO_PASS test that never passes on the reference', original: { ...goodOriginal, [F2]: ['failed', 'failed', 'failed'] }, reason: 'f2p-failing-on-reference', tests: [F2], asksBase: false },
  { name: 'a FAIL_TO_PASS test missing on the reference', original: { ...goodOriginal, [F1]: ['missing', 'missing', 'missing'] }, reason: 'f2p-failing-on-reference', tests: [F1], asksBase: false },
  { name: 'every FAIL_TO_PASS test flaky', original: { ...goodOriginal, [F1]: ['passed', 'failed', 'passed'], [F2]: ['failed', 'passed', 'passed'] }, reason: 'flaky', tests: [F1, F2], asksBase: false },
  { name: 'one FAIL_TO_PASS test flaky: dropped', original: { ...goodOriginal, [F2]: ['passed', 'failed', 'passed'] }, failToPass: [F1], passToPass: [P1, P2, U1], dropped: [{ id: F2, reason: 'flaky' }], asksBase: true },
  { name: 'a PASS_TO_PASS test failing on the reference', original: { ...goodOriginal, [P2]: ['failed', 'failed', 'failed'] }, reason: 'p2p-failing-on-reference', tests: [P2], asksBase: false },
  { name: 'a flaky PASS_TO_PASS test: left out', original: { ...goodOriginal, [P2]: ['failed', 'passed', 'passed'] }, failToPass: [F1, F2], passToPass: [P1, U1], dropped: [], asksBase: true },
  { name: 'every FAIL_TO_PASS test passing on base', base: { ...goodBase, [F1]: ['passed'], [F2]: ['passed'] }, reason: 'f2p-passing-on-base', tests: [F1, F2], asksBase: true },
  { name: 'one FAIL_TO_PASS test passing on base: moved to PASS_TO_PASS', base: { ...goodBase, [F2]: ['passed'] }, failToPass: [F1], passToPass: [P1, F2, P2, U1], dropped: [{ id: F2, reason: 'passes-on-base' }], asksBase: true },
  { name: 'a PASS_TO_PASS test broken on base, also alone', base: { ...goodBase, [P1]: ['failed'] }, alone: { [P1]: ['failed'] }, reason: 'p2p-broken-on-base', tests: [P1], asksBase: true, asksAlone: [P1] },
  { name: 'a PASS_TO_PASS test broken on base that passes alone', base: { ...goodBase, [P1]: ['failed'] }, alone: { [P1]: ['passed'] }, failToPass: [F1, F2], passToPass: [P1, P2, U1], dropped: [], asksBase: true, asksAlone: [P1] },
  { name: 'the original timed out', originalError: timeout, reason: 'timeout', asksBase: false },
  { name: 'the original could not run', originalError: infra, reason: 'infrastructure-error', asksBase: false },
  { name: 'the incremental reference timed out', mode: 'incremental', reference: {}, referenceError: timeout, reason: 'timeout', asksBase: false },
  { name: 'an incremental reference failing a FAIL_TO_PASS test', mode: 'incremental', reference: { ...goodBase, [P1]: ['passed'], [F1]: ['passed'] }, reason: 'f2p-failing-on-reference', tests: [F2], asksBase: false },
  { name: 'an incremental reference passing once where the original is flaky', mode: 'incremental', original: { ...goodOriginal, [F1]: ['passed', 'failed', 'passed'] }, reference: { [F1]: ['passed'], [F2]: ['passed'], [P1]: ['passed'], [P2]: ['passed'] }, failToPass: [F2], passToPass: [P1, P2, U1], dropped: [{ id: F1, reason: 'flaky' }], asksBase: true },
  { name: 'the base timed out', baseError: timeout, reason: 'timeout', asksBase: true },
  { name: 'the base could not run', baseError: infra, reason: 'infrastructure-error', asksBase: true },
  { name: 'the PASS_TO_PASS run alone could not run', base: { ...goodBase, [P1]: ['failed'] }, aloneError: infra, reason: 'infrastructure-error', asksBase: true, asksAlone: [P1] },
];

describe('judge: statuses in, verdict out (no runner)', () => {
  it.each(cases)('$name', async (c) => {
    const asked: string[] = [];
    let askedAlone: string[] | undefined;
    const verdict = await judge({
      candidate: candidate(c.mode),
      // U1 is proven unaffected: it does not run.
      p2pToRun: [P1, P2],
      reruns: 3,
      original: statuses(c.original ?? goodOriginal, c.originalError),
      ...(c.reference ? { reference: statuses(c.reference, c.referenceError) } : {}),
      flaky: new Set(),
    }, {
      base: async () => { asked.push('base'); return statuses(c.base ?? goodBase, c.baseError); },
      alone: async (ids) => { askedAlone = ids; return statuses(c.alone ?? {}, c.aloneError); },
    });
    expect(asked.length > 0).toBe(c.asksBase);
    expect(askedAlone).toEqual(c.asksAlone);
    if (c.reason) {
      expect(verdict.task).toBeUndefined();
      expect(verdict.reject).toMatchObject({ instance_id: candidate(c.mode).instanceId, step: 1, reason: c.reason });
      if (c.tests) expect(verdict.reject!.tests).toEqual(c.tests);
      const error = c.originalError ?? c.referenceError ?? c.baseError ?? c.aloneError;
      if (error) expect(verdict.reject!.detail).toBe(error.detail);
    } else {
      expect(verdict.reject).toBeUndefined();
      expect(verdict.task).toMatchObject({ failToPass: c.failToPass, passToPass: c.passToPass, droppedFailToPass: c.dropped, passToPassRun: 2 });
    }
  });

  it('covers every reason verification rejects with', () => {
    const reasons = new Set(cases.map((c) => c.reason).filter(Boolean));
    expect([...reasons].sort()).toEqual(['f2p-failing-on-reference', 'f2p-passing-on-base', 'flaky', 'infrastructure-error', 'p2p-broken-on-base', 'p2p-failing-on-reference', 'timeout']);
  });

  it('adds the tests it finds flaky to the shared set, and leaves those out of the unaffected PASS_TO_PASS', async () => {
    const flaky = new Set([U1]);
    const verdict = await judge({
      candidate: candidate(), p2pToRun: [P1, P2], reruns: 3, flaky,
      original: statuses({ ...goodOriginal, [F2]: ['failed', 'passed', 'passed'] }),
    }, { base: async () => statuses(goodBase), alone: async () => statuses({}) });
    expect([...flaky].sort()).toEqual([F2, U1]);
    expect(verdict.task!.passToPass).toEqual([P1, P2]);
    expect(verdict.task!.passToPassProvenUnaffected).toBe(0);
  });

  it('counts PASS_TO_PASS tests re-run alone and those that then passed', async () => {
    const verdict = await judge({ candidate: candidate(), p2pToRun: [P1, P2], reruns: 3, flaky: new Set(), original: statuses(goodOriginal) }, {
      base: async () => statuses({ ...goodBase, [P1]: ['failed'], [P2]: ['failed'] }),
      alone: async () => statuses({ [P1]: ['passed'], [P2]: ['failed'] }),
    });
    expect(verdict).toMatchObject({ recheckedAlone: 2, passingAlone: 1, reject: { reason: 'p2p-broken-on-base', tests: [P2] } });
  });
});
