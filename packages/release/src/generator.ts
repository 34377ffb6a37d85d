/**
 * The swe-flow that builds: its version and, when it runs from a git checkout, its commit. Recorded in
 * each repository's `result.json` so a release says which code made each repository's rows, and so a
 * failure recorded by other code is tried again (see `reuseOf`).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ErrorCodes } from '@swe-flow/core';
import { SWEFLOW_VERSION } from '@swe-flow/pipeline';

export interface Generator {
  name: 'swe-flow';
  version: string;
  commit: string | null;
}

const run = promisify(execFile);
let cached: Promise<Generator> | undefined;

/** This process's generator (the commit is read once; null outside a git checkout). */
export function currentGenerator(): Promise<Generator> {
  cached ??= (async () => {
    const here = path.dirname(fileURLToPath(import.meta.url));
    const commit = await run('git', ['rev-parse', 'HEAD'], { cwd: here }).then((r) => r.stdout.trim() || null, () => null);
    return { name: 'swe-flow', version: SWEFLOW_VERSION, commit };
  })();
  return cached;
}

export interface ReuseInput {
  /** The repository's last result, if any. */
  last: { key: string; status: 'ok' | 'failed'; code?: string; generator?: { commit: string | null } } | undefined;
  key: string;
  generator: Pick<Generator, 'commit'>;
  retryFailed: boolean;
}

/**
 * Whether a repository's last result stands. Its key covers the source, overrides, options and the
 * generator's version; a finished repository is never built again while the key holds. A failure is
 * reused only when the same code recorded it: a failure from other code (a fix since, or a result
 * from before generators were recorded) is tried again, so a fixed repository is not left out of the
 * release by a stale failure.
 */
export function reuseOf(input: ReuseInput): { reuse: boolean; why: string } {
  const { last } = input;
  if (!last) return { reuse: false, why: 'not built yet' };
  if (last.key !== input.key) return { reuse: false, why: 'its inputs changed' };
  if (last.status === 'ok') return { reuse: true, why: 'unchanged' };
  if (input.retryFailed) return { reuse: false, why: 'failed; --retry-failed' };
  // Written by builds before a signal's shutdown stopped being recorded: a stop, not a result.
  if (last.code === ErrorCodes.INTERRUPTED) return { reuse: false, why: 'interrupted' };
  const by = last.generator?.commit ?? null;
  if (input.generator.commit !== null && by !== input.generator.commit) {
    return { reuse: false, why: `failed with other swe-flow code (${by ? by.slice(0, 10) : 'unrecorded'}, now ${input.generator.commit.slice(0, 10)})` };
  }
  return { reuse: true, why: 'unchanged failure' };
}
