/**
 * A published copy of the repository's own package in node_modules (a test tool that depends on the
 * package: tape on object-inspect, mocha 5 on debug; a devDependency on its previous release) holds the
 * solution of every task. Prepare replaces each copy with a link to the package's own folder, as the env
 * tier (collect-deps.cjs) does in every task environment: the tool keeps working and loads the task's own
 * code (stubbed in a base), the audit finds no published solution, and the tasks survive.
 */
import { cp, lstat, mkdir, mkdtemp, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import type { DatasetRow, RejectRow } from '@swe-flow/core';
import { COLLECT_DEPS_SCRIPT } from '@swe-flow/runtime';
import { synthesize } from '../src/index.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const LIB = `function slugify(title) {
  const words = title.toLowerCase().split(/[^a-z0-9]+/).filter((word) => word.length > 0);
  return words.join('-');
}

function titleCase(text) {
  return text.split(' ').map((word) => word.charAt(0).toUpperCase() + word.slice(1).toLowerCase()).join(' ');
}

module.exports = { slugify, titleCase };
`;

async function put(root: string, files: Record<string, string>): Promise<void> {
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    await writeFile(path.join(root, rel), text);
  }
}

/** An npm tarball (`package/...`) of `files`, written to `file`. */
async function pack(file: string, files: Record<string, string>): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'swf-own-copy-pack-'));
  dirs.push(dir);
  await put(path.join(dir, 'package'), files);
  await mkdir(path.dirname(file), { recursive: true });
  await execa('tar', ['-czf', file, '-C', dir, 'package']);
}

/** The repository `selfdep` 2.0.0: its previous release as a devDependency, and a check tool that bundles a copy of it. */
async function makeRepo(): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'swf-own-copy-'));
  dirs.push(root);
  const release = { 'package.json': JSON.stringify({ name: 'selfdep', version: '1.0.0', main: 'index.js' }), 'index.js': LIB };
  await pack(path.join(root, 'vendor', 'selfdep-1.0.0.tgz'), release);
  await pack(path.join(root, 'vendor', 'checktool-1.0.0.tgz'), {
    'package.json': JSON.stringify({ name: 'checktool', version: '1.0.0', main: 'index.js', dependencies: { selfdep: '1.0.0' }, bundleDependencies: ['selfdep'] }),
    'index.js': "const { slugify } = require('selfdep');\nmodule.exports = (text) => `checked:${slugify(text)}`;\n",
    ...Object.fromEntries(Object.entries(release).map(([k, v]) => [`node_modules/selfdep/${k}`, v])),
  });
  await put(root, {
    'package.json': JSON.stringify({
      name: 'selfdep', version: '2.0.0', main: 'index.js', scripts: { test: 'node --test test/' },
      devDependencies: { 'selfdep-previous': 'file:vendor/selfdep-1.0.0.tgz', checktool: 'file:vendor/checktool-1.0.0.tgz' },
    }, null, 2),
    'index.js': LIB,
    'test/slugify.test.js': "const test = require('node:test');\nconst assert = require('node:assert');\nconst { slugify } = require('..');\ntest('slugify joins words with dashes', () => assert.equal(slugify('Hello, World'), 'hello-world'));\ntest('slugify drops empty words', () => assert.equal(slugify('  a  b '), 'a-b'));\n",
    'test/title.test.js': "const test = require('node:test');\nconst assert = require('node:assert');\nconst { titleCase } = require('..');\ntest('titleCase capitalises each word', () => assert.equal(titleCase('hello wORLD'), 'Hello World'));\n",
    'test/tool.test.js': "const test = require('node:test');\nconst assert = require('node:assert');\nconst check = require('checktool');\ntest('the check tool formats with the package', () => assert.equal(check('A B'), 'checked:a-b'));\n",
  });
  await execa('git', ['init', '-q', '-b', 'main'], { cwd: root });
  await execa('git', ['add', '-A'], { cwd: root });
  await execa('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'selfdep'], { cwd: root });
  return root;
}

const lines = async <T>(file: string): Promise<T[]> => (await readFile(file, 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as T);

describe("copies of the repository's own package in node_modules", () => {
  it('become links to its own folder: the tool loads the task’s code, no task is solution-reachable', async () => {
    const root = await makeRepo();
    const out = `${root}-out`;
    dirs.push(out);
    await synthesize(root, { out, config: { name: 'local/selfdep', skipImage: true, minStepLines: 0 } });

    const repo = JSON.parse(await readFile(path.join(out, 'repo.json'), 'utf8')) as { workDir: string; ownPackageCopies?: Array<{ path: string; link?: string }> };
    expect(repo.ownPackageCopies?.map((c) => [c.path, c.link]).sort()).toEqual([
      ['node_modules/checktool/node_modules/selfdep', '../../..'],
      ['node_modules/selfdep-previous', '..'],
    ]);
    // summary.md says so, as summary.json's environment.ownPackageCopies.
    const md = await readFile(path.join(out, 'summary.md'), 'utf8');
    const copiesLine = md.split('\n').find((l) => l.startsWith("Copies of the repository's own package in node_modules, linked to its own folder as in every task environment: "));
    expect(copiesLine).toContain('node_modules/checktool/node_modules/selfdep -> ../../..');
    expect(copiesLine).toContain('node_modules/selfdep-previous -> ..');
    const work = path.join(out, repo.workDir);
    expect((await lstat(path.join(work, 'node_modules', 'selfdep-previous'))).isSymbolicLink()).toBe(true);
    expect(await readlink(path.join(work, 'node_modules', 'checktool', 'node_modules', 'selfdep'))).toBe('../../..');

    // The tool ran the package's own (instrumented) slugify: the trace charges it to the tool's test.
    const trace = JSON.parse(await readFile(path.join(out, 'trace.json'), 'utf8')) as { tests: Array<{ id: string; edges: Array<[string, string, number]> }> };
    const toolTest = trace.tests.find((t) => t.id.includes('check tool'));
    expect(toolTest?.edges.some(([, callee]) => callee.includes('slugify'))).toBe(true);

    const rows = await lines<DatasetRow>(path.join(out, 'dataset.jsonl'));
    const rejects = await lines<RejectRow>(path.join(out, 'rejects.jsonl'));
    expect(rejects.filter((r) => r.reason === 'solution-reachable')).toEqual([]);
    expect(rows.map((r) => r.nodes_to_develop.join(',')).sort()).toEqual(['index.js:1:1:slugify', 'index.js:6:1:titleCase']);
    const audit = JSON.parse(await readFile(path.join(out, 'audit.json'), 'utf8')) as { failed: string[] };
    expect(audit.failed).toEqual([]);

    // A task environment as the env tier lays it out (collect-deps.cjs moves node_modules beside the base
    // tree): the tool loads the base's stubbed slugify, and the reference's once solved.
    const slug = rows.find((r) => r.nodes_to_develop[0]!.endsWith('slugify'))!;
    const installed = await mkdtemp(path.join(os.tmpdir(), 'swf-own-copy-env-'));
    dirs.push(installed);
    await cp(work, installed, { recursive: true, verbatimSymlinks: true, filter: (src) => !src.includes(`${path.sep}.swe-flow`) });
    for (const [name, commit] of [['base', slug.base_commit], ['reference', slug.reference_commit]] as const) {
      const env = path.join(installed, `${name}-env`);
      await execa('node', [COLLECT_DEPS_SCRIPT, installed, env]);
      await execa('sh', ['-c', `git --git-dir=${path.join(out, 'task-repo.git')} archive ${commit} | tar -x -C ${env}`]);
      const r = await execa('node', ['-e', "console.log(require('checktool')('A B'))"], { cwd: env, reject: false });
      if (name === 'base') expect(r.stderr).toMatch(/not implemented/i);
      else expect(r.stdout.trim()).toBe('checked:a-b');
      // collect-deps moved the folders: put them back for the next layout
      await rm(path.join(installed, 'node_modules'), { recursive: true, force: true });
      await cp(path.join(env, 'node_modules'), path.join(installed, 'node_modules'), { recursive: true, verbatimSymlinks: true });
    }
  }, 240_000);
});
