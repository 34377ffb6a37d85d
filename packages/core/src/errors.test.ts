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

describe('config schema', () => {
  it('the committed JSON Schema is the one the zod schema generates (run tools/gen-config-schema.mjs)', async () => {
    const { readFile } = await import('node:fs/promises');
    const { configJsonSchema } = await import('./config.js');
    const committed = JSON.parse(await readFile(new URL('../schema/config.schema.json', import.meta.url), 'utf8'));
    expect(committed).toEqual(configJsonSchema());
  });
  it('lists every problem with its path and fills defaults', async () => {
    const { parseSynthConfig } = await import('./config.js');
    expect(parseSynthConfig({ workers: 0, modes: ['sideways'], bogus: 1 })).toEqual({
      ok: false,
      problems: expect.arrayContaining([expect.stringMatching(/^workers:/), expect.stringMatching(/^modes\.0:/), expect.stringContaining('bogus')]),
    });
    const ok = parseSynthConfig({});
    expect(ok.ok && ok.config.reruns).toBe(3);
  });
});
