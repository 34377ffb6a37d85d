import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalRuntime } from '../src/index.js';
import { makeTinyRepo, type TinyRepo } from './helpers.js';

describe('Workspace.checkout (local runtime, real git)', () => {
  let repo: TinyRepo;
  const tmpDir = path.join(os.tmpdir(), 'swe-flow-checkout-test');

  beforeAll(async () => {
    repo = await makeTinyRepo();
  });
  afterAll(async () => {
    await import('node:fs/promises').then((fs) => fs.rm(path.dirname(repo.source), { recursive: true, force: true }));
  });

  it('moves between commits, removes untracked files but node_modules and .swe-flow, and lists what changed', async () => {
    const ws = await createLocalRuntime({ tmpDir }).open({ taskRepo: repo.taskRepo, commit: repo.first });
    try {
      await ws.writeFile('scratch.txt', 'left by a run\n');
      await ws.writeFile('node_modules/kept/index.js', 'module.exports = 1;\n');
      await ws.writeFile('.swe-flow/results.json', '{}\n');
      await ws.writeFile('package.json', '{"edited": true}\n');
      expect(await ws.checkout(repo.second, { changedSince: repo.first })).toEqual(['second.txt']);
      expect(await ws.readFile('second.txt')).toBe('from the second commit\n');
      expect(await ws.readFile('package.json')).not.toContain('edited');
      expect(existsSync(path.join(ws.root, 'scratch.txt'))).toBe(false);
      expect(await ws.readFile('node_modules/kept/index.js')).toBe('module.exports = 1;\n');
      expect(await ws.readFile('.swe-flow/results.json')).toBe('{}\n');
      const head = await ws.exec({ command: 'git', args: ['rev-parse', 'HEAD'] }, { timeoutMs: 10_000 });
      expect(head.stdout.trim()).toBe(repo.second);
      // Without a commit to compare with, nothing is listed; back at the first commit second.txt is gone.
      expect(await ws.checkout(repo.first)).toEqual([]);
      expect(await ws.readFile('second.txt')).toBeUndefined();
      await expect(ws.checkout('no-such-commit')).rejects.toMatchObject({ code: 'SWEFLOW_GIT_FAILED', message: expect.stringContaining('no-such-commit') });
    } finally {
      await ws.dispose();
    }
  });
});
