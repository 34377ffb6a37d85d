import { describe, expect, it } from 'vitest';
import { ErrorCodes, SweFlowError, formatFunctionId, parseFunctionId, formatTestId, parseTestId } from './index.js';

describe('SweFlowError', () => {
  it('maps usage and environment problems to exit code 2 and run failures to 1', () => {
    expect(new SweFlowError(ErrorCodes.PATH_MISSING, 'x').exitCode).toBe(2);
    expect(new SweFlowError(ErrorCodes.NO_TESTS, 'x').exitCode).toBe(1);
  });
  it('keeps the cause', () => {
    const cause = new Error('inner');
    expect(new SweFlowError(ErrorCodes.GIT_FAILED, 'outer', { cause }).cause).toBe(cause);
  });
});

describe('ids', () => {
  it('round-trips function ids, including names with separators', () => {
    const parts = { file: 'src/a b/shapes.ts', line: 12, column: 3, name: 'Circle#get:area' };
    expect(formatFunctionId(parts)).toBe('src/a b/shapes.ts:12:3:Circle#get:area');
    expect(parseFunctionId(formatFunctionId(parts))).toEqual(parts);
  });
  it('round-trips test ids', () => {
    const id = formatTestId('test/a.test.ts', ['math', 'adds']);
    expect(id).toBe('test/a.test.ts > math > adds');
    expect(parseTestId(id)).toEqual({ file: 'test/a.test.ts', titlePath: ['math', 'adds'] });
  });
});
