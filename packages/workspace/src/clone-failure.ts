/**
 * Why a clone or checkout failed, told apart by git's own words: a snapshot or remote that lacks git
 * objects (nodeca/js-yaml's local snapshot lacks a blob) is not a wrong URL, and needs other advice.
 */
import { ErrorCodes, SweFlowError } from '@swe-flow/core';

/** git's words for an object it needs and cannot read, on either side of a clone. */
const MISSING_OBJECT = /unable to read sha1 file|unable to read [0-9a-f]{40}|missing (?:blob|tree|commit|object)|bad object|did not send all necessary objects|repository corruption|object file .* is (?:empty|corrupt)|loose object .* is corrupt|packfile .* cannot be accessed|invalid index-pack output/i;

/** The paths git names beside a missing object (`unable to read sha1 file of a/b.yaml (sha)`). */
function missingPaths(stderr: string): string[] {
  return [...stderr.matchAll(/unable to read sha1 file of (\S+) \(([0-9a-f]{40})\)/g)].map((m) => `${m[1]} (${m[2]})`);
}

export interface CloneSide {
  /** What the user gave: the URL, or the path of their repository. */
  input: string;
  /** The local snapshot cloned instead of the URL. */
  mirror?: string;
  /** The source is the user's own repository (a local path with --ref). */
  local?: boolean;
}

function stderrOf(cause: unknown): string {
  const e = cause as { stderr?: unknown; message?: unknown };
  return String(e.stderr ?? e.message ?? '').trim();
}

function incompleteAdvice(side: CloneSide, missing: string): string {
  if (side.mirror) {
    return `the local snapshot ${side.mirror} of ${side.input} lacks git objects the checkout needs${missing}: the snapshot is incomplete or damaged, not the URL. ` +
      `Fetch it again (\`git -C ${side.mirror} fetch --refetch\`, or make a fresh mirror; \`git -C ${side.mirror} fsck\` lists what else is missing), or clone ${side.input} from the network without the mirror`;
  }
  if (side.local) {
    return `${side.input} lacks git objects the checkout needs${missing}: the repository is incomplete (a shallow or partial clone, or damaged); \`git fsck\` there lists what is missing. Fetch the missing history, or run without --ref to copy the work tree as it is`;
  }
  return `${side.input} sent a repository that lacks git objects${missing}: the remote side is incomplete or damaged, not the URL. Retry later, or clone from a complete local snapshot (--mirror URL=PATH)`;
}

/**
 * The error for a clone or checkout that failed: SWEFLOW_SOURCE_INCOMPLETE when git could not read an
 * object it needs, undefined otherwise (the caller keeps its own error). git's output is in the message.
 */
export function incompleteSourceError(cause: unknown, side: CloneSide): SweFlowError | undefined {
  const stderr = stderrOf(cause);
  if (!MISSING_OBJECT.test(stderr)) return undefined;
  const paths = missingPaths(stderr);
  const missing = paths.length > 0 ? ` (${paths.slice(0, 3).join(', ')}${paths.length > 3 ? `, and ${paths.length - 3} more` : ''})` : '';
  return new SweFlowError(ErrorCodes.SOURCE_INCOMPLETE, `could not check out ${side.input}: ${incompleteAdvice(side, missing)} (git said: ${stderr.slice(-500)})`, {
    cause,
    details: { ...(side.mirror ? { mirror: side.mirror } : {}), missing: paths },
  });
}
