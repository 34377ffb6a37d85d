/**
 * Applies a model patch inside a workspace, through the workspace's own `exec` (so it is the same in
 * a local checkout and in a container), then checks what actually changed.
 *
 * Fallbacks, in order, each tried only when the previous one refused the whole patch:
 *  1. `git apply -p1` — the SWE-bench format (`a/` and `b/` prefixes); atomic, refuses paths outside
 *     the work tree and paths beyond a symlink;
 *  2. `git apply -p0` — a diff written without prefixes;
 *  3. `patch --batch --forward --fuzz=3 -p1` — GNU patch tolerates shifted context and small
 *     mismatches, as model diffs often have; only when `patch` exists in the workspace. Not atomic:
 *     when it fails, the workspace is thrown away anyway.
 * Every path was checked before (see `checkPatch`), and the changed files are checked again after.
 */
import type { Workspace } from '@swe-flow/core';
import { protectedReason, symlinkStaysInside, type GuardRules } from './patch-guard.js';

export type ApplyMethod = 'none' | 'git-apply-p1' | 'git-apply-p0' | 'patch-fuzz3-p1';

export type ApplyOutcome =
  | { ok: true; method: ApplyMethod; changedFiles: string[]; log: string }
  | { ok: false; reason: string; log: string };

const APPLY_TIMEOUT_MS = 60_000;

const attempts: { method: Exclude<ApplyMethod, 'none'>; command: string; args: string[] }[] = [
  { method: 'git-apply-p1', command: 'git', args: ['apply', '--verbose', '--whitespace=nowarn', '-p1', '-'] },
  { method: 'git-apply-p0', command: 'git', args: ['apply', '--verbose', '--whitespace=nowarn', '-p0', '-'] },
  { method: 'patch-fuzz3-p1', command: 'patch', args: ['--batch', '--forward', '--fuzz=3', '-p1', '--no-backup-if-mismatch', '--reject-file=-'] },
];

/** Paths git reports as changed or untracked, NUL-separated porcelain v1. */
async function statusEntries(ws: Workspace): Promise<Set<string>> {
  const r = await ws.exec({ command: 'git', args: ['status', '--porcelain=v1', '-z', '--untracked-files=all', '--no-renames'] }, { timeoutMs: APPLY_TIMEOUT_MS });
  if (r.exitCode !== 0) throw new Error(`git status failed in the workspace: ${r.stderr.trim()}`);
  return new Set(r.stdout.split('\0').filter(Boolean).map((e) => e.slice(3)));
}

export async function applyPatch(ws: Workspace, patch: string, rules: GuardRules): Promise<ApplyOutcome> {
  if (patch.trim() === '') return { ok: true, method: 'none', changedFiles: [], log: 'empty patch: nothing applied' };
  const before = await statusEntries(ws);
  const text = patch.endsWith('\n') ? patch : `${patch}\n`;
  const logs: string[] = [];
  let applied: Exclude<ApplyMethod, 'none'> | undefined;
  for (const attempt of attempts) {
    if (attempt.command === 'patch') {
      const has = await ws.exec({ command: 'sh', args: ['-c', 'command -v patch'] }, { timeoutMs: APPLY_TIMEOUT_MS });
      if (has.exitCode !== 0) {
        logs.push(`${attempt.method}: skipped, no \`patch\` in this workspace`);
        continue;
      }
    }
    const r = await ws.exec({ command: attempt.command, args: attempt.args }, { timeoutMs: APPLY_TIMEOUT_MS, input: text });
    logs.push(`${attempt.method}: exit ${r.exitCode}${r.timedOut ? ' (timed out)' : ''}\n${`${r.stdout}${r.stderr}`.trim()}`);
    if (r.exitCode === 0 && !r.timedOut) {
      applied = attempt.method;
      break;
    }
  }
  const log = logs.join('\n\n');
  if (!applied) return { ok: false, reason: 'the patch does not apply (git apply -p1, -p0 and patch --fuzz=3 all refused it)', log };

  const after = await statusEntries(ws);
  const changedFiles = [...after].filter((p) => !before.has(p)).sort();
  for (const file of changedFiles) {
    const why = protectedReason(file, rules);
    if (why) return { ok: false, reason: `${why} (after applying with ${applied})`, log };
  }
  if (changedFiles.length > 0) {
    const links = await ws.exec(
      { command: 'sh', args: ['-c', 'for p do if [ -L "$p" ]; then printf "%s\\0%s\\0" "$p" "$(readlink -- "$p")"; fi; done', 'sweflow-links', ...changedFiles] },
      { timeoutMs: APPLY_TIMEOUT_MS },
    );
    const parts = links.stdout.split('\0');
    for (let i = 0; i + 1 < parts.length; i += 2) {
      if (!symlinkStaysInside(parts[i]!, parts[i + 1]!)) {
        return { ok: false, reason: `creates a symlink ${parts[i]} pointing outside the repository (${parts[i + 1]})`, log };
      }
    }
  }
  return { ok: true, method: applied, changedFiles, log };
}
