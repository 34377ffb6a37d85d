import { describe, expect, it } from 'vitest';
import { baseTestTimeout } from './time-limits.js';

const fileOf = (id: string) => id.split(' > ')[0]!;
const durations = new Map([
  ['a.test.js > fast', 20],
  ['a.test.js > slow', 900],
  ['b.test.js > one', 300],
  ['b.test.js > two', 400],
]);
const limit = { factor: 5, floorMs: 1000 };

describe('baseTestTimeout', () => {
  it.each([
    ['the floor when every test is fast', ['a.test.js > fast'], 'test', 1000],
    ['factor times the slowest test', ['a.test.js > fast', 'a.test.js > slow'], 'test', 4500],
    ['per file: factor times the slowest file, its tests summed', ['a.test.js > fast', 'b.test.js > one', 'b.test.js > two'], 'file', 5000],
    ['per file: at least five floors', ['a.test.js > fast'], 'file', 5000],
  ] as const)('%s', (_what, ids, scope, expected) => {
    expect(baseTestTimeout(ids, durations, scope, limit, fileOf)).toBe(expected);
  });

  it('per file with a lower floor: factor times the longest file', () => {
    expect(baseTestTimeout(['a.test.js > slow', 'a.test.js > fast', 'b.test.js > one'], durations, 'file', { factor: 5, floorMs: 200 }, fileOf)).toBe(4600);
  });

  it('leaves the repository limits when a test has no traced duration, or the factor is 0', () => {
    expect(baseTestTimeout(['a.test.js > fast', 'c.test.js > new'], durations, 'test', limit, fileOf)).toBeUndefined();
    expect(baseTestTimeout(['a.test.js > slow'], durations, 'test', { factor: 0, floorMs: 1000 }, fileOf)).toBeUndefined();
  });
});
