import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import { ErrorCodes, SweFlowError } from '@swe-flow/core';

/** Fixed identity and clock: the same input gives the same commit SHAs. */
const FIXED_ENV = {
  GIT_AUTHOR_NAME: 'swe-flow',
  GIT_AUTHOR_EMAIL: 'swe-flow@localhost',
  GIT_COMMITTER_NAME: 'swe-flow',
  GIT_COMMITTER_EMAIL: 'swe-flow@localhost',
  GIT_AUTHOR_DATE: '2000-01-01T00:00:00Z',
  GIT_COMMITTER_DATE: '2000-01-01T00:00:00Z',
};

/** Only what git needs from the environment (simple-git refuses editor/pager variables). */
function hostEnv(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'LC_ALL']) {
    const v = process.env[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}

/**
 * The task repository: one bare git repository per source repository, holding the original commit
 * and a base and a reference commit per step. Commits are written with plumbing (a private index,
 * `write-tree`, `commit-tree`), so no work tree is touched and only changed files are hashed.
 */
export class TaskRepo {
  private constructor(
    readonly gitDir: string,
    private readonly git: SimpleGit,
    private readonly scratch: string,
  ) {}

  static async create(gitDir: string): Promise<TaskRepo> {
    await simpleGit().raw(['init', '--quiet', '--bare', gitDir]);
    const git = simpleGit({ baseDir: gitDir }).env({ ...hostEnv(), ...FIXED_ENV, GIT_DIR: gitDir });
    const scratch = await mkdtemp(path.join(os.tmpdir(), 'swf-taskrepo-'));
    return new TaskRepo(gitDir, git, scratch);
  }

  private async withIndex<T>(fn: (env: Record<string, string>) => Promise<T>): Promise<T> {
    const index = path.join(this.scratch, `index-${process.pid}-${Math.random().toString(36).slice(2)}`);
    try {
      return await fn({ GIT_INDEX_FILE: index });
    } finally {
      await rm(index, { force: true });
    }
  }

  private raw(args: string[], env: Record<string, string> = {}): Promise<string> {
    return this.git
      .env({ ...hostEnv(), ...FIXED_ENV, GIT_DIR: this.gitDir, ...env })
      .raw(args)
      .then((s) => s.trim())
      .catch((cause: unknown) => {
        throw new SweFlowError(ErrorCodes.GIT_FAILED, `git ${args.slice(0, 2).join(' ')} failed in the task repository ${this.gitDir}`, { cause });
      });
  }

  /** Commits `files` (repo-relative) as found under `workTree`, as a root commit. */
  async commitWorkTree(workTree: string, files: string[], message: string): Promise<string> {
    return this.withIndex(async (env) => {
      const e = { ...env, GIT_WORK_TREE: workTree };
      for (let i = 0; i < files.length; i += 500) {
        await this.raw(['-C', workTree, 'add', '--force', '--', ...files.slice(i, i + 500)], e);
      }
      const tree = await this.raw(['write-tree'], e);
      return this.raw(['commit-tree', tree, '-m', message], e);
    });
  }

  private readonly blobs = new Map<string, string>();
  private readonly modes = new Map<string, Map<string, string>>();

  /** File modes of a commit's tree, read once per commit. */
  private async modesOf(commit: string): Promise<Map<string, string>> {
    let modes = this.modes.get(commit);
    if (!modes) {
      modes = new Map();
      for (const line of (await this.raw(['ls-tree', '-r', '-z', commit])).split('\0')) {
        const tab = line.indexOf('\t');
        if (tab > 0) modes.set(line.slice(tab + 1), line.split(' ')[0]!);
      }
      this.modes.set(commit, modes);
    }
    return modes;
  }

  /** Blob ids for contents, hashing only contents not seen before, in one git call. */
  private async blobsFor(contents: readonly string[]): Promise<string[]> {
    const keys = contents.map((c) => createHash('sha1').update(c).digest('hex'));
    const fresh = [...new Set(keys.filter((k) => !this.blobs.has(k)))];
    if (fresh.length > 0) {
      const files: string[] = [];
      for (const key of fresh) {
        const file = path.join(this.scratch, `blob-${key}`);
        await writeFile(file, contents[keys.indexOf(key)]!);
        files.push(file);
      }
      const ids = (await this.raw(['hash-object', '-w', '--', ...files])).split('\n');
      fresh.forEach((key, i) => this.blobs.set(key, ids[i]!));
      await Promise.all(files.map((f) => rm(f, { force: true })));
    }
    return keys.map((k) => this.blobs.get(k)!);
  }

  /** A new commit whose tree is `treeSource`'s tree with `changes` applied (path → new content). */
  async commitChanges(
    treeSource: string,
    changes: ReadonlyMap<string, string>,
    message: string,
    parents: string[],
  ): Promise<string> {
    const entries = [...changes].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const [modes, blobs] = await Promise.all([this.modesOf(treeSource), this.blobsFor(entries.map(([, c]) => c))]);
    return this.withIndex(async (env) => {
      await this.raw(['read-tree', `${treeSource}^{tree}`], env);
      if (entries.length > 0) {
        const args = entries.flatMap(([file], i) => ['--cacheinfo', `${modes.get(file) ?? '100644'},${blobs[i]},${file}`]);
        await this.raw(['update-index', '--add', ...args], env);
      }
      const tree = await this.raw(['write-tree'], env);
      return this.raw(['commit-tree', tree, ...parents.flatMap((p) => ['-p', p]), '-m', message], env);
    });
  }

  /** A commit with the same tree as `treeSource` on top of `parent`. */
  async commitSameTree(treeSource: string, message: string, parent: string): Promise<string> {
    return this.raw(['commit-tree', `${treeSource}^{tree}`, '-p', parent, '-m', message]);
  }

  /** Points a ref at a commit. Written as a loose ref file: one file write instead of a git process per ref. */
  async setRef(ref: string, sha: string): Promise<void> {
    if (!/^refs\/[\w./-]+$/.test(ref) || ref.includes('..') || !/^[0-9a-f]{40}$/.test(sha)) {
      throw new SweFlowError(ErrorCodes.GIT_FAILED, `invalid ref update ${ref} -> ${sha}`);
    }
    const file = path.join(this.gitDir, ref);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, `${sha}\n`);
  }

  /** Makes `ref` the repository's HEAD, so a clone checks it out. */
  async setHead(ref: string): Promise<void> {
    await writeFile(path.join(this.gitDir, 'HEAD'), `ref: ${ref}\n`);
  }

  async diff(from: string, to: string): Promise<string> {
    const out = await this.git.env({ ...hostEnv(), GIT_DIR: this.gitDir }).raw(['diff', '--no-color', '--no-ext-diff', '--binary', from, to]);
    return out;
  }

  async treeOf(commit: string): Promise<string> {
    return this.raw(['rev-parse', `${commit}^{tree}`]);
  }

  async readFile(commit: string, file: string): Promise<string> {
    return this.git.env({ ...hostEnv(), GIT_DIR: this.gitDir }).raw(['show', `${commit}:${file}`]);
  }

  /** Writes a bundle of every ref, for shipping the task repository as one file. */
  async bundle(file: string): Promise<void> {
    await this.raw(['bundle', 'create', file, '--all']);
  }

  async dispose(): Promise<void> {
    await rm(this.scratch, { recursive: true, force: true });
  }
}
