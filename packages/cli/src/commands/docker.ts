import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { ErrorCodes, SweFlowError } from '@swe-flow/core';
import type { Flags } from '../main.js';
import { createCliLogger } from '../render.js';
import type * as runtimeTypes from '@swe-flow/runtime';

export async function run(args: string[], flags: Flags): Promise<number> {
  const action = args[0];
  const logger = createCliLogger(flags);
  const runtime = await import('@swe-flow/runtime');
  const print = (obj: Record<string, unknown>, text: string) =>
    process.stdout.write(flags.json ? `${JSON.stringify({ type: 'result', ...obj })}\n` : `${text}\n`);
  switch (action) {
    case 'bootstrap': {
      const r = await runtime.bootstrapBaseImage({ ...(typeof flags.nodeVersion === 'string' ? { nodeVersion: flags.nodeVersion } : {}), logger });
      print({ tag: r.tag, cached: r.cached }, `${r.tag} ${r.cached ? '(already present)' : `built in ${(r.durationMs / 1000).toFixed(1)} s`}`);
      return 0;
    }
    case 'build': {
      const dir = typeof flags.dir === 'string' ? flags.dir : args[1];
      if (!dir) throw new SweFlowError(ErrorCodes.USAGE, 'swe-flow docker build --dir <synth output directory>');
      const out = path.resolve(dir);
      const repo = JSON.parse(await readFile(path.join(out, 'repo.json'), 'utf8').catch(() => {
        throw new SweFlowError(ErrorCodes.PATH_MISSING, `${out} has no repo.json: run swe-flow synth first`);
      })) as { workDir: string; name: string; nodeVersion?: string; install?: runtimeTypes.InstallRecordForImage };
      const { installedCopyOf } = await import('@swe-flow/eval');
      const image = await runtime.buildEnvironmentImage({
        repoDir: installedCopyOf(out, repo.workDir), taskRepo: path.join(out, 'task-repo.git'), repoName: repo.name, outDir: out, logger,
        base: flags.base === 'online' ? 'online' : 'offline',
        // The install that set the repository up and was verified (package manager, version, fallbacks' flags).
        ...(repo.install ? { install: repo.install } : {}),
        // The Node the repository was set up and verified with, unless --node-version says otherwise.
        ...(typeof flags.nodeVersion === 'string' ? { nodeVersion: flags.nodeVersion } : repo.nodeVersion ? { nodeVersion: repo.nodeVersion, nodeVersionSource: 'repo.json' as const } : {}),
      });
      print({ tag: image.tag, cached: image.cached }, `${image.tag} ${image.cached ? '(cache hit)' : `built in ${(image.durationMs / 1000).toFixed(1)} s`}`);
      return 0;
    }
    case 'prune': {
      const tiers = typeof flags.tier === 'string' ? flags.tier.split(',').map((t) => t.trim()).filter(Boolean) : undefined;
      const known = ['instance', 'env', 'base', 'rootfs', 'workspace'];
      const unknown = (tiers ?? []).filter((t) => !known.includes(t));
      if (unknown.length) throw new SweFlowError(ErrorCodes.USAGE, `unknown tier ${unknown.join(', ')}: use ${known.join(', ')}`);
      const r = await runtime.pruneImages({ ...(tiers ? { kinds: tiers.includes('base') ? [...tiers, 'rootfs'] : tiers } : {}), ...(flags.dryRun ? { dryRun: true } : {}) });
      print({ ...r }, `${flags.dryRun ? 'would remove' : 'removed'} ${r.images.length} images and ${r.containers.length} containers${r.kept.length ? `; kept ${r.kept.length} (${r.kept.map((k) => `${k.ref}: ${k.reason}`).join('; ')})` : ''}`);
      return 0;
    }
    default:
      throw new SweFlowError(ErrorCodes.USAGE, `unknown docker action "${String(action)}": use bootstrap, build or prune`);
  }
}
