import type Docker from 'dockerode';
import { getDocker } from '../docker/client.js';
import { LABEL_KIND, SWE_FLOW_LABEL } from '../labels.js';

export interface PruneOptions {
  docker?: Docker;
  /** Extra labels an object must also carry (AND), e.g. `{ 'swe-flow.repo': 'owner/repo' }`. */
  match?: Record<string, string>;
  /** Keep the offline bases (`swe-flow/base`, `swe-flow/rootfs`): rebuilding them takes a minute. */
  keepBase?: boolean;
  /** List what would go without removing anything. */
  dryRun?: boolean;
  /**
   * Only these tiers (`swe-flow.kind`): `instance` (per task), `env` (per repository), `base`/`rootfs`
   * (offline bases), `workspace` (containers). Default every kind. An env image goes only after its
   * instances (they are its children), so `['env']` alone keeps an env that instances still use.
   */
  kinds?: readonly string[];
}

export interface PruneResult {
  containers: string[];
  /** Image tags (or ids of untagged images) removed. */
  images: string[];
  /** What could not be removed, and why (e.g. an image a non-swe-flow container still uses). */
  kept: Array<{ ref: string; reason: string }>;
}

/**
 * Removes the containers and images swe-flow made, and nothing else. The rule: an object is ours only
 * when it carries the label `swe-flow=1` (and every `match` label); of an image we remove only the
 * `swe-flow/...` names, so an image a user re-tagged under another name keeps that name and survives.
 * Images are never force-removed: one that a foreign container uses stays.
 */
export async function pruneImages(options: PruneOptions = {}): Promise<PruneResult> {
  const docker = options.docker ?? getDocker();
  const label = [`${SWE_FLOW_LABEL}=1`, ...Object.entries(options.match ?? {}).map(([k, v]) => `${k}=${v}`)];
  const result: PruneResult = { containers: [], images: [], kept: [] };

  const containers = options.kinds && !options.kinds.includes('workspace') ? [] : await docker.listContainers({ all: true, filters: { label } });
  for (const c of containers) {
    if (options.dryRun !== true) {
      try {
        await docker.getContainer(c.Id).remove({ force: true });
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode !== 404) {
          result.kept.push({ ref: c.Id, reason: (error as Error).message });
          continue;
        }
      }
    }
    result.containers.push(c.Id);
  }

  const keepKinds = options.keepBase === true ? new Set(['base', 'rootfs']) : new Set<string>();
  const onlyKinds = options.kinds ? new Set(options.kinds) : undefined;
  let pending = (await docker.listImages({ all: true, filters: { label } })).filter(
    (img) => !keepKinds.has(img.Labels?.[LABEL_KIND] ?? '') && (!onlyKinds || onlyKinds.has(img.Labels?.[LABEL_KIND] ?? '')),
  );
  // Instances first, then envs, then bases: children before parents.
  const order = ['instance', 'env', 'base', 'rootfs'];
  pending.sort((a, b) => order.indexOf(a.Labels?.[LABEL_KIND] ?? '') - order.indexOf(b.Labels?.[LABEL_KIND] ?? ''));
  // Children before parents: retry until a round removes nothing.
  for (let round = 0; round < 5 && pending.length > 0; round++) {
    const next: typeof pending = [];
    let progress = false;
    for (const img of pending) {
      const tags = (img.RepoTags ?? []).filter((t) => t !== '<none>:<none>');
      const ours = tags.filter((t) => t.startsWith('swe-flow/'));
      const refs = tags.length === 0 ? [img.Id] : ours;
      if (refs.length === 0) {
        result.kept.push({ ref: tags[0] ?? img.Id, reason: 'labelled by swe-flow but only named outside swe-flow/' });
        continue;
      }
      let failed: string | undefined;
      for (const ref of refs) {
        if (options.dryRun === true) {
          result.images.push(ref);
          continue;
        }
        try {
          await docker.getImage(ref).remove({ noprune: false });
          result.images.push(ref);
          progress = true;
        } catch (error) {
          const status = (error as { statusCode?: number }).statusCode;
          if (status === 404) continue;
          failed = (error as Error).message;
        }
      }
      if (failed !== undefined) next.push(img);
      if (failed !== undefined && round === 4) result.kept.push({ ref: refs[0] ?? img.Id, reason: failed });
    }
    pending = next;
    if (!progress || options.dryRun === true) {
      for (const img of pending) result.kept.push({ ref: img.RepoTags?.[0] ?? img.Id, reason: 'in use or has dependent images' });
      break;
    }
  }
  return result;
}
