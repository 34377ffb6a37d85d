/**
 * A test runner's own repository (lukeed/uvu, jasmine/jasmine-npm, mochajs/mocha): recognised before
 * any runner is detected, because the runner it tests is not one of its dependencies (uvu's test
 * script is `node test`, which runs uvu's `src` through a module alias) and detection would otherwise
 * end in SWEFLOW_UNKNOWN_RUNNER with advice that cannot help.
 */
import { ErrorCodes, SweFlowError, type RunnerName } from '@swe-flow/core';
import { RUNNER_PACKAGES } from './runner-bin.js';

export interface SelfHostedRunner {
  runner: RunnerName;
  /** What gave it away: the package name, or the bin the test script starts. */
  evidence: string;
}

/** The command names each runner's package installs (`node_modules/.bin/<name>`). */
const RUNNER_BINS: Partial<Record<RunnerName, string>> = { vitest: 'vitest', jest: 'jest', mocha: 'mocha', ava: 'ava', tape: 'tape', tap: 'tap', uvu: 'uvu', jasmine: 'jasmine' };

function binsOf(pkg: Record<string, unknown>): Record<string, string> {
  if (typeof pkg.bin === 'string' && typeof pkg.name === 'string') return { [pkg.name.split('/').pop()!]: pkg.bin };
  if (pkg.bin && typeof pkg.bin === 'object') return Object.fromEntries(Object.entries(pkg.bin as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string'));
  return {};
}

/** `./bin/jasmine.js` and `bin/jasmine.js` alike; a script word for the same file. */
function samePath(a: string, b: string): boolean {
  const norm = (p: string) => p.replace(/^\.\//, '').replace(/^['"]|['"]$/g, '');
  return norm(a) === norm(b);
}

/** The runner whose bin name the package declares and whose file the test script starts (`node ./bin/jasmine.js`). */
function runnerFromOwnBin(pkg: Record<string, unknown>): SelfHostedRunner | undefined {
  const test = ((pkg.scripts ?? {}) as Record<string, unknown>).test;
  if (typeof test !== 'string') return undefined;
  const words = test.split(/[\s;&|()]+/).filter(Boolean);
  for (const [name, file] of Object.entries(binsOf(pkg))) {
    const runner = (Object.entries(RUNNER_BINS) as [RunnerName, string][]).find(([, bin]) => bin === name)?.[0];
    if (runner && words.some((w) => samePath(w, file))) return { runner, evidence: `its test script starts its own bin "${name}" (${file})` };
  }
  return undefined;
}

/**
 * The runner this package is, when it is one: its package.json name is a runner's package, or its test
 * script starts its own bin of a runner's name. Undefined for any other package, and when the user chose
 * another runner (`--runner`), which may well run its tests.
 */
export function selfHostedRunner(pkg: Record<string, unknown>, configured?: RunnerName): SelfHostedRunner | undefined {
  const byName = (Object.entries(RUNNER_PACKAGES) as [RunnerName, string][]).find(([, name]) => name === pkg.name)?.[0];
  const found = byName ? { runner: byName, evidence: `package.json name "${String(pkg.name)}"` } : runnerFromOwnBin(pkg);
  if (!found || (configured && configured !== found.runner)) return undefined;
  return found;
}

/** What the test script runs, quoted for the message. */
function testScriptOf(pkg: Record<string, unknown>): string {
  const test = ((pkg.scripts ?? {}) as Record<string, unknown>).test;
  return typeof test === 'string' ? `; the test script is \`${test}\`` : '';
}

/**
 * SWEFLOW_SELF_HOSTED_RUNNER for a runner's own package, saying why no task is made from it; undefined
 * for any other package.
 */
export function selfHostedRunnerError(pkg: Record<string, unknown>, configured?: RunnerName): SweFlowError | undefined {
  const found = selfHostedRunner(pkg, configured);
  if (!found) return undefined;
  const { runner } = found;
  const published = RUNNER_PACKAGES[runner] ?? runner;
  return new SweFlowError(
    ErrorCodes.SELF_HOSTED_RUNNER,
    `this repository is the ${runner} test runner itself (${found.evidence}${testScriptOf(pkg)}): its tests are run by its own code, so the functions a base would stub are the harness that runs the tests. ` +
      `swe-flow's ${runner} adapter reads results through an installed copy of ${published}, and installing one beside this repository would put a published copy of the solution in every task's environment; ` +
      `running the suite with the repository's own harness instead, with only the functions that run inside tests as steps, is not built. swe-flow makes no tasks from a test runner's own repository. ` +
      `If its tests also run under another runner, pass --runner NAME.`,
    { details: { runner, evidence: found.evidence } },
  );
}
