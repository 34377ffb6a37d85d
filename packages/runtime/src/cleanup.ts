/**
 * Resources that must not outlive the process (process groups, containers, temp checkouts) register a
 * cleanup here. This is the one shutdown path for SIGINT, SIGTERM and SIGHUP: on the first of them,
 * scheduling stops (`isShuttingDown()`), every registered cleanup runs (capped in time), and then the
 * shutdown handler runs. Without one (a library used from a script) the signal is raised again so the
 * process ends as it would have without us; the CLI installs one that reports and exits 128 + signal.
 * A second signal during the cleanup ends the process at once.
 */
import { ErrorCodes, SweFlowError } from '@swe-flow/core';
import { killDescendants } from './descendants.js';

type Cleanup = () => Promise<void>;
export type ShutdownSignal = 'SIGINT' | 'SIGTERM' | 'SIGHUP';
export type ShutdownHandler = (signal: ShutdownSignal, report: ShutdownReport) => void | Promise<void>;

export interface ShutdownReport {
  /** How many registered resources (process groups, containers, temp folders) were cleaned up. */
  cleaned: number;
  /** Whether the cleanup hit its time cap. */
  timedOut: boolean;
}

const live = new Map<symbol, Cleanup>();
/** Cleanups of resources made after the signal (run at once; the shutdown waits for them). */
const late: Array<Promise<void>> = [];
let installed = false;
let shuttingDown: ShutdownSignal | undefined;
let handler: ShutdownHandler | undefined;

export const SHUTDOWN_SIGNALS: readonly ShutdownSignal[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const SIGNAL_NUMBERS: Record<ShutdownSignal, number> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };
const CLEANUP_CAP_MS = 15_000;

/** The exit status a shell gives a process ended by the signal: 129, 130, 143. */
export function signalExitCode(signal: ShutdownSignal): number {
  return 128 + SIGNAL_NUMBERS[signal];
}

async function runAll(): Promise<number> {
  const pending = [...live.values()];
  live.clear();
  await Promise.allSettled(pending.map((fn) => fn()));
  return pending.length;
}

/**
 * The shutdown's cleanup: kill every child process first (so nothing goes on writing), run every
 * cleanup, then once more after a moment (idempotent: a folder a dying helper recreated, a resource
 * registered while the first pass ran).
 */
async function cleanUpForShutdown(): Promise<number> {
  killDescendants();
  const first = [...live.values()];
  const cleaned = await runAll();
  await new Promise((resolve) => setTimeout(resolve, 250));
  killDescendants();
  await Promise.allSettled([...first, ...live.values()].map((fn) => fn()));
  live.clear();
  await settleLateCleanups();
  return cleaned;
}

/** Waits for the cleanups of resources made after the signal (the CLI calls it again just before exiting). */
export async function settleLateCleanups(): Promise<void> {
  while (late.length > 0) await Promise.allSettled(late.splice(0));
}

function onSignal(signal: ShutdownSignal): void {
  if (shuttingDown) return;
  shuttingDown = signal;
  for (const s of SHUTDOWN_SIGNALS) process.removeListener(s, onSignal);
  // A second signal while cleaning up: the default action, at once.
  for (const s of SHUTDOWN_SIGNALS) process.once(s, () => process.exit(signalExitCode(s)));
  installed = false;
  void shutdown(signal);
}

async function shutdown(signal: ShutdownSignal): Promise<void> {
  // Cap the wait: a hung engine must not keep a user's Ctrl-C from working.
  let timedOut = false;
  const cap = new Promise<number>((resolve) => setTimeout(() => { timedOut = true; resolve(0); }, CLEANUP_CAP_MS).unref());
  const cleaned = await Promise.race([cleanUpForShutdown(), cap]);
  if (handler) {
    try {
      await handler(signal, { cleaned, timedOut });
      return;
    } catch {
      // fall through: end the process as the signal would
    }
  }
  for (const s of SHUTDOWN_SIGNALS) process.removeAllListeners(s);
  process.kill(process.pid, signal);
}

function install(): void {
  if (installed || shuttingDown) return;
  installed = true;
  for (const s of SHUTDOWN_SIGNALS) process.on(s, onSignal);
}

/** Registers a cleanup; returns the function that unregisters it (call it once the resource is gone). */
export function registerCleanup(fn: Cleanup): () => void {
  const key = Symbol('swe-flow-cleanup');
  // Registered after the shutdown began (a process started, a folder made while stopping): cleaned up
  // at once, and the caller stops there: nothing new starts once a signal came.
  if (shuttingDown) {
    late.push(fn().catch(() => {}));
    throw interruptedError(shuttingDown);
  }
  install();
  live.set(key, fn);
  return () => {
    live.delete(key);
  };
}

/**
 * Installs what happens after a signal's cleanup (the CLI: report what was kept, exit 128 + signal).
 * Also installs the signal listeners at once, so a signal before any resource exists is handled too.
 */
export function onShutdown(fn: ShutdownHandler): () => void {
  handler = fn;
  install();
  return () => {
    // Once a signal came, the handler stays: the run's code unwinding must not take the exit away.
    if (handler === fn && !shuttingDown) handler = undefined;
  };
}

/** The error work gets when it tries to start something after a signal came. */
export function interruptedError(signal: ShutdownSignal): SweFlowError {
  return new SweFlowError(ErrorCodes.INTERRUPTED, `stopped by ${signal}: nothing new starts while the run shuts down`);
}

/** Throws when a signal came: results computed while the run's processes were being killed are not kept. */
export function assertNotShuttingDown(): void {
  if (shuttingDown) throw interruptedError(shuttingDown);
}

/** The signal that started the shutdown, if one did: work not yet started should not start. */
export function isShuttingDown(): ShutdownSignal | undefined {
  return shuttingDown;
}

/** How many resources are still registered (for tests and `doctor`). */
export function liveResourceCount(): number {
  return live.size;
}

/** Runs every registered cleanup now (for tests and for callers that shut down on their own). */
export async function cleanupAll(): Promise<void> {
  await runAll();
}
