import { readdirSync } from 'node:fs';
import { procStatFields } from './proc-stat.js';

/** Parent pid of every process, from /proc (Linux); empty where there is no procfs. */
function parentsByPid(): Map<number, number> {
  const parents = new Map<number, number>();
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return parents;
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const ppid = Number(procStatFields(Number(name))[1]);
      if (Number.isInteger(ppid)) parents.set(Number(name), ppid);
    } catch {
      // exited meanwhile
    }
  }
  return parents;
}

/** Every live descendant of `root` (children, grandchildren, ...). */
export function descendantsOf(root: number = process.pid): number[] {
  const parents = parentsByPid();
  const children = new Map<number, number[]>();
  for (const [pid, ppid] of parents) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  const out: number[] = [];
  const queue = [...(children.get(root) ?? [])];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

/**
 * SIGKILLs every descendant of this process: the short-lived helpers (git, npm) that are not in a
 * registered process group must not go on writing into folders the shutdown removes.
 */
export function killDescendants(): number {
  const pids = descendantsOf();
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  return pids.length;
}
