/** The jobs swe-flow puts on the queue: their names, data, ids (content hashes) and results. */
import type { RepoEntry, RepoResult, ResolvedManifest } from '@swe-flow/release';

export const RELEASE_QUEUE = 'release';
export const EVAL_QUEUE = 'eval';
export const DEFAULT_PREFIX = 'swe-flow';

export interface ReleaseRepoJobData {
  kind: 'release-repo';
  repo: RepoEntry;
  key: string;
  options: ResolvedManifest['options'];
  storeRoot: string;
  /** Epoch ms after which the job is not started any more. */
  deadline: number;
}

export interface GradeJobData {
  kind: 'grade-instance';
  /** The synth output folder (on the shared mount). */
  dataset: string;
  instanceId: string;
  /** Predictions file in the store (never the patch itself: nothing large goes through Redis). */
  predictionsFile: string;
  runId: string;
  runtime: 'local' | 'docker';
  timeoutMs: number;
  key: string;
  storeRoot: string;
  deadline: number;
}

export type JobData = ReleaseRepoJobData | GradeJobData;

export interface GradeJobResult {
  instanceId: string;
  /** Folder holding `<runId>/<instance>/` as `swe-flow eval` writes it. */
  outDir: string;
  grade: string;
}

export type JobResult = RepoResult | GradeJobResult;

/** BullMQ ids may not contain `:`; the kind and the content key make the id, so enqueuing twice is one job. */
export const jobIdOf = (data: Pick<JobData, 'kind' | 'key'>) => `${data.kind}-${data.key}`;

/** Errors of the machine, not the task: these are retried on another attempt; verdicts never are. */
const INFRA_CODES = new Set(['SWEFLOW_DOCKER_UNAVAILABLE', 'SWEFLOW_QUEUE_UNAVAILABLE', 'ENOSPC', 'EIO', 'EMFILE', 'ENFILE', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EAI_AGAIN']);

export function isInfrastructure(code: string | undefined, message = ''): boolean {
  return (!!code && INFRA_CODES.has(code)) || /\b(ENOSPC|EIO|EMFILE|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN)\b/.test(message) || /^infrastructure:/.test(message);
}
