import { execa } from 'execa';
import { ErrorCodes, SweFlowError } from '@swe-flow/core';

/** Runs git with a clean error when it fails; returns trimmed stdout. */
export async function git(args: string[], cwd?: string): Promise<string> {
  const result = await execa('git', args, {
    cwd,
    reject: false,
    env: { GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1' },
    stripFinalNewline: true,
  });
  if (result.exitCode !== 0) {
    throw new SweFlowError(
      ErrorCodes.GIT_FAILED,
      `git ${args.join(' ')} failed (exit ${result.exitCode}): ${String(result.stderr).trim()}; check that the task repository and commit exist`,
      { details: { args, cwd } },
    );
  }
  return String(result.stdout);
}

/** Every ref of a repository with its sha (`<sha> <ref>` lines), sorted: a fingerprint of its history. */
export async function refFingerprint(repo: string): Promise<string> {
  return git(['for-each-ref', '--format=%(objectname) %(refname)', '--sort=refname'], repo);
}
