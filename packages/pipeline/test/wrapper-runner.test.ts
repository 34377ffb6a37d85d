import { describe, expect, it } from 'vitest';
import { ErrorCodes, SweFlowError, silentLogger } from '@swe-flow/core';
import { getAdapter } from '@swe-flow/tracer';
import { chooseRunner } from '../src/wrapper-runner.js';

const ctx = (test: string) => ({ root: '/nonexistent-sweflow-root', packageJson: { scripts: { test } }, env: {}, logger: silentLogger });
const unknown = (runner: string) =>
  new SweFlowError(ErrorCodes.UNKNOWN_RUNNER, 'could not tell which test runner', { details: { wrappedRunners: [{ command: 'kcd-scripts', wrapper: 'kcd-scripts@15.0.1', runner }] } });

describe('choosing the runner of a test script that goes through a wrapper', () => {
  it('keeps SWEFLOW_UNKNOWN_RUNNER, with why, when the wrapper\'s options cannot be read', async () => {
    const failure = await chooseRunner(ctx('npm run other'), () => Promise.reject(unknown('jest'))).catch((e: unknown) => e);
    expect(failure).toMatchObject({ code: ErrorCodes.UNKNOWN_RUNNER });
    expect((failure as Error).message).toMatch(/could not read the options the wrapper passes: the test script has no command that starts with `kcd-scripts`/);
  });

  it('leaves runners it cannot read a wrapper for, and detected runners without a wrapper, as they were', async () => {
    await expect(chooseRunner(ctx('kcd-scripts test'), () => Promise.reject(unknown('uvu')))).rejects.toThrow('could not tell which test runner');
    const mocha = getAdapter('mocha');
    expect((await chooseRunner(ctx('mocha'), () => Promise.resolve(mocha))).adapter).toBe(mocha);
  });
});
