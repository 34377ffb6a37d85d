import Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { checkBaseImage, checkDocker } from '../src/index.js';
import { hasDocker } from './docker-available.js';

describe('doctor probes', () => {
  it('reports an unreachable engine with a next step, without throwing', async () => {
    const check = await checkDocker(new Docker({ socketPath: '/nonexistent/docker.sock' }));
    expect(check.ok).toBe(false);
    expect(check.message).toMatch(/no Docker engine reachable .*DOCKER_HOST/);
    const base = await checkBaseImage('24.21.0', new Docker({ socketPath: '/nonexistent/docker.sock' }));
    expect(base.ok).toBe(false);
  });

  it.skipIf(!hasDocker)('reports the engine version of a reachable engine', async () => {
    const check = await checkDocker();
    expect(check.ok).toBe(true);
    expect(check.version).toMatch(/^\d+\.\d+/);
    expect(check.message).toContain(check.version!);
  });
});
