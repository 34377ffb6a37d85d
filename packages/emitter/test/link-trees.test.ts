/**
 * runtime/link-trees.cjs, run as verification runs it: a batch tree's node_modules resolves every
 * package the workspace has; where nothing links into the source tree that is one symlink to the
 * workspace's folder, and where a monorepo package is linked, the tree's own copy is the target.
 */
import { execFileSync } from 'node:child_process';
import { lstat, mkdir, mkdtemp, readlink, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const SCRIPT = fileURLToPath(new URL('../runtime/link-trees.cjs', import.meta.url));
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function workspace(withPackageLink: boolean): Promise<string> {
  const ws = await realpath(await mkdtemp(path.join(os.tmpdir(), 'swf-link-trees-')));
  dirs.push(ws);
  for (const dir of ['node_modules/dep', 'node_modules/@scope/dep', 'packages/lib', '.swe-flow/trees/t0/packages/lib']) await mkdir(path.join(ws, dir), { recursive: true });
  await writeFile(path.join(ws, 'node_modules/dep/index.js'), 'module.exports = 1;\n');
  await writeFile(path.join(ws, 'node_modules/@scope/dep/index.js'), 'module.exports = 2;\n');
  if (withPackageLink) await symlink('../packages/lib', path.join(ws, 'node_modules/lib'));
  execFileSync('node', [SCRIPT, '.swe-flow/trees/t0'], { cwd: ws });
  return ws;
}

describe('link-trees.cjs', () => {
  it('links a node_modules folder with no link into the source tree as one symlink', async () => {
    const ws = await workspace(false);
    const nm = path.join(ws, '.swe-flow/trees/t0/node_modules');
    expect((await lstat(nm)).isSymbolicLink()).toBe(true);
    expect(await readlink(nm)).toBe(path.join(ws, 'node_modules'));
    expect(await realpath(path.join(nm, '@scope/dep/index.js'))).toBe(path.join(ws, 'node_modules/@scope/dep/index.js'));
  });

  it('mirrors a node_modules folder that links a monorepo package, pointing that link at the tree', async () => {
    const ws = await workspace(true);
    const nm = path.join(ws, '.swe-flow/trees/t0/node_modules');
    expect((await lstat(nm)).isDirectory()).toBe(true);
    expect(await realpath(path.join(nm, 'lib'))).toBe(path.join(ws, '.swe-flow/trees/t0/packages/lib'));
    expect(await realpath(path.join(nm, 'dep'))).toBe(path.join(ws, 'node_modules/dep'));
    expect(await realpath(path.join(nm, '@scope/dep'))).toBe(path.join(ws, 'node_modules/@scope/dep'));
  });
});
