/**
 * The adapter registry: plain typed objects, most certain detection wins. Colleagues add their
 * adapters (jest, mocha, node:test, ava) to `adapters` below.
 */
import { ErrorCodes, SweFlowError, type RunnerName } from '@swe-flow/core';
import type { RepoFacts, RunnerAdapter } from '../adapter.js';
import { findWrappedRunners } from './wrapper-runner.js';
import { RUNNER_PACKAGES } from './runner-bin.js';
import { vitestAdapter } from './vitest.js';
import { jestAdapter } from './jest.js';
import { mochaAdapter } from './mocha.js';
import { nodeTestAdapter } from './node-test.js';
import { avaAdapter } from './ava.js';
import { tapeAdapter } from './tape.js';
import { jasmineAdapter } from './jasmine.js';
import { uvuAdapter } from './uvu.js';
import { tapAdapter } from './tap.js';

export const adapters: RunnerAdapter[] = [vitestAdapter, jestAdapter, mochaAdapter, nodeTestAdapter, avaAdapter, tapeAdapter, jasmineAdapter, uvuAdapter, tapAdapter];

export function getAdapter(name: RunnerName, registry: readonly RunnerAdapter[] = adapters): RunnerAdapter {
  const found = registry.find((a) => a.name === name);
  if (!found) {
    throw new SweFlowError(ErrorCodes.UNKNOWN_RUNNER, `no adapter for runner "${name}"; known: ${registry.map((a) => a.name).join(', ')}`);
  }
  return found;
}

/** The adapter whose detection is most certain; throws when none recognises the repository. */
export function detectRunner(facts: RepoFacts, registry: readonly RunnerAdapter[] = adapters): RunnerAdapter {
  let best: RunnerAdapter | undefined;
  let bestScore = 0;
  for (const adapter of registry) {
    const score = adapter.detect(facts);
    if (score > bestScore) {
      best = adapter;
      bestScore = score;
    }
  }
  if (!best) {
    // A wrapper (`kcd-scripts test`) that depends on a runner: name it, and the flag that picks it.
    const wrapped = findWrappedRunners(facts.root, facts.packageJson).filter((w) => registry.some((a) => a.name === w.runner));
    const hint = wrapped.map((w) => `the test script runs \`${w.command}\` (${w.wrapper}), which depends on ${w.runner}: if it runs the tests with ${w.runner}, pass --runner ${w.runner}`).join('; ');
    throw new SweFlowError(
      ErrorCodes.UNKNOWN_RUNNER,
      `could not tell which test runner ${facts.root} uses (looked for ${registry.map((a) => a.name).join(', ')} in its dependencies, scripts and config files)${hint ? `; ${hint}` : '; pass the runner explicitly (--runner NAME)'}`,
      wrapped.length > 0 ? { details: { wrappedRunners: wrapped } } : undefined,
    );
  }
  return best;
}

/**
 * The error for a repository that is its runner's own package (jasmine/jasmine-npm tests itself with
 * `node ./bin/jasmine.js`): every run starts the harness from the code a base stubs, so a base cannot
 * run its own tests, and the only runner to install beside it would be a published copy of the
 * solution. Undefined for any other repository.
 */
export function selfHostedRunnerError(packageJson: Record<string, unknown>, runner: RunnerName): SweFlowError | undefined {
  const pkg = RUNNER_PACKAGES[runner];
  if (!pkg || packageJson.name !== pkg) return undefined;
  return new SweFlowError(
    ErrorCodes.SELF_HOSTED_RUNNER,
    `this repository is the ${runner} test runner itself (package.json name "${pkg}"): its tests run through its own code, so a base with that code stubbed cannot run them, and installing another ${pkg} beside it would put a published copy of the solution in every task; swe-flow makes no tasks from a test runner's own repository. If its tests also run under another runner, pass --runner NAME.`,
  );
}
