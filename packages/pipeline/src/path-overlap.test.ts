import { describe, expect, it } from 'vitest';
import { overlapOf } from './path-overlap.js';

describe('overlapOf', () => {
  it('tells equal, inside and containing folders apart', () => {
    expect(overlapOf('/home/u/repo', '/home/u/repo')).toBe('same');
    expect(overlapOf('/home/u/repo', '/home/u/repo/')).toBe('same');
    expect(overlapOf('/home/u/repo', '/home/u/repo/out/x')).toBe('out-inside-source');
    expect(overlapOf('/home/u/repo', '/home/u')).toBe('source-inside-out');
    expect(overlapOf('/home/u/repo', '/')).toBe('source-inside-out');
    expect(overlapOf('/home/u/repo', '/home/u/repo/../repo/sub')).toBe('out-inside-source');
  });

  it('does not take a name prefix for containment', () => {
    expect(overlapOf('/home/u/repo', '/home/u/repo-out')).toBeNull();
    expect(overlapOf('/home/u/repo-out', '/home/u/repo')).toBeNull();
    expect(overlapOf('/home/u/repo', '/home/u/..repo')).toBeNull();
    expect(overlapOf('/home/u/a/repo', '/home/u/b')).toBeNull();
  });
});
