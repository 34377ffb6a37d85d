import Docker from 'dockerode';

let shared: Docker | undefined;

/** The engine from `DOCKER_HOST` or the default socket; one client per process. */
export function getDocker(): Docker {
  shared ??= new Docker();
  return shared;
}

export interface DockerCheck {
  ok: boolean;
  version?: string;
  apiVersion?: string;
  message: string;
}

/** A shell-free probe for `swe-flow doctor`: can we talk to an engine, and which one. */
export async function checkDocker(docker: Docker = getDocker()): Promise<DockerCheck> {
  try {
    const v = (await docker.version()) as { Version?: string; ApiVersion?: string };
    return {
      ok: true,
      ...(v.Version === undefined ? {} : { version: v.Version }),
      ...(v.ApiVersion === undefined ? {} : { apiVersion: v.ApiVersion }),
      message: `Docker engine ${v.Version ?? '?'} (API ${v.ApiVersion ?? '?'}) is reachable`,
    };
  } catch (error) {
    return {
      ok: false,
      message: `no Docker engine reachable (${(error as Error).message}); start dockerd or set DOCKER_HOST, or use the local runtime`,
    };
  }
}

/** Whether an image exists locally; returns its inspect data when it does. */
export async function inspectImage(docker: Docker, tag: string): Promise<Docker.ImageInspectInfo | undefined> {
  try {
    return await docker.getImage(tag).inspect();
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return undefined;
    throw error;
  }
}

/** Status codes of container removal that mean "already gone or going". */
export function isGoneError(error: unknown): boolean {
  const code = (error as { statusCode?: number }).statusCode;
  return code === 404 || code === 409;
}
