import { describe, expect, it } from 'vitest';
import type { ScheduleStep, TraceJson } from '@swe-flow/core';
import { changedFunctionsOf, testFunctionsFromTrace } from '../src/index.js';

const step = (n: number, nodes: string[]): ScheduleStep => ({
  step: n, testIds: [`t${n}`], targetCore: nodes, dependentCore: [], nodesToDevelop: nodes, reusedNodes: [], subgraph: [],
});

describe('changedFunctionsOf', () => {
  const steps = [step(1, ['a', 'b']), step(2, ['c', 'load']), step(3, ['d'])];
  const changed = changedFunctionsOf({ steps }, ['load']);
  const sorted = (s: ReadonlySet<string> | undefined) => [...(s ?? ['<none>'])].sort();

  it('gives an isolated base its own step and an isolated reference nothing', () => {
    expect(sorted(changed({ mode: 'isolated', step: 2 }, 'base'))).toEqual(['c', 'load']);
    expect(sorted(changed({ mode: 'isolated', step: 2 }, 'reference'))).toEqual([]);
  });

  it('gives incremental step k the functions of steps k.. (base) and k+1.. (reference), never module-load ones', () => {
    expect(sorted(changed({ mode: 'incremental', step: 1 }, 'base'))).toEqual(['a', 'b', 'c', 'd']);
    expect(sorted(changed({ mode: 'incremental', step: 1 }, 'reference'))).toEqual(['c', 'd']);
    expect(sorted(changed({ mode: 'incremental', step: 3 }, 'base'))).toEqual(['d']);
    expect(sorted(changed({ mode: 'incremental', step: 3 }, 'reference'))).toEqual([]);
  });

  it('knows nothing of a step outside the schedule', () => {
    expect(changed({ mode: 'isolated', step: 9 }, 'base')).toBeUndefined();
  });
});

describe('testFunctionsFromTrace', () => {
  it('collects both ends of a test\'s edges and its file\'s setup calls', () => {
    const trace = {
      files: [{ file: 'x.test.js', setupEdges: [['<root>', 'setup', 1]] }],
      tests: [
        { id: 'x.test.js > one', file: 'x.test.js', edges: [['t', 'f', 1], ['f', 'g', 2]] },
        { id: 'y.test.js > two', file: 'y.test.js', edges: [] },
      ],
    } as unknown as Pick<TraceJson, 'tests' | 'files'>;
    const fns = testFunctionsFromTrace(trace);
    expect([...fns.get('x.test.js > one')!].sort()).toEqual(['<root>', 'f', 'g', 'setup', 't']);
    expect([...fns.get('y.test.js > two')!]).toEqual([]);
  });
});
