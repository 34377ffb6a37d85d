import { link, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COLLECT_DEPS_SCRIPT } from '../src/index.js';

/**
 * collect-deps.cjs stubs the dependency files synth found holding a copy of a task's solution: in the
 * env tier (`<tree> <out> <stubs.json>`) and in place in the local prepared copy (`--stub`), as new
 * files (pnpm hard-links installed files to a store that other projects share).
 */
describe('collect-deps.cjs: stubbing dependency copies', () => {
  let root: string;
  let store: string;
  const stubs = ['node_modules/bundler/dist/index.mjs', 'node_modules/bundler/dist/types.d.ts', 'node_modules/bundler/README.md', 'node_modules/../../escape.js', 'node_modules/absent.js'];

  async function tree(name: string): Promise<string> {
    const dir = path.join(root, name);
    await mkdir(path.join(dir, 'node_modules', 'bundler', 'dist'), { recursive: true });
    await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'mine' }));
    await writeFile(path.join(dir, 'node_modules', 'bundler', 'package.json'), JSON.stringify({ name: 'bundler' }));
    // The installed file is a hard link to a shared store's copy.
    await link(store, path.join(dir, 'node_modules', 'bundler', 'dist', 'index.mjs'));
    await writeFile(path.join(dir, 'node_modules', 'bundler', 'dist', 'types.d.ts'), 'export declare function isObject(v: unknown): boolean;\n');
    await writeFile(path.join(dir, 'node_modules', 'bundler', 'README.md'), 'function isObject(v) { return typeof v === "object"; }\n');
    await writeFile(path.join(dir, 'node_modules', 'bundler', 'dist', 'kept.mjs'), 'export const kept = 1;\n');
    return dir;
  }

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'swe-flow-collect-'));
    store = path.join(root, 'store-index.mjs');
    await writeFile(store, 'export function isObject(v) { return v !== null && typeof v === "object"; }\n');
    await writeFile(path.join(root, 'stubs.json'), JSON.stringify(stubs));
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const check = async (dir: string) => {
    const nm = path.join(dir, 'node_modules', 'bundler');
    expect(await readFile(path.join(nm, 'dist', 'index.mjs'), 'utf8')).toBe(`throw new Error("swe-flow: node_modules/bundler/dist/index.mjs held a copy of a task's solution and was removed from the task environment");\n`);
    expect(await readFile(path.join(nm, 'dist', 'types.d.ts'), 'utf8')).toBe('');
    expect(await readFile(path.join(nm, 'README.md'), 'utf8')).toBe('');
    expect(await readFile(path.join(nm, 'dist', 'kept.mjs'), 'utf8')).toBe('export const kept = 1;\n');
    // The shared store's copy is untouched.
    expect(await readFile(store, 'utf8')).toContain('isObject');
  };

  it('stubs the listed files in place (--stub), never outside the tree, and says which', async () => {
    const dir = await tree('local');
    await writeFile(path.join(root, 'escape.js'), 'outside\n');
    const r = await execa('node', [COLLECT_DEPS_SCRIPT, '--stub', dir, path.join(root, 'stubs.json')]);
    expect(JSON.parse(r.stdout)).toEqual(stubs.slice(0, 3));
    await check(dir);
    expect(await readFile(path.join(root, 'escape.js'), 'utf8')).toBe('outside\n');
  });

  it('stubs them in the env tier it collects', async () => {
    const dir = await tree('install');
    const out = path.join(root, 'deps');
    const r = await execa('node', [COLLECT_DEPS_SCRIPT, dir, out, path.join(root, 'stubs.json')]);
    expect(r.stdout).toContain('swe-flow: stubbed node_modules/bundler/dist/index.mjs');
    await check(out);
  });
});

/**
 * --link-self turns a published copy of the repository's own package into a link to its folder, except
 * where the copy is CommonJS and the own package is ES-module-only: the dependency that requires the copy
 * (ava 3 on chalk 4, with chalk 5 the repository) could not load the link on Node before 22.
 */
describe('collect-deps.cjs: own package copies', () => {
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'swe-flow-own-'));
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  async function treeWith(own: Record<string, unknown>): Promise<string> {
    const dir = await mkdtemp(path.join(root, 'tree-'));
    await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'mine', version: '5.0.0', ...own }));
    await writeFile(path.join(dir, 'index.js'), 'export default 1;\n');
    const copy = path.join(dir, 'node_modules', 'tool', 'node_modules', 'mine');
    await mkdir(copy, { recursive: true });
    await writeFile(path.join(dir, 'node_modules', 'tool', 'package.json'), JSON.stringify({ name: 'tool', dependencies: { mine: '^4.0.0' } }));
    await writeFile(path.join(copy, 'package.json'), JSON.stringify({ name: 'mine', version: '4.1.2', main: 'index.js' }));
    await writeFile(path.join(copy, 'index.js'), 'module.exports = 1;\n');
    return dir;
  }

  it('links a CommonJS copy to a CommonJS own package', async () => {
    const dir = await treeWith({ main: 'index.js' });
    const r = await execa('node', [COLLECT_DEPS_SCRIPT, '--link-self', dir]);
    expect(JSON.parse(r.stdout)).toEqual([expect.objectContaining({ link: '../../..', why: "a copy of the repository's own package mine" })]);
  });

  it('keeps a CommonJS copy when the own package is ES-module-only, in every mode', async () => {
    const dir = await treeWith({ type: 'module', exports: './index.js' });
    for (const mode of ['--link-self', '--list']) {
      const r = await execa('node', [COLLECT_DEPS_SCRIPT, mode, dir]);
      expect(JSON.parse(r.stdout)).toEqual([]);
    }
    expect(await readFile(path.join(dir, 'node_modules', 'tool', 'node_modules', 'mine', 'index.js'), 'utf8')).toBe('module.exports = 1;\n');
    // An own package that still offers a require entry is linked.
    const dual = await treeWith({ type: 'module', exports: { '.': { import: './index.js', require: './index.cjs' } } });
    await writeFile(path.join(dual, 'index.cjs'), 'module.exports = 1;\n');
    const r = await execa('node', [COLLECT_DEPS_SCRIPT, '--link-self', dual]);
    expect(JSON.parse(r.stdout)).toHaveLength(1);
  });

  it('keeps the copy when the own package\'s entry is made by a build (a tool requiring it would fail), in every mode', async () => {
    const dir = await treeWith({ main: 'dist/index.js' });
    for (const mode of ['--link-self', '--list']) {
      const r = await execa('node', [COLLECT_DEPS_SCRIPT, mode, dir]);
      expect(JSON.parse(r.stdout)).toEqual([]);
    }
    const copy = path.join(dir, 'node_modules', 'tool', 'node_modules', 'mine');
    expect((await execa('node', ['-e', `console.log(require(${JSON.stringify(copy)}))`])).stdout).toBe('1');
    // Once built, the copy becomes a link to the package's own folder.
    await mkdir(path.join(dir, 'dist'));
    await writeFile(path.join(dir, 'dist', 'index.js'), 'module.exports = 2;\n');
    const r = await execa('node', [COLLECT_DEPS_SCRIPT, '--link-self', dir]);
    expect(JSON.parse(r.stdout)).toEqual([expect.objectContaining({ link: '../../..' })]);
    expect((await execa('node', ['-e', `console.log(require(${JSON.stringify(copy)}))`])).stdout).toBe('2');
  });
});
