import { describe, expect, it } from 'vitest';
import { cpuTimeMs, startCpuSpan } from '../src/cpu-time.js';
import { procStatFields } from '../src/proc-stat.js';

const linux = process.platform === 'linux';

describe('cpu time', () => {
  it.runIf(linux)('reads the fields of this process after its command name from /proc', () => {
    const fields = procStatFields('self');
    expect(Number(fields[1])).toBe(process.ppid);
    expect(Number(fields[11])).toBeGreaterThanOrEqual(0);
  });

  it('counts CPU spent in this process, and the span its wall time and idle share', () => {
    const before = cpuTimeMs();
    const end = startCpuSpan(1);
    const until = performance.now() + 300;
    let n = 0;
    while (performance.now() < until) n += Math.sqrt(n + 1);
    const span = end();
    expect(n).toBeGreaterThan(0);
    expect(cpuTimeMs()).toBeGreaterThan(before);
    expect(span.wallMs).toBeGreaterThanOrEqual(300);
    expect(span.cpuMs).toBeGreaterThan(0);
    expect(span.idleShare).toBeGreaterThanOrEqual(0);
    expect(span.idleShare).toBeLessThan(1);
  });
});
