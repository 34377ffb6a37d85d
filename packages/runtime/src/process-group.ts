/**
 * Kills a detached child's whole process group (the runner and the workers it started) with SIGKILL.
 * False when there was no group to kill (no pid, or already gone).
 */
export function killProcessGroup(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(-pid, 'SIGKILL');
    return true;
  } catch {
    return false;
  }
}
