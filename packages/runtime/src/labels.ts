/**
 * Every container and image swe-flow makes carries `swe-flow=1`; `pruneImages` removes only what
 * carries it. Further labels say which repository and which inputs an object belongs to.
 */
export const SWE_FLOW_LABEL = 'swe-flow';
export const LABEL_KIND = 'swe-flow.kind';
export const LABEL_REPO = 'swe-flow.repo';
export const LABEL_HASH = 'swe-flow.hash';
export const LABEL_NODE = 'swe-flow.node';
export const LABEL_COMMIT = 'swe-flow.commit';
/** The queue worker (`host/pid`) whose job made the object: a dead worker's containers are found by it. */
export const LABEL_WORKER = 'swe-flow.worker';
/** Set by `swe-flow worker` for the jobs it runs. */
export const WORKER_ID_ENV = 'SWEFLOW_WORKER_ID';

export type SweFlowObjectKind = 'base' | 'rootfs' | 'env' | 'instance' | 'workspace';

export function sweFlowLabels(kind: SweFlowObjectKind, extra: Record<string, string> = {}): Record<string, string> {
  const worker = process.env[WORKER_ID_ENV];
  return { [SWE_FLOW_LABEL]: '1', [LABEL_KIND]: kind, ...(worker ? { [LABEL_WORKER]: worker } : {}), ...extra };
}
