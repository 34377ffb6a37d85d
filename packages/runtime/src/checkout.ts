/**
 * Moving a workspace between commits of its task repository, the same way in every runtime: git runs
 * through the workspace's own `exec` (on this machine or in the container).
 */
import { ErrorCodes, SweFlowError, WORK_DIR, type CheckoutOptions, type Workspace } from '@swe-flow/core';

const GIT_TIMEOUT_MS = 120_000;

async function gitIn(ws: Pick<Workspace, 'exec'>, args: string[]): Promise<string> {
  const r = await ws.exec({ command: 'git', args }, { timeoutMs: GIT_TIMEOUT_MS });
  if (r.exitCode !== 0) throw new SweFlowError(ErrorCodes.GIT_FAILED, `git ${args.join(' ')} failed in the workspace: ${r.stderr.trim()}`);
  return r.stdout;
}

/** `git checkout -f --detach` + `git clean` keeping dependencies and the work folder; the changed files when asked. */
export async function checkoutIn(ws: Pick<Workspace, 'exec'>, commit: string, options: CheckoutOptions = {}): Promise<string[]> {
  await gitIn(ws, ['-c', 'advice.detachedHead=false', 'checkout', '-f', '-q', '--detach', commit]);
  await gitIn(ws, ['clean', '-fdq', '-e', 'node_modules', '-e', WORK_DIR]);
  if (options.changedSince === undefined) return [];
  const diff = await gitIn(ws, ['diff', '--name-only', '--no-renames', options.changedSince, commit]);
  return diff.split('\n').filter(Boolean);
}
