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

export type SweFlowObjectKind = 'base' | 'rootfs' | 'env' | 'instance' | 'workspace';

export function sweFlowLabels(kind: SweFlowObjectKind, extra: Record<string, string> = {}): Record<string, string> {
  return { [SWE_FLOW_LABEL]: '1', [LABEL_KIND]: kind, ...extra };
}
