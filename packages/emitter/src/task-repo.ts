import { mkdtemp, rm, writeFile } from 'node:fs/promises';
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

  /** A new commit whose tree is `parentTreeOf`'s tree with `changes` applied (path → new content). */
  async commitChanges(
    treeSource: string,
    changes: ReadonlyMap<string, string>,
    message: string,
    parents: string[],
  ): Promise<string> {
    return this.withIndex(async (env) => {
      await this.raw(['read-tree', `${treeSource}^{tree}`], env);
      let n = 0;
      for (const [file, content] of [...changes].sort(([a], [b]) => a.localeCompare(b))) {
        const tmp = path.join(this.scratch, `blob-${n++}`);
        await writeFile(tmp, content);
        const blob = await this.raw(['hash-object', '-w', tmp]);
        const mode = (await this.raw(['ls-tree', treeSource, '--', file])).split(' ')[0] || '100644';
        await this.raw(['update-index', '--add', '--cacheinfo', `${mode},${blob},${file}`], env);
      }
      const tree = await this.raw(['write-tree'], env);
      return this.raw(['commit-tree', tree, ...parents.flatMap((p) => ['-p', p]), '-m', message], env);
    });
  }

  /** A commit with the same tree as `treeSource` on top of `parent`. */
  async commitSameTree(treeSource: string, message: string, parent: string): Promise<string> {
    return this.raw(['commit-tree', `${treeSource}^{tree}`, '-p', parent, '-m', message]);
  }

  async setRef(ref: string, sha: string): Promise<void> {
    await this.raw(['update-ref', ref, sha]);
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
