/**
 * Runs a test selection with the runner adapter's plain command and reads the outcome only from the
 * runner's structured result file — the same adapter command and parser verification uses
 * (`runTests` in @swe-flow/emitter). The one difference is where that file goes: verification runs
 * trusted code, evaluation runs a model's patch, so the file is written to a fresh directory made by
 * `mktemp -d` (mode 0700, outside the repository, in the workspace's temp dir) under a random name
 * the patch cannot know, and copied into the workspace only after the runner has exited.
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { registerCleanup } from '@swe-flow/runtime';
import { parseTestId, type TestCommandAdapter, type TestResult, type TestSelection, type Workspace } from '@swe-flow/core';

export type SelectionRun =
  | { kind: 'results'; results: TestResult[]; missing: string[]; exitCode: number | null; durationMs: number; stdout: string; stderr: string; resultFile: string }
  | { kind: 'timeout'; exitCode: number | null; durationMs: number; stdout: string; stderr: string }
  | { kind: 'no-results'; reason: string; exitCode: number | null; durationMs: number; stdout: string; stderr: string };

const SHORT_MS = 60_000;

export function selectionFor(row: { FAIL_TO_PASS: string[]; PASS_TO_PASS: string[]; test_files: string[] }): TestSelection {
  const testIds = [...row.FAIL_TO_PASS, ...row.PASS_TO_PASS];
  const files = new Set(row.test_files);
  for (const id of testIds) files.add(parseTestId(id).file);
  return { files: [...files].sort(), testIds };
}

export async function runSelection(ws: Workspace, adapter: TestCommandAdapter, selection: TestSelection, timeoutMs: number): Promise<SelectionRun> {
  const mk = await ws.exec(
    { command: 'sh', args: ['-c', 'umask 077 && mktemp -d "${TMPDIR:-/tmp}/swe-flow-eval-XXXXXXXXXXXX"'] },
    { timeoutMs: SHORT_MS },
  );
  const dir = mk.stdout.trim();
  if (mk.exitCode !== 0 || !dir.startsWith('/')) throw new Error(`could not make a private result directory in the workspace: ${mk.stderr.trim()}`);
  // On this machine the folder is the host's: a signal's shutdown removes it (a container's goes with it).
  const unguard = ws.onHost ? registerCleanup(() => rm(dir, { recursive: true, force: true })) : () => {};
  try {
    return await runInPrivateDir(ws, adapter, selection, timeoutMs, dir);
  } finally {
    unguard();
  }
}

async function runInPrivateDir(ws: Workspace, adapter: TestCommandAdapter, selection: TestSelection, timeoutMs: number, dir: string): Promise<SelectionRun> {
  const resultFile = `${dir}/${randomBytes(16).toString('hex')}.json`;
  const spec = adapter.plainCommand({ resultFile, selection });
  const exec = await ws.exec(spec, { timeoutMs });
  const base = { exitCode: exec.exitCode, durationMs: exec.durationMs, stdout: exec.stdout, stderr: exec.stderr };
  if (exec.timedOut) {
    // The private result folder goes too: a timed-out run must not leave swe-flow-eval-* behind.
    await ws.exec({ command: 'rm', args: ['-rf', '--', dir] }, { timeoutMs: SHORT_MS }).catch(() => undefined);
    return { kind: 'timeout', ...base };
  }

  // Bring the file into the workspace (readFile is confined to the root), then remove both copies.
  const inside = `.swe-flow/eval-${randomBytes(8).toString('hex')}.json`;
  const copy = await ws.exec(
    {
      command: 'sh',
      args: ['-c', 'if [ -s "$1" ]; then mkdir -p .swe-flow && cp -- "$1" "$2"; fi; rm -rf -- "$3"', 'sweflow-copy', resultFile, inside, dir],
    },
    { timeoutMs: SHORT_MS },
  );
  if (copy.exitCode !== 0) throw new Error(`could not read the result file in the workspace: ${copy.stderr.trim()}`);
  const text = await ws.readFile(inside);
  await ws.exec({ command: 'rm', args: ['-f', '--', inside] }, { timeoutMs: SHORT_MS });
  if (text === undefined || text.trim() === '') {
    return { kind: 'no-results', reason: `${adapter.name} wrote no result file (exit ${exec.exitCode})`, ...base };
  }
  let results: TestResult[];
  try {
    results = adapter.parseResults(text, ws.root);
  } catch (error) {
    return { kind: 'no-results', reason: `${adapter.name}'s result file could not be parsed: ${(error as Error).message}`, ...base };
  }
  const reported = new Set(results.map((r) => r.id));
  const missing = selection.testIds.filter((id) => !reported.has(id));
  return { kind: 'results', results, missing, resultFile, ...base };
}
