/**
 * Runners started through a wrapper: `"test": "kcd-scripts test"` (kentcdodds/match-sorter) runs jest
 * from a package of scripts, so neither the repository's dependencies nor its scripts name jest. When
 * no runner is detected, the commands of the test script are followed to the installed packages whose
 * `bin` they are (through `node_modules/.bin`), and a runner those packages depend on is named in the
 * error, with the flag that selects it.
 */
import { readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import type { RunnerName } from '@swe-flow/core';
import { RUNNER_PACKAGES } from './runner-bin.js';
import { testScript } from './runner-kit.js';

export interface WrappedRunner {
  /** The command of the test script (`kcd-scripts`). */
  command: string;
  /** The installed package that command belongs to, and its version. */
  wrapper: string;
  runner: RunnerName;
}

/** Runner by the npm package it is installed as. */
const RUNNER_OF_PACKAGE = new Map(Object.entries(RUNNER_PACKAGES).map(([runner, pkg]) => [pkg, runner as RunnerName]));

/** The first word of every command in a script (`a && b; c | d`), environment assignments skipped. */
export function scriptCommands(script: string): string[] {
  const out: string[] = [];
  for (const part of script.split(/&&|\|\||[;|]/)) {
    const words = part.trim().split(/\s+/).filter((w) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(w));
    const word = ['npx', 'cross-env', 'env'].includes(words[0] ?? '') ? words.find((w, i) => i > 0 && !w.startsWith('-') && !w.includes('=')) : words[0];
    if (word && !out.includes(word)) out.push(word);
  }
  return out;
}

function packageDirOf(file: string, root: string): string | undefined {
  let dir = path.dirname(file);
  while (dir.startsWith(path.join(root, 'node_modules'))) {
    try {
      readFileSync(path.join(dir, 'package.json'));
      return dir;
    } catch {
      dir = path.dirname(dir);
    }
  }
  return undefined;
}

/** The runners the test script reaches through a wrapper package installed in `root`. */
export function findWrappedRunners(root: string, packageJson: Record<string, unknown>): WrappedRunner[] {
  const found: WrappedRunner[] = [];
  for (const command of scriptCommands(testScript(packageJson))) {
    if (command.includes('/')) continue;
    // npm and yarn link `.bin/<command>` to the bin file inside node_modules/<package> (one link level,
    // so a package installed from a folder still resolves inside node_modules).
    const binDir = path.join(root, 'node_modules', '.bin');
    let target: string;
    try {
      target = path.resolve(binDir, readlinkSync(path.join(binDir, command)));
    } catch {
      continue; // not an installed bin, or not a link (pnpm writes shell shims)
    }
    const dir = packageDirOf(target, root);
    if (!dir) continue;
    const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as Record<string, Record<string, string> | string | undefined>;
    const deps = { ...(pkg.dependencies as Record<string, string> | undefined), ...(pkg.peerDependencies as Record<string, string> | undefined) };
    for (const name of Object.keys(deps)) {
      const runner = RUNNER_OF_PACKAGE.get(name);
      if (runner && !found.some((f) => f.runner === runner)) found.push({ command, wrapper: `${String(pkg.name)}@${String(pkg.version)}`, runner });
    }
  }
  return found;
}
