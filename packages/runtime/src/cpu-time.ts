/**
 * CPU time of this process and of every child process it has waited for (and theirs, when they waited
 * for their own): what `--profile` compares with wall time to tell a CPU-bound stage or batch from one
 * that waits. Linux reads /proc/self/stat (user, system, children's user and system); elsewhere only this
 * process's own time is known.
 */
import { availableParallelism } from 'node:os';
import { procStatFields } from './proc-stat.js';

/** Clock ticks per second of /proc times (`getconf CLK_TCK`; 100 on Linux for x86 and arm). */
const TICKS_PER_SECOND = 100;

/** Milliseconds of CPU used so far by this process and its waited-for descendants. */
export function cpuTimeMs(): number {
  try {
    const fields = procStatFields('self');
    // utime, stime, cutime, cstime are fields 14-17, i.e. 11-14 after the name.
    const ticks = [11, 12, 13, 14].reduce((n, i) => n + Number(fields[i] ?? 0), 0);
    return (ticks * 1000) / TICKS_PER_SECOND;
  } catch {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  }
}

export interface CpuSpan {
  wallMs: number;
  /** CPU time of swe-flow and the processes it ran, over the span. */
  cpuMs: number;
  /** The part of the machine's capacity (wall time × cores) that no process of the run used, 0–1. */
  idleShare: number;
}

/** Starts measuring; the returned function gives the span's wall time, CPU time and idle share. */
export function startCpuSpan(cores = availableParallelism()): () => CpuSpan {
  const wall0 = performance.now();
  const cpu0 = cpuTimeMs();
  return () => {
    const wallMs = Math.round(performance.now() - wall0);
    const cpuMs = Math.round(cpuTimeMs() - cpu0);
    const capacity = wallMs * Math.max(1, cores);
    const idleShare = capacity > 0 ? Math.min(1, Math.max(0, 1 - cpuMs / capacity)) : 0;
    return { wallMs, cpuMs, idleShare: Math.round(idleShare * 1000) / 1000 };
  };
}
