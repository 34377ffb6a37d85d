import type Docker from 'dockerode';
import tarFs from 'tar-fs';
import { ErrorCodes, SweFlowError, type Logger } from '@swe-flow/core';

interface BuildEvent {
  stream?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string };
}

/**
 * Builds `contextDir` (its `Dockerfile`) through the engine API, the same as `docker build -t tag .`.
 * Returns the build log; throws IMAGE_BUILD_FAILED with the log's tail when a step fails.
 */
export async function buildFromContext(
  docker: Docker,
  contextDir: string,
  tag: string,
  logger?: Logger,
  noCache = false,
): Promise<string> {
  const stream = await docker.buildImage(tarFs.pack(contextDir), {
    t: tag,
    rm: true,
    forcerm: true,
    nocache: noCache,
    version: '1',
  } as Docker.ImageBuildOptions);
  const log: string[] = [];
  let failure: string | undefined;
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (err: Error | null) => (err ? reject(err) : resolve()),
      (event: BuildEvent) => {
        if (event.stream !== undefined) {
          log.push(event.stream);
          const line = event.stream.trim();
          if (line !== '') logger?.debug(line, { tag });
        }
        if (event.error !== undefined) failure = event.errorDetail?.message ?? event.error;
      },
    );
  }).catch((cause: unknown) => {
    failure ??= (cause as Error).message;
  });
  const text = log.join('');
  if (failure !== undefined) {
    throw new SweFlowError(
      ErrorCodes.IMAGE_BUILD_FAILED,
      `docker build of ${tag} failed: ${failure}\n--- last build output ---\n${text.split('\n').slice(-30).join('\n')}\nFix the step above, or build ${contextDir} by hand with: docker build -t ${tag} ${contextDir}`,
      { details: { tag, contextDir } },
    );
  }
  return text;
}

/**
 * Removes the untagged images a multi-stage build leaves (the legacy builder keeps every stage it
 * built, such as the `install` stage), found by the inputs-hash label every stage inherits from the
 * first one: only this build's leftovers, never another image.
 */
export async function removeStageImages(docker: Docker, hashLabel: string, hash: string): Promise<number> {
  const dangling = await docker.listImages({ filters: { dangling: ['true'], label: [`${hashLabel}=${hash}`] } });
  let removed = 0;
  for (const image of dangling) {
    // Still in use by a build of the same inputs running at this moment: it goes with that build.
    await docker.getImage(image.Id).remove().then(() => removed++, () => undefined);
  }
  return removed;
}
