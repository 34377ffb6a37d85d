/**
 * The adapter registry: plain typed objects, most certain detection wins. Colleagues add their
 * adapters (jest, mocha, node:test, ava) to `adapters` below.
 */
import { ErrorCodes, SweFlowError, type RunnerName } from '@swe-flow/core';
import type { RepoFacts, RunnerAdapter } from '../adapter.js';
import { findWrappedRunners } from './wrapper-runner.js';
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

export { selfHostedRunner, selfHostedRunnerError, type SelfHostedRunner } from './self-hosted.js';
