import { registerCleanup } from '@swe-flow/runtime';

/** Kills a process group started detached (its leader's pid); quiet when it is already gone. */
export function killProcessGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/**
 * Puts a detached runner's process group on the shutdown path: a signal to swe-flow kills it (a
 * detached group does not get the terminal's Ctrl-C). Returns the function that takes it off again.
 */
export function guardProcessGroup(pid: number | undefined): () => void {
  return registerCleanup(async () => killProcessGroup(pid));
}
