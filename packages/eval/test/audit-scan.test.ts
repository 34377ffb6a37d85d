import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import type { DatasetRow } from '@swe-flow/core';
import { auditTasks, countCodeTokens, normalizeCode, patchFiles, scanOnHost, taskNeedles } from '../src/index.js';

const BODY = `{
  const words = title.toLowerCase().split(/[^a-z0-9]+/).filter((word) => word.length > 0);
  return words.join('-');
}`;

const GIT_ENV = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t.invalid', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t.invalid' };
const git = (args: string[], cwd: string) => execa('git', args, { cwd, env: GIT_ENV });

async function repoWith(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await git(['init', '--quiet', '--initial-branch=main'], dir);
  await writeFile(path.join(dir, 'a.txt'), 'a\n');
  await git(['add', '-A'], dir);
  await git(['commit', '--quiet', '-m', 'a'], dir);
}

describe('audit normalization', () => {
  it('drops comments and whitespace the same way on both sides, keeps URLs', () => {
    const reformatted = `{ // split into words\n const   words = title.toLowerCase()\n  .split(/[^a-z0-9]+/) /* keep non-empty */ .filter((word) => word.length > 0);\n\n  return words.join('-'); }`;
    expect(normalizeCode(reformatted)).toBe(normalizeCode(BODY));
    expect(normalizeCode("fetch('http://x.invalid/a') // call")).toBe("fetch('http://x.invalid/a')");
    expect(countCodeTokens('{ return a + b; }')).toBe(7);
    expect(countCodeTokens(BODY)).toBeGreaterThan(12);
  });

  it('reads the changed files of a patch', () => {
    expect(patchFiles('diff --git a/src/x.ts b/src/x.ts\n--- a\n+++ b\ndiff --git a/lib/y.js b/lib/y.js\n')).toEqual(['src/x.ts', 'lib/y.js']);
  });
});

describe('taskNeedles', () => {
  it('takes the bodies the reference adds over the base, and lists short ones apart', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'swe-flow-needles-'));
    await git(['init', '--quiet', '--initial-branch=main'], dir);
    const reference = `export function slugify(title) ${BODY}\nexport function one() { return 1; }\nexport function kept(a) {\n  return [a, a, a].map((x) => x * 2).join(',');\n}\n`;
    const base = `export function slugify(title) { throw new Error('not implemented'); }\nexport function one() { throw new Error('x'); }\nexport function kept(a) {\n  return [a, a, a].map((x) => x * 2).join(',');\n}\n`;
    await writeFile(path.join(dir, 'text.js'), base);
    await git(['add', '-A'], dir);
    await git(['commit', '--quiet', '-m', 'base'], dir);
    const baseCommit = (await git(['rev-parse', 'HEAD'], dir)).stdout.trim();
    await writeFile(path.join(dir, 'text.js'), reference);
    await git(['commit', '--quiet', '-am', 'reference'], dir);
    const referenceCommit = (await git(['rev-parse', 'HEAD'], dir)).stdout.trim();
    const patch = (await git(['diff', baseCommit, referenceCommit], dir)).stdout;
    const found = await taskNeedles(dir, { patch, base_commit: baseCommit, reference_commit: referenceCommit });
    expect(found.needles.map((n) => n.id)).toEqual([expect.stringContaining('slugify')]);
    expect(found.needles[0]!.text).toBe(BODY);
    // `one` and the arrow inside slugify are below the minimum
    expect(found.short).toEqual([expect.stringContaining('slugify/<anonymous>'), expect.stringContaining(':one')]);
  });
});

describe('scanOnHost finds a planted body wherever it is', () => {
  it('in plain files, gzip, source maps, and git objects of every kind; not in a clean tree', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'swe-flow-scan-'));
    const plant = async (rel: string, content: string | Buffer) => {
      await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
      await writeFile(path.join(root, rel), content);
    };
    const reindented = BODY.replace(/\n {2}/g, '\n\t\t');
    await plant('clean/src/text.js', "export function slugify(title) { throw new Error('not implemented'); }\n");
    await plant('bundle/dist/leakfix.min.js', `function slugify(title)${reindented}`);
    await plant('published/node_modules/leakfix/src/text.js', `export function slugify(title) ${BODY}`);
    await plant('cache/tsconfig.tsbuildinfo', BODY);
    await plant('cache/node_modules/.vite/deps/x.js', BODY);
    await plant('coverage/lcov-report/text.js.html', `<pre>${BODY}</pre>`);
    await plant('maps/out.js.map', JSON.stringify({ version: 3, sources: ['text.js'], sourcesContent: [`export function slugify(title) ${BODY}`] }));
    await plant('npm-cache/leak.tgz', gzipSync(Buffer.from(BODY)));
    // git: a dangling blob, a reflog-only commit, a stash, a note, a packed object
    const dangling = path.join(root, 'git-dangling');
    await repoWith(dangling);
    await writeFile(path.join(dangling, 'leak.js'), BODY);
    await git(['hash-object', '-w', 'leak.js'], dangling);
    await git(['rm', '--quiet', '--cached', '-f', 'leak.js'], dangling).catch(() => {});
    await execa('rm', ['-f', path.join(dangling, 'leak.js')]);
    const reflog = path.join(root, 'git-reflog');
    await repoWith(reflog);
    await writeFile(path.join(reflog, 'leak.js'), BODY);
    await git(['add', '-A'], reflog);
    await git(['commit', '--quiet', '-m', 'leak'], reflog);
    await git(['reset', '--quiet', '--hard', 'HEAD~1'], reflog);
    const stash = path.join(root, 'git-stash');
    await repoWith(stash);
    await writeFile(path.join(stash, 'a.txt'), BODY);
    await git(['stash', '--quiet'], stash);
    const notes = path.join(root, 'git-notes');
    await repoWith(notes);
    await git(['notes', 'add', '-m', BODY], notes);
    const packed = path.join(root, 'git-packed');
    await repoWith(packed);
    await writeFile(path.join(packed, 'leak.js'), BODY);
    await git(['add', '-A'], packed);
    await git(['commit', '--quiet', '-m', 'leak'], packed);
    await git(['rm', '--quiet', 'leak.js'], packed);
    await git(['commit', '--quiet', '-m', 'gone'], packed);
    await git(['gc', '--quiet'], packed);

    const out = await scanOnHost({ roots: [root], needles: [{ id: 'slugify', text: BODY }] });
    const where = out.hits.map((h) => `${h.kind} ${path.relative(root, h.path)}`).sort();
    expect(where).toEqual([
      'file bundle/dist/leakfix.min.js',
      'file cache/node_modules/.vite/deps/x.js',
      'file cache/tsconfig.tsbuildinfo',
      'file coverage/lcov-report/text.js.html',
      'file published/node_modules/leakfix/src/text.js',
      'git-object git-dangling/.git',
      'git-object git-notes/.git',
      'git-object git-packed/.git',
      'git-object git-reflog/.git',
      'git-object git-stash/.git',
      'gzip npm-cache/leak.tgz',
      'source-map maps/out.js.map',
    ]);
    const clean = await scanOnHost({ roots: [path.join(root, 'clean')], needles: [{ id: 'slugify', text: BODY }] });
    expect(clean.hits).toEqual([]);
    expect(clean.files).toBe(1);
  });
});

describe('the local audit searches what a task environment holds', () => {
  it("leaves out the repository's own published package (the env tier removes it) and finds a copy in another package", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'swe-flow-audit-local-'));
    const repo = path.join(dir, 'task-repo');
    await mkdir(repo, { recursive: true });
    await git(['init', '--quiet', '--initial-branch=main'], repo);
    await writeFile(path.join(repo, 'text.js'), "export function slugify(title) { throw new Error('not implemented'); }\n");
    await git(['add', '-A'], repo);
    await git(['commit', '--quiet', '-m', 'base'], repo);
    const base = (await git(['rev-parse', 'HEAD'], repo)).stdout.trim();
    await writeFile(path.join(repo, 'text.js'), `export function slugify(title) ${BODY}\n`);
    await git(['commit', '--quiet', '-am', 'reference'], repo);
    const reference = (await git(['rev-parse', 'HEAD'], repo)).stdout.trim();
    const row = {
      instance_id: 'local__leakfix-isolated-1', patch: (await git(['diff', base, reference], repo)).stdout, base_commit: base, reference_commit: reference,
    } as unknown as DatasetRow;
    // The prepared copy: its own package name, its own previous release installed, and another package carrying a copy.
    const deps = path.join(dir, 'work');
    const put = async (rel: string, text: string) => {
      await mkdir(path.dirname(path.join(deps, rel)), { recursive: true });
      await writeFile(path.join(deps, rel), text);
    };
    await put('package.json', JSON.stringify({ name: 'leakfix', version: '1.1.0' }));
    // The package's own entry is in the tree (not made by a build), so the env tier can link the copy to it.
    await put('index.js', "export { slugify } from './text.js';\n");
    await put('node_modules/leakfix/package.json', JSON.stringify({ name: 'leakfix', version: '1.0.0' }));
    await put('node_modules/leakfix/index.js', `export function slugify(title) ${BODY}\n`);
    await put('node_modules/other/package.json', JSON.stringify({ name: 'other', version: '2.0.0' }));
    await put('node_modules/other/vendor.js', `function s(title) ${BODY}\n`);

    const report = await auditTasks({ rows: [row], taskRepo: repo, runtime: 'local', dependenciesDir: deps });
    expect(report.leftOut).toEqual([{ path: path.join(deps, 'node_modules', 'leakfix'), why: "a copy of the repository's own package leakfix" }]);
    expect(report.tasks[0]!.hits.map((h) => h.path)).toEqual([path.join(deps, 'node_modules', 'other', 'vendor.js')]);
    expect(report.failed).toEqual([row.instance_id]);
    // the installed tree is only read
    await expect(readFile(path.join(deps, 'node_modules', 'leakfix', 'index.js'), 'utf8')).resolves.toContain('word.length > 0');
  });
});
