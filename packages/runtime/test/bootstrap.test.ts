import { describe, expect, it } from 'vitest';
import {
  bootstrapBaseImage,
  baseImageTag,
  checkBaseImage,
  getDocker,
  parseDebianMirror,
  DEFAULT_NODE_VERSION,
} from '../src/index.js';
import { hasDocker } from './docker-available.js';

describe('parseDebianMirror', () => {
  it('reads deb822 stanzas and skips other suites', () => {
    const text = `Types: deb\n# comment\nURIs: http://mirror.example/debian-security\nSuites: bookworm-security\n\nTypes: deb\nURIs: http://mirror.example/debian/\nSuites: bookworm bookworm-updates\nComponents: main\n`;
    expect(parseDebianMirror(text)).toBe('http://mirror.example/debian');
  });
  it('reads one-line sources and ignores look-alike suites', () => {
    expect(parseDebianMirror('deb https://x/apt cloud-sdk-bookworm main\n')).toBeUndefined();
    expect(parseDebianMirror('deb [arch=amd64] http://m/debian bookworm main\n')).toBe('http://m/debian');
  });
});

describe.skipIf(!hasDocker)('bootstrapBaseImage (real engine, debootstrap)', () => {
  it('makes (or finds) a base whose node, npm and git run, then finds it cached', async () => {
    const first = await bootstrapBaseImage({ nodeVersion: DEFAULT_NODE_VERSION });
    expect(first.tag).toBe(baseImageTag(DEFAULT_NODE_VERSION));
    const docker = getDocker();
    const info = await docker.getImage(first.tag).inspect();
    expect(info.Config.Labels?.['swe-flow']).toBe('1');

    const container = await docker.createContainer({
      Image: first.tag,
      Cmd: ['sh', '-c', 'node -e "console.log(process.version, 6*7)" && git --version && npm --version'],
      HostConfig: { NetworkMode: 'none' },
      Labels: { 'swe-flow': '1' },
    });
    try {
      await container.start();
      const waited = (await container.wait()) as { StatusCode: number };
      const logs = (await container.logs({ stdout: true, stderr: true })).toString('utf8');
      expect(waited.StatusCode, logs).toBe(0);
      expect(logs).toContain(`v${DEFAULT_NODE_VERSION} 42`);
      expect(logs).toMatch(/git version 2\./);
      expect(logs).toContain('11.19.1');
    } finally {
      await container.remove({ force: true });
    }

    const again = await bootstrapBaseImage({ nodeVersion: DEFAULT_NODE_VERSION });
    expect(again.cached).toBe(true);
    expect((await docker.getImage(again.tag).inspect()).Id).toBe(info.Id);
    expect((await checkBaseImage(DEFAULT_NODE_VERSION)).ok).toBe(true);
    expect((await checkBaseImage('0.0.1')).ok).toBe(false);
  }, 900_000);
});
