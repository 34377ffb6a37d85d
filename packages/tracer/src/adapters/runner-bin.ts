/**
 * Where a repository's runner lives and which major it is: read from the installed package's own
 * `package.json` (its `bin` field and `version`), never from a fixed path inside the package (mocha 8
 * ships `bin/mocha`, mocha 10 `bin/mocha.js`; ava 3 `cli.js`, ava 6 `entrypoints/cli.mjs`).
 *
 * Commands run by swe-flow itself in the checkout (listing, traced runs) start the bin file with
 * `node` so node flags can go first. Plain commands, which also run in containers and are written
 * into task rows, start the package manager's link `node_modules/.bin/<name>` that npm, yarn and
 * pnpm all make from the same `bin` field.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ErrorCodes, SweFlowError, type RunnerName } from '@swe-flow/core';

/** The npm package each runner is installed as (node:test ships with Node). */
export const RUNNER_PACKAGES: Partial<Record<RunnerName, string>> = { vitest: 'vitest', jest: 'jest', mocha: 'mocha', ava: 'ava', tape: 'tape', tap: 'tap', uvu: 'uvu', jasmine: 'jasmine' };

export interface InstalledRunner {
  /** Repo-relative POSIX folder of the installed package (`node_modules/mocha`). */
  dir: string;
  version: string;
  major: number;
  /** Bin name -> path relative to the package folder. */
  bin: Record<string, string>;
}

function binField(pkg: { name?: string; bin?: unknown }, name: string): Record<string, string> {
  if (typeof pkg.bin === 'string') return { [name.split('/').pop()!]: pkg.bin };
  if (pkg.bin && typeof pkg.bin === 'object') return { ...(pkg.bin as Record<string, string>) };
  return {};
}

/**
 * The runner package `name` as installed for `fromDir` (repo-relative; its own node_modules first,
 * then each parent's, as Node resolves it); undefined when it is not installed.
 */
export function findInstalledRunner(root: string, name: string, fromDir = ''): InstalledRunner | undefined {
  let dir = fromDir.replace(/\/+$/, '');
  for (;;) {
    const rel = path.posix.join(dir, 'node_modules', name);
    try {
      const pkg = JSON.parse(readFileSync(path.join(root, rel, 'package.json'), 'utf8')) as { version?: string; name?: string; bin?: unknown };
      const version = String(pkg.version ?? '0.0.0');
      return { dir: rel, version, major: Number.parseInt(version, 10) || 0, bin: binField(pkg, name) };
    } catch {
      // not installed at this level
    }
    if (!dir || dir === '.') return undefined;
    const parent = path.posix.dirname(dir);
    dir = parent === '.' ? '' : parent;
  }
}

/** Like findInstalledRunner, with an error that says what to do when the runner is missing. */
export function requireInstalledRunner(root: string, name: string, fromDir = ''): InstalledRunner {
  const found = findInstalledRunner(root, name, fromDir);
  if (!found) {
    throw new SweFlowError(
      ErrorCodes.TRACE_FAILED,
      `${name} is not installed in ${path.join(root, fromDir)} (no node_modules/${name}/package.json); install the repository's dependencies first`,
    );
  }
  return found;
}

/**
 * Repo-relative path of the runner's bin file: the first of `binNames` its package.json declares
 * (mocha: `_mocha` runs in-process in every major, `mocha` re-spawns node before mocha 8).
 */
export function runnerBinFile(runner: InstalledRunner, binNames: readonly string[]): string {
  for (const name of binNames) {
    const rel = runner.bin[name];
    if (rel) return path.posix.join(runner.dir, rel);
  }
  throw new SweFlowError(
    ErrorCodes.TRACE_FAILED,
    `${runner.dir}/package.json (version ${runner.version}) declares no bin named ${binNames.join(' or ')}; reinstall the runner`,
  );
}

/** The package manager's link to a runner's bin, for plain commands (`node_modules/.bin/<name>`). */
export function binLink(name: string): string {
  return `node_modules/.bin/${name}`;
}
