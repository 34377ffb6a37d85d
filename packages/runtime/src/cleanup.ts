/**
 * Resources that must not outlive the process (containers, temp checkouts) register a cleanup here.
 * On SIGINT/SIGTERM every registered cleanup runs, then the signal is raised again so the process ends
 * as it would have without us (a library does not call process.exit).
 */
type Cleanup = () => Promise<void>;

const live = new Map<symbol, Cleanup>();
let installed = false;

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

async function runAll(): Promise<void> {
  const pending = [...live.values()];
  live.clear();
  await Promise.allSettled(pending.map((fn) => fn()));
}

function onSignal(signal: NodeJS.Signals): void {
  for (const s of SIGNALS) process.removeListener(s, onSignal);
  installed = false;
  // Cap the wait: a hung engine must not keep a user's Ctrl-C from working.
  const cap = new Promise<void>((resolve) => setTimeout(resolve, 15_000).unref());
  void Promise.race([runAll(), cap]).finally(() => {
    process.kill(process.pid, signal);
  });
}

function install(): void {
  if (installed) return;
  installed = true;
  for (const s of SIGNALS) process.on(s, onSignal);
}

/** Registers a cleanup; returns the function that unregisters it (call it once the resource is gone). */
export function registerCleanup(fn: Cleanup): () => void {
  install();
  const key = Symbol('swe-flow-cleanup');
  live.set(key, fn);
  return () => {
    live.delete(key);
  };
}

/** How many resources are still registered (for tests and `doctor`). */
export function liveResourceCount(): number {
  return live.size;
}

/** Runs every registered cleanup now (for tests and for callers that shut down on their own). */
export async function cleanupAll(): Promise<void> {
  await runAll();
}
