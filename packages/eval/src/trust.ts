/**
 * Where predictions run. A model's patch is untrusted code: its tests run with the rights of whoever
 * runs them, so predictions go into a container unless the user asks for this machine in so many
 * words. `gold` and `empty` run only the dataset's own code (the repository's, which synthesis already
 * ran here), so they keep the local runtime by default.
 */
import { ErrorCodes, SweFlowError, type Logger } from '@swe-flow/core';
import { checkDocker } from '@swe-flow/runtime';

export type EvalRuntimeName = 'local' | 'docker';

/** `gold` and `empty` carry no code from outside the dataset. */
export function isTrustedPredictions(predictions: unknown): boolean {
  return predictions === 'gold' || predictions === 'empty';
}

export const LOCAL_UNTRUSTED_WARNING =
  'runtime local: the predictions\' patches run as code on this machine, with your user\'s rights, files and network; use --runtime docker to contain them';

/** The runtime to grade with, given what the user asked for (undefined: the default). */
export async function chooseRuntime(requested: EvalRuntimeName | undefined, trusted: boolean, logger: Logger): Promise<EvalRuntimeName> {
  if (requested === 'local') {
    if (!trusted) logger.warn(LOCAL_UNTRUSTED_WARNING);
    return 'local';
  }
  if (requested === 'docker' || trusted) return requested ?? 'local';
  const engine = await checkDocker();
  if (engine.ok) {
    logger.info('predictions run in Docker (the default for model patches); --runtime local runs them on this machine');
    return 'docker';
  }
  throw new SweFlowError(
    ErrorCodes.DOCKER_UNAVAILABLE,
    `predictions run in Docker by default, since a model's patch is untrusted code, and ${engine.message.replace(/; start dockerd.*$/, '')}: start dockerd (or set DOCKER_HOST), or pass --runtime local to run the predictions on this machine with your user's rights`,
  );
}
