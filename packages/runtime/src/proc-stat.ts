import { readFileSync } from 'node:fs';

/**
 * The fields of `/proc/<pid>/stat` after the command name (Linux), so that index 0 is the state, 1 the
 * parent pid, 11-14 utime, stime, cutime, cstime. The name (field 2) is in parentheses and may hold spaces
 * and parentheses, so the fields are counted from the last `)`. Throws where there is no procfs or the
 * process is gone.
 */
export function procStatFields(pid: number | 'self'): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}
