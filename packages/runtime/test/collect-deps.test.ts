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
