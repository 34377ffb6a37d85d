import { expect } from 'vitest';
import type { FunctionInfo } from '@swe-flow/core';

/** The original text outside the stubbed bodies, in order: it must appear unchanged in the stub. */
export function assertByteIdenticalOutside(original: string, stubbed: string, fns: FunctionInfo[]): void {
  const cuts = fns
    .map((f) => {
      if (!f.expressionBody) return { start: f.bodyStart + 1, end: f.bodyEnd - 1 };
      let start = original.lastIndexOf('=>', f.bodyStart) + 2;
      while (/\s/.test(original[start]!)) start++;
      return { start, end: f.end };
    })
    .sort((a, b) => a.start - b.start);
  let pos = 0;
  let at = 0;
  for (const cut of cuts) {
    const segment = original.slice(pos, cut.start);
    const found = stubbed.indexOf(segment, at);
    expect(found, `segment ${JSON.stringify(segment.slice(0, 40))} kept`).toBe(at === 0 ? 0 : found);
    expect(found).toBeGreaterThanOrEqual(at);
    at = found + segment.length;
    pos = cut.end;
  }
  expect(stubbed.endsWith(original.slice(pos))).toBe(true);
  expect(stubbed.length - original.slice(pos).length).toBeGreaterThanOrEqual(at);
}
