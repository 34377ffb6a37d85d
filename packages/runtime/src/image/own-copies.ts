/**
 * Copies of the repository's own package inside its installed dependencies (a test tool that depends
 * on it, a devDependency on its previous release) hold the solution of every task. The env tier
 * (collect-deps.cjs) turns each into a link to the package's own folder; `linkOwnPackageCopies` does the
 * same to swe-flow's prepared copy, so tracing and verification run with the dependencies a task
 * environment has.
 */
import { execa } from 'execa';
import { ErrorCodes, SweFlowError } from '@swe-flow/core';
import { COLLECT_DEPS_SCRIPT } from './environment-image.js';

export interface OwnPackageCopy {
  /** Where the copy was (repo-relative when `dir` is given relative, else absolute). */
  path: string;
  why: string;
  /** The relative link that replaced it; absent when it was removed (the package's entry is made by a build). */
  link?: string;
}

/** Replaces, in place, every copy of the tree's own packages in its node_modules folders (see collect-deps.cjs). */
export async function linkOwnPackageCopies(dir: string): Promise<OwnPackageCopy[]> {
  const r = await execa('node', [COLLECT_DEPS_SCRIPT, '--link-self', dir], { reject: false });
  if (r.exitCode !== 0) {
    throw new SweFlowError(ErrorCodes.INTERNAL, `could not replace the copies of the repository's own package in ${dir}/node_modules (collect-deps.cjs --link-self, exit ${r.exitCode}): ${String(r.stderr).slice(-2000)}`);
  }
  return JSON.parse(String(r.stdout)) as OwnPackageCopy[];
}
