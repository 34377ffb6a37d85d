import {
  silentLogger,
  type Logger,
  type TestRunOutcome,
  type RejectRow,
  type Runtime,
  type TestSelection,
  type TestStatus,
  type Workspace,
} from '@swe-flow/core';
import { hasSession, openSession, type TestSession } from '@swe-flow/tracer';
import { affectedTestFiles, type ImportGraph } from './affected.js';
import type { Candidate } from './emit.js';
import { runTests, statusMap, type TestCommandAdapter } from './run-tests.js';

export interface VerifyOptions {
  runtime: Runtime;
  adapter: TestCommandAdapter;
  /** Host path of the task git repository. */
  taskRepo: string;
  /** The installed copy whose node_modules local workspaces use. */
  dependenciesDir?: string;
  /** Environment image for the docker runtime. */
  image?: string;
  /**
   * Runs of the original tree (every isolated task's reference); a test that does not pass every time
   * is flaky and dropped. Incremental references run once, with flakiness taken from these runs.
   */
  reruns?: number;
  /** Limit for one test run. */
  timeoutMs?: number;
  workers?: number;
  /** Run every PASS_TO_PASS test instead of only those in files that import a changed file. */
  fullPassToPass?: boolean;
  importGraph?: ImportGraph;
  /**
   * Keep the runner warm: one long-lived runner session per worker workspace reruns the selected files
   * after a checkout, instead of a new runner process per run. Default on for runners that have a
   * session (vitest) on runtimes that can keep a process alive; anything doubtful is re-run plainly.
   */
  warm?: boolean;
  logger?: Logger;
  /** Called as soon as each candidate is settled (verified or rejected), e.g. to keep it on disk. */
  onSettled?: (outcome: VerifiedTask | RejectRow, done: number, total: number) => void | Promise<void>;
}

export interface VerifiedTask {
  candidate: Candidate;
  failToPass: string[];
  passToPass: string[];
  /** Tests dropped from FAIL_TO_PASS: they already pass on base (moved to PASS_TO_PASS) or are flaky. */
  droppedFailToPass: { id: string; reason: 'passes-on-base' | 'flaky' }[];
  passToPassRun: number;
  passToPassProvenUnaffected: number;
  verifyMs: number;
}

export interface VerifyStats {
  candidates: number;
  verified: number;
  rejected: number;
  testRuns: number;
  passToPassRun: number;
  passToPassProvenUnaffected: number;
  flakyTests: string[];
  /** Workspaces opened (one per worker, moved between commits). */
  workspacesOpened: number;
  /** Moves of a workspace to another commit. */
  checkouts: number;
  /** Runs answered by a warm session, and runs made as plain runner processes. */
  sessionRuns: number;
  plainRuns: number;
  /** Sessions that failed to start or crashed, and session runs re-run plainly out of doubt. */
  sessionFailures: number;
  sessionReruns: number;
  /**
   * PASS_TO_PASS tests that failed on base next to the failing FAIL_TO_PASS tests and were run again
   * alone there; and how many of them then passed (state leaked by a failing test, not a broken stub).
   */
  passToPassRecheckedAlone: number;
  passToPassPassingAlone: number;
}

export interface VerifyResult {
  verified: VerifiedTask[];
  rejects: RejectRow[];
  stats: VerifyStats;
}

const fileOf = (id: string) => id.split(' > ')[0]!;

class Rejection extends Error {
  constructor(readonly reason: RejectRow['reason'], detail: string, readonly tests?: string[]) {
    super(detail);
  }
}

/** Runs `fn` over items with at most `limit` in flight, keeping results in input order. */
export async function mapPool<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

/**
 * Verifies every candidate by running it: FAIL_TO_PASS must fail on base and pass on the reference
 * in every rerun; PASS_TO_PASS must pass on both. Tests that pass only sometimes on the reference are
 * flaky and dropped. Every candidate that fails is returned as a reject with a reason.
 */
export async function verifyCandidates(candidates: readonly Candidate[], options: VerifyOptions): Promise<VerifyResult> {
  const logger = options.logger ?? silentLogger;
  const reruns = Math.max(1, options.reruns ?? 3);
  const timeoutMs = options.timeoutMs ?? 5 * 60_000;
  let testRuns = 0;

  const warm = (options.warm ?? true) && hasSession(options.adapter.name);
  let workspacesOpened = 0;
  let checkouts = 0;
  let sessionRuns = 0;
  let plainRuns = 0;
  let sessionFailures = 0;
  let sessionReruns = 0;
  let p2pRecheckedAlone = 0;
  let p2pPassingAlone = 0;

  /**
   * One worker's workspace, opened once and moved between commits (`git checkout -f` + `git clean`,
   * keeping node_modules and the .swe-flow work dir), with its warm session when there is one.
   */
  interface Lane { ws?: Workspace; head?: string; session?: TestSession; sessionBroken?: boolean; changed: string[] }
  const lanes: Lane[] = [];
  const git = async (ws: Workspace, args: string[]) => {
    const r = await ws.exec({ command: 'git', args }, { timeoutMs: 120_000 });
    if (r.exitCode !== 0) throw new Error(`git ${args.join(' ')} failed in the workspace: ${r.stderr.trim()}`);
    return r.stdout;
  };
  const moveTo = async (lane: Lane, commit: string, label: string): Promise<Workspace> => {
    if (!lane.ws) {
      workspacesOpened++;
      lane.ws = await options.runtime.open({
        taskRepo: options.taskRepo,
        commit,
        label,
        ...(options.dependenciesDir ? { dependenciesDir: options.dependenciesDir } : {}),
        ...(options.image ? { image: options.image } : {}),
      });
      lane.head = commit;
      lane.changed = [];
      return lane.ws;
    }
    if (lane.head !== commit) {
      checkouts++;
      const ws = lane.ws;
      await git(ws, ['-c', 'advice.detachedHead=false', 'checkout', '-f', '-q', '--detach', commit]);
      await git(ws, ['clean', '-fdq', '-e', 'node_modules', '-e', '.swe-flow']);
      // Files the warm session must reload; accumulated until the next session run.
      if (lane.session && lane.head) {
        const diff = await git(ws, ['diff', '--name-only', '--no-renames', lane.head, commit]);
        lane.changed.push(...diff.split('\n').filter(Boolean));
      }
      lane.head = commit;
    }
    return lane.ws;
  };
  const sessionOf = async (lane: Lane): Promise<TestSession | undefined> => {
    if (!warm || lane.sessionBroken || !lane.ws) return undefined;
    if (lane.session) return lane.session;
    try {
      lane.session = await openSession(lane.ws, options.adapter.name, { runTimeoutMs: timeoutMs });
      lane.changed = [];
      if (!lane.session) lane.sessionBroken = true;
    } catch (error) {
      sessionFailures++;
      lane.sessionBroken = true;
      logger.warn(`warm ${options.adapter.name} session unavailable; plain runs instead: ${(error as Error).message}`);
    }
    return lane.session;
  };
  const dropSession = async (lane: Lane) => {
    const s = lane.session;
    lane.session = undefined;
    lane.sessionBroken = true;
    await s?.close().catch(() => {});
  };
  /** One run of a selection: through the warm session when it has one and the answer is beyond doubt. */
  const runOnce = async (lane: Lane, ws: Workspace, selection: TestSelection): Promise<TestRunOutcome> => {
    const session = await sessionOf(lane);
    if (session) {
      const started = Date.now();
      try {
        const changed = lane.changed;
        lane.changed = [];
        const results = await session.run(selection, [...new Set(changed)]);
        const reported = new Set(results.map((r) => r.id));
        const missing = selection.testIds.filter((id) => !reported.has(id));
        if (missing.length === 0) {
          sessionRuns++;
          return { results, missing, exitCode: 0, timedOut: false, durationMs: Date.now() - started, logTail: '' };
        }
        // A requested test the session did not report: let a plain run say whether it is really missing.
        sessionReruns++;
      } catch (error) {
        sessionFailures++;
        logger.warn(`warm ${options.adapter.name} session failed; plain runs from now on in this worker: ${(error as Error).message}`);
        await dropSession(lane);
      }
    }
    plainRuns++;
    return runTests(ws, options.adapter, selection, timeoutMs);
  };

  /** Runs the selection `times` times on a commit: per test, how many runs it passed and its last status. */
  const runRepeated = async (lane: Lane, commit: string, label: string, selection: TestSelection, times: number) => {
    const passes = new Map<string, number>();
    const last = new Map<string, TestStatus | 'missing'>();
    const ws = await moveTo(lane, commit, label);
    for (let i = 0; i < times; i++) {
      testRuns++;
      const outcome = await runOnce(lane, ws, selection);
      if (outcome.timedOut) throw new Rejection('timeout', `tests on ${label} did not finish within ${timeoutMs} ms`);
      for (const [id, status] of statusMap(outcome)) {
        last.set(id, status);
        if (status === 'passed') passes.set(id, (passes.get(id) ?? 0) + 1);
      }
      for (const id of outcome.missing) last.set(id, 'missing');
    }
    return { passes, last };
  };

  // The original tree is run `reruns` times once, for all candidates: it is every isolated task's
  // reference, and the tests that do not pass every time there are flaky everywhere.
  let baseline: Promise<Awaited<ReturnType<typeof runRepeated>>> | undefined;
  const originalRuns = (lane: Lane) => {
    if (!baseline) {
      const first = candidates[0]!;
      const allIds = [...new Set(candidates.flatMap((c) => [...c.failToPass, ...c.passToPass]))];
      const allFiles = [...new Set(allIds.map(fileOf))].sort();
      baseline = runRepeated(lane, first.originalCommit, 'original', { files: allFiles, testIds: allIds }, reruns);
    }
    return baseline;
  };

  const flaky = new Set<string>();
  let done = 0;
  const settle = async (candidate: Candidate, lane: Lane): Promise<VerifiedTask | RejectRow> => {
    const outcome = await settleOne(candidate, lane);
    done++;
    await options.onSettled?.(outcome, done, candidates.length);
    logger.debug(`verified ${candidate.instanceId} (${done}/${candidates.length})`);
    return outcome;
  };
  const settleOne = async (candidate: Candidate, lane: Lane): Promise<VerifiedTask | RejectRow> => {
    const started = Date.now();
    try {
      // Which PASS_TO_PASS tests can this step affect?
      const f2pFiles = new Set(candidate.failToPass.map(fileOf));
      const p2pFiles = [...new Set(candidate.passToPass.map(fileOf))];
      const affected = options.fullPassToPass || !options.importGraph
        ? new Set(p2pFiles)
        : affectedTestFiles(options.importGraph, p2pFiles, new Set(candidate.changedFiles));
      const p2pToRun = candidate.passToPass.filter((id) => f2pFiles.has(fileOf(id)) || affected.has(fileOf(id)));
      const selection: TestSelection = {
        files: [...new Set([...f2pFiles, ...p2pToRun.map(fileOf)])].sort(),
        testIds: [...candidate.failToPass, ...p2pToRun],
      };

      // Reference: the original's N runs for isolated tasks; one run of an incremental reference, with
      // flakiness taken from the original's runs.
      const original = await originalRuns(lane);
      const isFlakyOnOriginal = (id: string) => { const n = original.passes.get(id) ?? 0; return n > 0 && n < reruns; };
      const reference = candidate.mode === 'isolated'
        ? original
        : await runRepeated(lane, candidate.referenceCommit, `${candidate.instanceId} reference`, selection, 1);
      const runs = candidate.mode === 'isolated' ? reruns : 1;
      const dropped: VerifiedTask['droppedFailToPass'] = [];
      const f2pStable: string[] = [];
      const neverPassing: string[] = [];
      for (const id of candidate.failToPass) {
        const n = reference.passes.get(id) ?? 0;
        if (isFlakyOnOriginal(id) || (n > 0 && n < runs)) { dropped.push({ id, reason: 'flaky' }); flaky.add(id); }
        else if (n === runs) f2pStable.push(id);
        else neverPassing.push(id);
      }
      if (neverPassing.length > 0) {
        throw new Rejection('f2p-failing-on-reference', `FAIL_TO_PASS tests do not pass on the reference: ${neverPassing.join('; ')}`, neverPassing);
      }
      if (f2pStable.length === 0) throw new Rejection('flaky', 'every FAIL_TO_PASS test is flaky on the reference', candidate.failToPass);
      const p2pStable: string[] = [];
      const p2pFailing: string[] = [];
      for (const id of p2pToRun) {
        const n = reference.passes.get(id) ?? 0;
        if (isFlakyOnOriginal(id) || (n > 0 && n < runs)) flaky.add(id);
        else if (n === runs) p2pStable.push(id);
        else p2pFailing.push(id);
      }
      if (p2pFailing.length > 0) {
        throw new Rejection('p2p-failing-on-reference', `PASS_TO_PASS tests fail on the reference: ${p2pFailing.join('; ')}`, p2pFailing);
      }

      // Base: one run.
      const base = await runRepeated(lane, candidate.baseCommit, `${candidate.instanceId} base`, { files: selection.files, testIds: [...f2pStable, ...p2pStable] }, 1);
      const failToPass: string[] = [];
      const movedToP2P: string[] = [];
      for (const id of f2pStable) {
        if (base.last.get(id) === 'passed') { movedToP2P.push(id); dropped.push({ id, reason: 'passes-on-base' }); }
        else failToPass.push(id);
      }
      if (failToPass.length === 0) {
        throw new Rejection('f2p-passing-on-base', `every FAIL_TO_PASS test already passes on base: ${movedToP2P.join('; ')}`, movedToP2P);
      }
      let broken = p2pStable.filter((id) => base.last.get(id) !== 'passed');
      if (broken.length > 0) {
        // A FAIL_TO_PASS test (or another test the filter lets through) that throws on base skips its own
        // clean-up, and the global state it leaves behind (process.env, process.argv, process.execArgv)
        // sends later tests of the same process down paths they never take on the original: commander's
        // options.env and command.parse tests. Such a PASS_TO_PASS test does not use the stubs itself;
        // run the broken ones again on base without the failing tests, and keep only what still fails.
        p2pRecheckedAlone += broken.length;
        const alone = await runRepeated(lane, candidate.baseCommit, `${candidate.instanceId} base, PASS_TO_PASS alone`, { files: [...new Set(broken.map(fileOf))].sort(), testIds: broken }, 1);
        const stillBroken = broken.filter((id) => alone.last.get(id) !== 'passed');
        p2pPassingAlone += broken.length - stillBroken.length;
        broken = stillBroken;
      }
      if (broken.length > 0) {
        throw new Rejection('p2p-broken-on-base', `PASS_TO_PASS tests fail on base (the stubs break earlier steps): ${broken.join('; ')}`, broken);
      }
      const unaffected = candidate.passToPass.filter((id) => !p2pToRun.includes(id) && !flaky.has(id));
      return {
        candidate,
        failToPass,
        passToPass: [...p2pStable, ...movedToP2P, ...unaffected].sort(),
        droppedFailToPass: dropped,
        passToPassRun: p2pToRun.length,
        passToPassProvenUnaffected: unaffected.length,
        verifyMs: Date.now() - started,
      };
    } catch (error) {
      const rejection = error instanceof Rejection
        ? error
        : new Rejection('infrastructure-error', `verification could not run: ${(error as Error).message}`);
      return { instance_id: candidate.instanceId, step: candidate.step, mode: candidate.mode, reason: rejection.reason, detail: rejection.message, ...(rejection.tests ? { tests: rejection.tests } : {}) };
    }
  };

  // One lane (workspace + session) per worker; each worker takes the next candidate in order.
  const settled = new Array<VerifiedTask | RejectRow>(candidates.length);
  let next = 0;
  const workerCount = Math.max(1, Math.min(options.workers ?? 1, candidates.length));
  try {
    await Promise.all(Array.from({ length: workerCount }, async () => {
      const lane: Lane = { changed: [] };
      lanes.push(lane);
      while (next < candidates.length) {
        const i = next++;
        settled[i] = await settle(candidates[i]!, lane);
      }
    }));
  } finally {
    for (const lane of lanes) {
      await lane.session?.close().catch(() => {});
      await lane.ws?.dispose().catch(() => {});
    }
  }
  const verified = settled.filter((s): s is VerifiedTask => 'candidate' in s);
  const rejects = settled.filter((s): s is RejectRow => !('candidate' in s));
  return {
    verified,
    rejects,
    stats: {
      candidates: candidates.length,
      verified: verified.length,
      rejected: rejects.length,
      testRuns,
      passToPassRun: verified.reduce((n, v) => n + v.passToPassRun, 0),
      passToPassProvenUnaffected: verified.reduce((n, v) => n + v.passToPassProvenUnaffected, 0),
      flakyTests: [...flaky].sort(),
      workspacesOpened,
      checkouts,
      sessionRuns,
      plainRuns,
      sessionFailures,
      sessionReruns,
      passToPassRecheckedAlone: p2pRecheckedAlone,
      passToPassPassingAlone: p2pPassingAlone,
    },
  };
}
