import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type Docker from 'dockerode';
import { ErrorCodes, SweFlowError, type Logger } from '@swe-flow/core';
import { getDocker, inspectImage } from '../docker/client.js';
import { SWE_USER, TESTBED } from '../docker/docker-runtime.js';
import { git } from '../git.js';
import { LABEL_COMMIT, LABEL_KIND, LABEL_REPO, SWE_FLOW_LABEL } from '../labels.js';
import { buildFromContext } from './docker-build.js';

export const LABEL_INSTANCE = 'swe-flow.instance';
export const LABEL_ENV = 'swe-flow.env';

export interface InstanceImageOptions {
  /** The repository's env image (dependencies only), built by buildEnvironmentImage. */
  envImage: string;
  /** The task git repository (bare or not) holding `baseCommit`. */
  taskRepo: string;
  baseCommit: string;
  instanceId: string;
  /** `owner/repo`, for labels and the image name. */
  repoName: string;
  /** The build context is written to `<contextRoot>/<instanceId>/`. */
  contextRoot: string;
  /** A root `prepare` script is run from the base tree (install-time builds come from the task, not the original). */
  prepareCommand?: string;
  /** Build (default) or only write the context. */
  build?: boolean;
  docker?: Docker;
  logger?: Logger;
}

export interface InstanceImage {
  tag: string;
  cached: boolean;
  built: boolean;
  contextDir: string;
  /** Bytes this image adds to its env image (its own layers). */
  addedBytes?: number;
  durationMs: number;
}

/**
 * The instance tier: the env image plus `/testbed` = the task's base tree as a git repository whose
 * only commit is `baseCommit` (same sha, a depth-1 fetch) with no other ref, object, pack, reflog or
 * stash. Everything else (OS, Node, dependencies) is the env image's layers, shared by every instance.
 */
export async function buildInstanceImage(options: InstanceImageOptions): Promise<InstanceImage> {
  const started = performance.now();
  const docker = options.docker ?? getDocker();
  const env = await inspectImage(docker, options.envImage);
  if (env === undefined && options.build !== false) {
    throw new SweFlowError(ErrorCodes.DOCKER_UNAVAILABLE, `env image ${options.envImage} does not exist; build it first (swe-flow docker build --dir <out>)`);
  }
  const dockerfile = instanceDockerfile(options);
  const hash = createHash('sha256').update(env?.Id ?? options.envImage).update('\0').update(options.baseCommit).update('\0').update(dockerfile).digest('hex');
  const tag = `${instanceImageName(options.repoName)}:${options.baseCommit.slice(0, 12)}-${hash.slice(0, 12)}`;
  const contextDir = path.join(path.resolve(options.contextRoot), options.instanceId);
  const existing = await inspectImage(docker, tag);
  const previous = await readFile(path.join(contextDir, 'image.json'), 'utf8').catch(() => undefined);
  if (previous === undefined || (JSON.parse(previous) as { tag?: string }).tag !== tag) {
    await rm(contextDir, { recursive: true, force: true });
    await mkdir(contextDir, { recursive: true });
    await writeFile(path.join(contextDir, 'Dockerfile'), dockerfile);
    await writeTestbedRepo(options.taskRepo, options.baseCommit, path.join(contextDir, 'testbed'));
    await writeFile(path.join(contextDir, 'image.json'), `${JSON.stringify({ schemaVersion: 1, tag, envImage: options.envImage, baseCommit: options.baseCommit, instanceId: options.instanceId }, null, 2)}\n`);
  }
  if (existing !== undefined || options.build === false) {
    return { tag, cached: existing !== undefined, built: false, contextDir, ...(existing && env ? { addedBytes: existing.Size - env.Size } : {}), durationMs: Math.round(performance.now() - started) };
  }
  options.logger?.debug('building instance image', { tag, instance: options.instanceId });
  await buildFromContext(docker, contextDir, tag, options.logger);
  const info = await inspectImage(docker, tag);
  return { tag, cached: false, built: true, contextDir, ...(info && env ? { addedBytes: info.Size - env.Size } : {}), durationMs: Math.round(performance.now() - started) };
}

export function instanceImageName(repoName: string): string {
  const s = repoName.toLowerCase().replace(/^@/, '').replace(/[^a-z0-9._-]+/g, '-').replace(/^[-._]+|[-._]+$/g, '');
  return `swe-flow/instance-${(s || 'repo').slice(0, 60)}`;
}

export function instanceDockerfile(options: Pick<InstanceImageOptions, 'envImage' | 'repoName' | 'instanceId' | 'baseCommit' | 'prepareCommand'>): string {
  const q = (v: string) => v.replace(/["\\\n]/g, '');
  const prepare = options.prepareCommand ? `# the repository's prepare script, built from the base tree (never from the original)\nRUN ${options.prepareCommand}\n` : '';
  return `# swe-flow instance image for ${q(options.instanceId)}
# /testbed: the task's base tree, a git repository whose only commit is ${options.baseCommit}
FROM ${options.envImage}
LABEL ${SWE_FLOW_LABEL}="1" ${LABEL_KIND}="instance" ${LABEL_REPO}="${q(options.repoName)}" ${LABEL_INSTANCE}="${q(options.instanceId)}" ${LABEL_COMMIT}="${options.baseCommit}" ${LABEL_ENV}="${q(options.envImage)}"
COPY --chown=${SWE_USER}:${SWE_USER} testbed/ ${TESTBED}/
USER ${SWE_USER}
WORKDIR ${TESTBED}
${prepare}`;
}

/**
 * `dir` becomes a git repository whose only commit is `commit` (fetched with depth 1, so the sha is
 * the task repository's) on `main`, checked out, with no remote, no other ref, no reflog, no
 * FETCH_HEAD and no object but that commit's tree.
 */
export async function writeTestbedRepo(taskRepo: string, commit: string, dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await git(['init', '--quiet', '--initial-branch=main'], dir);
  await git(['config', 'core.logAllRefUpdates', 'false'], dir);
  await git(['fetch', '--quiet', '--depth=1', '--no-tags', '--no-write-fetch-head', '--upload-pack=git -c uploadpack.allowAnySHA1InWant=true upload-pack', `file://${path.resolve(taskRepo)}`, commit], dir);
  await git(['update-ref', 'refs/heads/main', commit], dir);
  await git(['-c', 'advice.detachedHead=false', 'checkout', '--quiet', '--force', 'main'], dir);
  await rm(path.join(dir, '.git', 'logs'), { recursive: true, force: true });
  await rm(path.join(dir, '.git', 'FETCH_HEAD'), { force: true });
  await rm(path.join(dir, '.git', 'ORIG_HEAD'), { force: true });
  await rm(path.join(dir, '.git', 'hooks'), { recursive: true, force: true });
  // The env image's dependencies are not the task's files: `git status` and `git add -A` leave them out.
  await mkdir(path.join(dir, '.git', 'info'), { recursive: true });
  await writeFile(path.join(dir, '.git', 'info', 'exclude'), 'node_modules/\n');
  const objects = (await git(['cat-file', '--batch-all-objects', '--batch-check=%(objecttype) %(objectname)'], dir)).split('\n').filter(Boolean);
  const commits = objects.filter((l) => l.startsWith('commit '));
  if (commits.length !== 1 || commits[0] !== `commit ${commit}`) {
    throw new SweFlowError(ErrorCodes.GIT_FAILED, `the testbed repository for ${commit} holds ${commits.length} commits; expected exactly that one`);
  }
}
