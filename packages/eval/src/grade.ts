/**
 * Grades one prediction: a fresh workspace at the base commit, the patch checked and applied, the
 * task's FAIL_TO_PASS and PASS_TO_PASS run with the runner's adapter, the outcome read from the
 * structured result file.
 *
 * `error` is kept for failures that are ours, never the model's. When the runner writes no result
 * file with the patch applied, the unpatched base is run in a second fresh workspace: if the runner
 * reports there, the patch broke the run (module loading, a crash at import) and the grade is
 * `unresolved`; if it reports nothing there either, the harness or environment is at fault: `error`.
 */
import type { DatasetRow, Runtime, TestCommandAdapter, TestResult, Workspace } from '@swe-flow/core';
import { runBuildCommands } from '@swe-flow/emitter';
import { applyPatch, type ApplyMethod } from './apply.js';
import { checkPatch, type GuardRules } from './patch-guard.js';
import { runSelection, selectionFor, type SelectionRun } from './run-selection.js';

export type Grade = 'resolved' | 'unresolved' | 'patch_failed' | 'error' | 'timeout';

export interface TestBucket {
  passed: string[];
  failed: string[];
  missing: string[];
}

export interface GradeResult {
  grade: Grade;
  /** Why the grade is not `resolved`, in one sentence. */
  reason?: string;
  apply?: { method: ApplyMethod; changedFiles: string[] };
  FAIL_TO_PASS: TestBucket;
  PASS_TO_PASS: TestBucket;
  exitCode: number | null;
  testDurationMs: number;
  /** The diagnostic run of the unpatched base, when the patched run reported nothing. */
  baseProbe?: { reported: boolean; exitCode: number | null; reason?: string };
  logs: { apply: string; stdout: string; stderr: string };
}

export interface GradeContext {
  runtime: Runtime;
  adapter: TestCommandAdapter;
  taskRepo: string;
  dependenciesDir?: string;
  image?: string;
  timeoutMs: number;
  rules: GuardRules;
  /**
   * The tests run build output (`repo.json` `builtOutput`): these commands build the patched tree before
   * its tests, as verification and eval.sh do. A failed build is in the log; the tests then run without it.
   */
  build?: readonly string[];
}

/** Runs the build before tests in the workspace; its output goes ahead of the tests' in the log. */
async function buildTree(ws: Workspace, build: readonly string[] | undefined, timeoutMs: number): Promise<string> {
  const runs = await runBuildCommands(ws, build ?? [], { timeoutMs });
  return runs.map((r) => `$ ${r.command} (exit ${r.exit})\n${r.stdout}${r.stderr}\n`).join('');
}

const emptyBucket = (): TestBucket => ({ passed: [], failed: [], missing: [] });

function bucket(ids: readonly string[], byId: Map<string, TestResult>): TestBucket {
  const b = emptyBucket();
  for (const id of ids) {
    const r = byId.get(id);
    if (!r) b.missing.push(id);
    else if (r.status === 'passed') b.passed.push(id);
    else b.failed.push(id);
  }
  return b;
}

async function withWorkspace<T>(ctx: GradeContext, row: DatasetRow, label: string, fn: (ws: Workspace) => Promise<T>): Promise<T> {
  const ws = await ctx.runtime.open({
    taskRepo: ctx.taskRepo,
    commit: row.base_commit,
    label,
    ...(ctx.dependenciesDir ? { dependenciesDir: ctx.dependenciesDir } : {}),
    ...(ctx.image ? { image: ctx.image } : {}),
  });
  try {
    return await fn(ws);
  } finally {
    await ws.dispose();
  }
}

export async function gradePrediction(row: DatasetRow, patch: string, ctx: GradeContext): Promise<GradeResult> {
  const none = { FAIL_TO_PASS: emptyBucket(), PASS_TO_PASS: emptyBucket(), exitCode: null, testDurationMs: 0 };
  const verdict = checkPatch(patch, ctx.rules);
  if (!verdict.ok) return { grade: 'patch_failed', reason: `patch rejected: ${verdict.reason}`, ...none, logs: { apply: '', stdout: '', stderr: '' } };

  const selection = selectionFor(row);
  let applyLog = '';
  let run: SelectionRun;
  let apply: GradeResult['apply'];
  try {
    const first = await withWorkspace(ctx, row, `eval-${row.instance_id}`, async (ws) => {
      const applied = await applyPatch(ws, patch, ctx.rules);
      applyLog = applied.log;
      if (!applied.ok) return { failed: applied.reason } as const;
      apply = { method: applied.method, changedFiles: applied.changedFiles };
      applyLog += await buildTree(ws, ctx.build, ctx.timeoutMs);
      return { run: await runSelection(ws, ctx.adapter, selection, ctx.timeoutMs) } as const;
    });
    if ('failed' in first) return { grade: 'patch_failed', reason: first.failed, ...none, logs: { apply: applyLog, stdout: '', stderr: '' } };
    run = first.run;
  } catch (error) {
    return { grade: 'error', reason: `infrastructure: ${(error as Error).message}`, ...none, ...(apply ? { apply } : {}), logs: { apply: applyLog, stdout: '', stderr: '' } };
  }

  const logs = { apply: applyLog, stdout: run.stdout, stderr: run.stderr };
  const common = { ...(apply ? { apply } : {}), exitCode: run.exitCode, testDurationMs: run.durationMs, logs };
  if (run.kind === 'timeout') {
    return { grade: 'timeout', reason: `the tests did not finish within ${ctx.timeoutMs} ms`, FAIL_TO_PASS: emptyBucket(), PASS_TO_PASS: emptyBucket(), ...common };
  }
  if (run.kind === 'no-results') {
    // Ours or the patch's? Run the unpatched base the same way in a fresh workspace.
    let probe: GradeResult['baseProbe'];
    try {
      const baseRun = await withWorkspace(ctx, row, `eval-probe-${row.instance_id}`, async (ws) => {
        await buildTree(ws, ctx.build, ctx.timeoutMs);
        return runSelection(ws, ctx.adapter, selection, ctx.timeoutMs);
      });
      probe = baseRun.kind === 'results'
        ? { reported: true, exitCode: baseRun.exitCode }
        : { reported: false, exitCode: baseRun.exitCode, reason: baseRun.kind === 'timeout' ? 'timed out' : baseRun.reason };
    } catch (error) {
      probe = { reported: false, exitCode: null, reason: (error as Error).message };
    }
    const missing = { passed: [], failed: [], missing: [...row.FAIL_TO_PASS] };
    const missingP2P = { passed: [], failed: [], missing: [...row.PASS_TO_PASS] };
    if (probe.reported) {
      return { grade: 'unresolved', reason: `with the patch the runner reported no results (${run.reason}); without it, it does: the patch broke the test run`, FAIL_TO_PASS: missing, PASS_TO_PASS: missingP2P, baseProbe: probe, ...common };
    }
    return { grade: 'error', reason: `infrastructure: ${run.reason}, and the unpatched base reports nothing either (${probe.reason ?? 'no results'})`, FAIL_TO_PASS: missing, PASS_TO_PASS: missingP2P, baseProbe: probe, ...common };
  }

  const byId = new Map(run.results.map((r) => [r.id, r]));
  const f2p = bucket(row.FAIL_TO_PASS, byId);
  const p2p = bucket(row.PASS_TO_PASS, byId);
  const bad = [...f2p.failed, ...f2p.missing, ...p2p.failed, ...p2p.missing];
  if (bad.length === 0 && row.FAIL_TO_PASS.length > 0) return { grade: 'resolved', FAIL_TO_PASS: f2p, PASS_TO_PASS: p2p, ...common };
  const parts: string[] = [];
  if (f2p.failed.length) parts.push(`${f2p.failed.length} FAIL_TO_PASS failing`);
  if (f2p.missing.length) parts.push(`${f2p.missing.length} FAIL_TO_PASS not reported`);
  if (p2p.failed.length) parts.push(`${p2p.failed.length} PASS_TO_PASS failing`);
  if (p2p.missing.length) parts.push(`${p2p.missing.length} PASS_TO_PASS not reported`);
  return { grade: 'unresolved', reason: parts.join(', ') || 'the task has no FAIL_TO_PASS tests', FAIL_TO_PASS: f2p, PASS_TO_PASS: p2p, ...common };
}
