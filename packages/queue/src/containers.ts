/** Containers started for a worker's jobs carry `swe-flow.worker=<host>/<pid>`; a dead worker's are removed. */
import os from 'node:os';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes containers of this host's workers whose process is gone; returns how many. No engine: 0. */
export async function removeDeadWorkersContainers(): Promise<number> {
  const { stdout } = await run('docker', ['ps', '-a', '--filter', 'label=swe-flow.worker', '--format', '{{.ID}} {{.Label "swe-flow.worker"}}'], { timeout: 10_000 });
  const host = os.hostname();
  const dead = stdout.trim().split('\n').filter(Boolean).map((l) => l.split(' ') as [string, string])
    .filter(([, w]) => w?.startsWith(`${host}/`) && !alive(Number(w.slice(host.length + 1))));
  if (dead.length) await run('docker', ['rm', '-f', ...dead.map(([idOf]) => idOf)], { timeout: 60_000 });
  return dead.length;
}
