import { buildEnvironmentImage, type EnvironmentImage } from '@swe-flow/runtime';
import type { RepoJson } from './prepare.js';
import { taskRepoDirOf } from './emit.js';
import type { Stage } from './stage.js';

/**
 * 5. Environment image: the build context is always written under docker/; the image is built when
 * verification runs in it (docker runtime).
 */
export const imageStage: Stage<'base' | 'nodeVersion' | 'runtime', { repo: RepoJson }, EnvironmentImage> = {
  name: 'image',
  reads: ['base', 'nodeVersion', 'runtime'],
  keyOf: ({ repo }) => repo.nodeVersion,
  async run(config, env, { repo }) {
    const build = config.runtime === 'docker';
    const image = await buildEnvironmentImage({
      repoDir: env.workDir, taskRepo: taskRepoDirOf(env.out), repoName: repo.name, base: config.base, outDir: env.out, logger: env.logger,
      // The Node the repository was installed, traced and verified with (repo.json), unless --node-version says otherwise.
      ...(config.nodeVersion ? { nodeVersion: config.nodeVersion } : { nodeVersion: repo.nodeVersion, nodeVersionSource: 'repo.json' as const }),
      // The install that set the repository up (package manager, version, the fallbacks' flags), not one of the image's choosing.
      install: repo.install,
      build, bootstrap: build,
    });
    return { record: image, artifact: image };
  },
};
