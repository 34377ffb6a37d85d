import { chmod, mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { TaskRepo } from '../src/index.js';

const files: Record<string, string> = {
  'package.json': '{"name":"tiny"}\n',
  'bin/run.js': '#!/usr/bin/env node\nconsole.log(1);\n',
  'src/a.js': 'export function a() {\n  return 1;\n}\n',
  'src/deep/b.ts': 'export const b = (): number => 2;\n',
  'src/deep/b-c.ts': 'export const c = 3;\n',
  'src/deep.ts': 'export * from "./deep/b.js";\n',
  'src/ü.js': 'export const u = "ü";\n',
  'test/a.test.js': 'import { a } from "../src/a.js";\n',
};

async function makeSource(): Promise<{ root: string; list: string[] }> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'swf-taskrepo-src-'));
  for (const [f, c] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, f)), { recursive: true });
    await writeFile(path.join(root, f), c);
  }
  await chmod(path.join(root, 'bin/run.js'), 0o755);
  await symlink('a.js', path.join(root, 'src/link.js'));
  return { root, list: [...Object.keys(files), 'src/link.js'] };
}

/** The same commits, written by `repo`: returns every SHA in order. */
async function writeHistory(repo: TaskRepo, root: string, list: string[]): Promise<string[]> {
  const original = await repo.commitWorkTree(root, list, 'original');
  const documented = await repo.commitChanges(original, new Map([['src/a.js', '/** a */\nexport function a() {\n  return 1;\n}\n']]), 'documented', [original]);
  const shas = [original, documented];
  const changeSets: Array<Map<string, string>> = [
    new Map([['src/deep/b.ts', 'export const b = (): number => { throw new Error("stub"); };\n']]),
    new Map([
      ['bin/run.js', '#!/usr/bin/env node\nthrow new Error("stub");\n'], // keeps its executable mode
      ['src/ü.js', 'export const u = "ü!";\n'],
      ['package.json', '{"name":"tiny","x":1}\n'],
    ]),
    new Map([['src/new/dir/c.js', 'export const c = 1;\n']]), // a new file in new directories
    new Map([['src/link.js', 'not a link any more\n']]), // keeps the symlink mode, as update-index does
    new Map(),
  ];
  let parent = documented;
  for (const [i, changes] of changeSets.entries()) {
    const base = await repo.commitChanges(documented, changes, `step ${i}: base`, [parent]);
    const reference = await repo.commitSameTree(documented, `step ${i}: reference`, base);
    await repo.setRef(`refs/tags/step-${i}-base`, base);
    await repo.setRef(`refs/heads/step-${i}`, reference);
    shas.push(base, reference);
    parent = reference;
  }
  await repo.setRef('refs/heads/main', parent);
  await repo.setHead('refs/heads/main');
  await repo.flush();
  return shas;
}

describe('TaskRepo', () => {
  it('writes the same commits from this process as through git plumbing, into a repository git accepts', async () => {
    const { root, list } = await makeSource();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'swf-taskrepo-out-'));
    const fast = await TaskRepo.create(path.join(dir, 'fast.git'));
    const plumbing = await TaskRepo.create(path.join(dir, 'plumbing.git'), { inProcess: false });
    const fastShas = await writeHistory(fast, root, list);
    const plumbingShas = await writeHistory(plumbing, root, list);
    expect(fastShas).toEqual(plumbingShas);
    expect(new Set(fastShas).size).toBe(fastShas.length);

    const git = (repo: TaskRepo, ...args: string[]) => execa('git', ['--git-dir', repo.gitDir, ...args]).then((r) => r.stdout);
    await git(fast, 'fsck', '--strict', '--full', '--no-dangling');
    expect(await git(fast, 'for-each-ref')).toBe(await git(plumbing, 'for-each-ref'));
    expect(await git(fast, 'rev-parse', 'HEAD')).toBe(fastShas.at(-1));
    expect(await git(fast, 'ls-tree', '-r', fastShas[4]!)).toContain('100755 blob');
    expect(await fast.readFile(fastShas[6]!, 'src/new/dir/c.js')).toBe('export const c = 1;\n');
    // What this process wrote went into packs (git itself wrote only the first commit's trees loose).
    const loose = (await execa('find', [path.join(fast.gitDir, 'objects'), '-type', 'f', '-path', '*/objects/??/*'])).stdout.split('\n');
    const firstTree = await git(fast, 'ls-tree', '-r', '-t', '--object-only', fastShas[0]!);
    for (const file of loose) expect(`${firstTree}\n${await git(fast, 'rev-parse', `${fastShas[0]}^{tree}`)}`).toContain(file.split('/').slice(-2).join(''));

    // Patches from one diff-tree process are the ones `git diff` gives, an empty one included.
    const pairs: Array<[string, string]> = [];
    for (let i = 2; i < fastShas.length; i += 2) pairs.push([fastShas[i]!, fastShas[i + 1]!], [fastShas[i + 1]!, fastShas[i]!]);
    pairs.push([fastShas[0]!, fastShas[1]!], [fastShas[1]!, fastShas[1]!], ['refs/heads/step-0', 'refs/tags/step-1-base']);
    const patches = await fast.diffs(pairs);
    expect(patches).toEqual(await Promise.all(pairs.map(([a, b]) => fast.diff(a, b))));
    expect(patches.filter((p) => p === '').length).toBeGreaterThanOrEqual(3);
    expect(patches[0]).toContain('\n+export const b = (): number => 2;\n');

    // Tree ids by commit (what verification groups equal trees by), read again from a fresh handle.
    const again = await TaskRepo.open(fast.gitDir);
    const asked = [fastShas[2]!, fastShas[3]!, 'refs/heads/main', fastShas[2]!];
    const trees = await again.treeIds(asked);
    expect([...trees.keys()]).toEqual([fastShas[2], fastShas[3], 'refs/heads/main']);
    for (const c of trees.keys()) expect(trees.get(c)).toBe(await git(fast, 'rev-parse', `${c}^{tree}`));

    // Many files in one git process (the audit's needles): what one `git show` each answers, missing files too.
    const reads: Array<[string, string]> = [];
    for (const sha of fastShas.slice(0, 6)) for (const f of ['src/a.js', 'src/ü.js', 'src/deep/b.ts', 'src/link.js', 'bin/run.js', 'src/none.js', 'src/new/dir/c.js']) reads.push([sha, f]);
    const batch = await again.readFilesIfPresent(reads);
    expect(batch).toEqual(await Promise.all(reads.map(([c, f]) => again.readFileIfPresent(c, f))));
    expect(batch.filter((t) => t === undefined).length).toBeGreaterThanOrEqual(6);
    expect(batch).toContain('export const u = "ü!";\n');
    const listed = await again.listTrees(fastShas);
    expect(listed).toEqual(await Promise.all(fastShas.map((c) => again.listTree(c))));
    expect(listed[6]!.map(([f]) => f)).toContain('src/new/dir/c.js'); // step 2's base: a file in new directories
    const blobIds = (await again.listTree(fastShas[4]!)).map(([, id]) => id);
    expect(await again.readBlobs(blobIds)).toEqual(await Promise.all(blobIds.map((id) => again.blob(id))));
    await again.dispose();
    await fast.dispose();
    await plumbing.dispose();
  });

  it('refuses a change git refuses (a file where a directory is), on either path', async () => {
    const { root, list } = await makeSource();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'swf-taskrepo-out-'));
    for (const inProcess of [true, false]) {
      const repo = await TaskRepo.create(path.join(dir, `${inProcess}.git`), { inProcess });
      const original = await repo.commitWorkTree(root, list, 'original');
      await expect(repo.commitChanges(original, new Map([['src/deep', 'x']]), 'bad', [original])).rejects.toThrow(/git/);
      await repo.dispose();
    }
  });
});
