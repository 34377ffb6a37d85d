import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseWorkspacePackage, listRepoFiles, listWorkspacePackages } from '../src/index.js';

async function tree(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'swf-ws-pkgs-'));
  for (const [f, c] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, f)), { recursive: true });
    await writeFile(path.join(dir, f), c);
  }
  return dir;
}

const pj = (o: object) => JSON.stringify(o);

describe('listWorkspacePackages', () => {
  it('expands star, double-star and exact globs, honours negations, skips folders without package.json and counts test files', async () => {
    const root = await tree({
      'package.json': pj({ name: 'root', workspaces: ['packages/*', 'tools/**', 'docs', '!packages/private'] }),
      'packages/a/package.json': pj({ name: '@x/a', scripts: { test: 'vitest run' } }),
      'packages/a/src/a.ts': '',
      'packages/a/src/a.test.ts': '',
      'packages/a/test/more.ts': '',
      'packages/b/package.json': pj({ name: '@x/b' }),
      'packages/b/src/b.spec.mjs': '',
      'packages/private/package.json': pj({ name: 'private' }),
      'packages/notes/readme.md': 'no package.json here',
      'tools/deep/inner/package.json': pj({ name: 'inner' }),
      'docs/package.json': pj({}),
    });
    const pkgs = await listWorkspacePackages(root, ['packages/*', 'tools/**', 'docs', '!packages/private'], await listRepoFiles(root));
    expect(pkgs).toEqual([
      { dir: 'docs', name: null, testScript: null, testFiles: 0 },
      { dir: 'packages/a', name: '@x/a', testScript: 'vitest run', testFiles: 2 },
      { dir: 'packages/b', name: '@x/b', testScript: null, testFiles: 1 },
      { dir: 'tools/deep/inner', name: 'inner', testScript: null, testFiles: 0 },
    ]);
  });
});

describe('chooseWorkspacePackage', () => {
  const files = {
    'package.json': pj({ name: 'root', workspaces: ['packages/*'] }),
    'packages/a/package.json': pj({ name: '@x/a' }),
    'packages/a/src/a.test.ts': '',
    'packages/b/package.json': pj({ name: '@x/b' }),
  };

  it('lists the packages that have tests when the root has none of its own', async () => {
    const root = await tree(files);
    const args = { workspaces: ['packages/*'], files: await listRepoFiles(root), rootPackageJson: { name: 'root' } };
    await expect(chooseWorkspacePackage(root, args)).rejects.toMatchObject({
      code: 'SWEFLOW_NO_TESTS',
      message: expect.stringMatching(/1 workspace package has some[\s\S]*--package packages\/a {2}\(@x\/a, 1 test file\)$/),
    });
  });

  it('keeps the root when the root has a test script, and finds a package by folder or by name', async () => {
    const root = await tree(files);
    const base = { workspaces: ['packages/*'], files: await listRepoFiles(root) };
    expect(await chooseWorkspacePackage(root, { ...base, rootPackageJson: { scripts: { test: 'vitest' } } })).toBeUndefined();
    expect((await chooseWorkspacePackage(root, { ...base, requested: './packages/b/', rootPackageJson: {} }))?.dir).toBe('packages/b');
    expect((await chooseWorkspacePackage(root, { ...base, requested: '@x/a', rootPackageJson: {} }))?.dir).toBe('packages/a');
    await expect(chooseWorkspacePackage(root, { ...base, requested: 'packages/c', rootPackageJson: {} })).rejects.toMatchObject({ code: 'SWEFLOW_CONFIG_INVALID' });
  });
});
