import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import tarFs from 'tar-fs';
import { describe, expect, it } from 'vitest';
import { getDocker, inspectImage, pruneImages } from '../src/index.js';
import { hasDocker } from './docker-available.js';

/** A one-file image made with `docker import` (no registry needed). */
async function importTinyImage(tag: string, labels: Record<string, string>): Promise<void> {
  const docker = getDocker();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'swe-flow-tiny-img-'));
  try {
    await writeFile(path.join(dir, 'hello.txt'), `${tag}\n`);
    const [repo, version] = tag.split(':');
    const stream = await docker.importImage(tarFs.pack(dir), {
      repo,
      tag: version,
      changes: Object.entries(labels).map(([k, v]) => `LABEL ${k}=${v}`),
    } as object);
    await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe.skipIf(!hasDocker)('pruneImages', () => {
  it("removes only swe-flow's labelled images and containers; an unrelated image survives", async () => {
    const docker = getDocker();
    const run = randomUUID().slice(0, 8);
    const scope = { 'swe-flow.test-run': run };
    const ours = `swe-flow/prune-test:${run}`;
    const unrelated = `unrelated-prune-test:${run}`;
    await importTinyImage(ours, { 'swe-flow': '1', ...scope });
    // Same test label, but not swe-flow's: must survive.
    await importTinyImage(unrelated, scope);
    const container = await docker.createContainer({ Image: ours, Cmd: ['/hello.txt'], Labels: { 'swe-flow': '1', ...scope } });
    const foreign = await docker.createContainer({ Image: unrelated, Cmd: ['/hello.txt'], Labels: scope });
    try {
      const dry = await pruneImages({ match: scope, dryRun: true });
      expect(dry.images).toEqual([ours]);
      expect(await inspectImage(docker, ours)).toBeDefined();

      const result = await pruneImages({ match: scope });
      expect(result.containers).toEqual([container.id]);
      expect(result.images).toEqual([ours]);
      expect(await inspectImage(docker, ours)).toBeUndefined();
      await expect(container.inspect()).rejects.toMatchObject({ statusCode: 404 });
      expect(await inspectImage(docker, unrelated)).toBeDefined();
      expect((await foreign.inspect()).Id).toBe(foreign.id);
    } finally {
      await foreign.remove({ force: true }).catch(() => {});
      await container.remove({ force: true }).catch(() => {});
      await docker.getImage(unrelated).remove().catch(() => {});
      await docker.getImage(ours).remove().catch(() => {});
    }
  });

  it('keeps a labelled image that a user also tagged under another name', async () => {
    const docker = getDocker();
    const run = randomUUID().slice(0, 8);
    const scope = { 'swe-flow.test-run': run };
    const ours = `swe-flow/prune-test:${run}`;
    const userTag = `my-copy-prune-test:${run}`;
    await importTinyImage(ours, { 'swe-flow': '1', ...scope });
    await docker.getImage(ours).tag({ repo: `my-copy-prune-test`, tag: run });
    try {
      const result = await pruneImages({ match: scope });
      expect(result.images).toEqual([ours]);
      expect(await inspectImage(docker, ours)).toBeUndefined();
      expect(await inspectImage(docker, userTag)).toBeDefined();
    } finally {
      await docker.getImage(userTag).remove().catch(() => {});
      await docker.getImage(ours).remove().catch(() => {});
    }
  });
});
