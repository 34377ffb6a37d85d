import { mkdtemp, mkdir, readFile, readdir, writeFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '@swe-flow/core';
import { detectProject, installDependencies, materializeSource, repoNameFromUrl } from '../src/index.js';

const tmp = (p: string) => mkdtemp(path.join(os.tmpdir(), `swf-ws-${p}-`));

async function gitRepo(files: Record<string, string>): Promise<string> {
  const dir = await tmp('src');
  for (const [f, c] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, f)), { recursive: true });
    await writeFile(path.join(dir, f), c);
  }
  await execa('git', ['init', '-q'], { cwd: dir });
  await execa('git', ['add', '-A'], { cwd: dir });
  await execa('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'init'], { cwd: dir });
  return dir;
}

describe('materializeSource', () => {
  it('copies tracked and untracked files but not ignored ones, and leaves the user repository untouched', async () => {
    const src = await gitRepo({ 'package.json': '{"name":"x"}', 'src/a.js': 'a', '.gitignore': 'ignored.txt\nnode_modules\n' });
    await writeFile(path.join(src, 'new.js'), 'untracked');
    await writeFile(path.join(src, 'ignored.txt'), 'ignored');
    await mkdir(path.join(src, 'node_modules/dep'), { recursive: true });
    await writeFile(path.join(src, 'node_modules/dep/index.js'), '');
    const before = (await execa('git', ['status', '--porcelain'], { cwd: src })).stdout;
    const dest = path.join(await tmp('dest'), 'copy');
    const info = await materializeSource(src, dest);
    expect((await readdir(dest)).sort()).toEqual(['.gitignore', 'new.js', 'package.json', 'src']);
    expect(info.dirty).toBe(true);
    expect(info.commit).toMatch(/^[0-9a-f]{40}$/);
    expect((await execa('git', ['status', '--porcelain'], { cwd: src })).stdout).toBe(before);
  });

  it('says what is wrong with a missing path, a folder without package.json, and a plain folder', async () => {
    await expect(materializeSource('/nonexistent/repo', await tmp('d1'))).rejects.toMatchObject({ code: ErrorCodes.PATH_MISSING, exitCode: 2 });
    const noPkg = await gitRepo({ 'README.md': 'hi' });
    await expect(materializeSource(noPkg, await tmp('d2'))).rejects.toMatchObject({ code: ErrorCodes.NO_PACKAGE_JSON });
    const plain = await tmp('plain');
    await expect(materializeSource(plain, await tmp('d3'))).rejects.toMatchObject({ code: ErrorCodes.NOT_A_REPO });
  });

  it('clones a git URL at a ref', async () => {
    const src = await gitRepo({ 'package.json': '{}', 'a.txt': 'one' });
    const first = (await execa('git', ['rev-parse', 'HEAD'], { cwd: src })).stdout;
    await writeFile(path.join(src, 'a.txt'), 'two');
    await execa('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qam', 'two'], { cwd: src });
    const dest = path.join(await tmp('clone'), 'c');
    const info = await materializeSource(`file://${src}`, dest, { ref: first });
    expect(info.commit).toBe(first);
    expect(await readFile(path.join(dest, 'a.txt'), 'utf8')).toBe('one');
  });

  it('names repositories from their remote', () => {
    expect(repoNameFromUrl('https://github.com/unjs/ufo.git')).toBe('unjs/ufo');
    expect(repoNameFromUrl('git@github.com:tj/commander.js.git')).toBe('tj/commander.js');
  });
});

describe('detectProject', () => {
  it('chooses the package manager by lockfile and reads workspaces and the Node version', async () => {
    const dir = await tmp('detect');
    await writeFile(path.join(dir, 'package.json'), JSON.stringify({ engines: { node: '>=18' }, scripts: { test: 'vitest' } }));
    await writeFile(path.join(dir, 'pnpm-lock.yaml'), 'lockfileVersion: 9\n');
    await writeFile(path.join(dir, 'pnpm-workspace.yaml'), "packages:\n  - 'packages/*'\n  - tools # comment\n");
    await writeFile(path.join(dir, '.nvmrc'), 'v22.1.0\n');
    const facts = await detectProject(dir);
    expect(facts).toMatchObject({ packageManager: 'pnpm', lockfile: 'pnpm-lock.yaml', workspaces: ['packages/*', 'tools'], nodeVersion: '22.1.0', testScript: 'vitest' });
  });
});

describe('installDependencies', () => {
  it('installs from the lockfile with npm and fails clearly on a broken install', async () => {
    const dir = await tmp('install');
    await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'p', version: '1.0.0', dependencies: { 'is-number': '7.0.0' } }));
    await execa('npm', ['install', '--package-lock-only', '--no-audit', '--no-fund'], { cwd: dir });
    const facts = await detectProject(dir);
    const record = await installDependencies(dir, facts);
    expect(record.command.slice(0, 2)).toEqual(['npm', 'ci']);
    expect((await stat(path.join(dir, 'node_modules/is-number/package.json'))).isFile()).toBe(true);

    const broken = await tmp('broken');
    await writeFile(path.join(broken, 'package.json'), JSON.stringify({ name: 'b', version: '1.0.0', dependencies: { 'swe-flow-no-such-package-xyz': '1.0.0' } }));
    // Named by the code: not a dependency the fallbacks may drop.
    await writeFile(path.join(broken, 'index.js'), "module.exports = require('swe-flow-no-such-package-xyz');\n");
    await expect(installDependencies(broken, await detectProject(broken))).rejects.toMatchObject({ code: ErrorCodes.INSTALL_FAILED, exitCode: 2 });
  });
});
