import { killProcessGroup, registerCleanup } from '@swe-flow/runtime';

// The one killer is the runtime's (SIGKILL to the group, false when there was none).
export { killProcessGroup };


/**
 * Puts a detached runner's process group on the shutdown path: a signal to swe-flow kills it (a
 * detached group does not get the terminal's Ctrl-C). Returns the function that takes it off again.
 */
export function guardProcessGroup(pid: number | undefined): () => void {
  return registerCleanup(async () => { killProcessGroup(pid); });
}
