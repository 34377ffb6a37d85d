import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { simpleGit, type SimpleGit } from 'simple-git';
import { ErrorCodes, SweFlowError } from '@swe-flow/core';
import { registerCleanup } from '@swe-flow/runtime';

/** Fixed identity and clock: the same input gives the same commit SHAs. */
const FIXED_ENV = {
  GIT_AUTHOR_NAME: 'swe-flow',
  GIT_AUTHOR_EMAIL: 'swe-flow@localhost',
  GIT_COMMITTER_NAME: 'swe-flow',
  GIT_COMMITTER_EMAIL: 'swe-flow@localhost',
  GIT_AUTHOR_DATE: '2000-01-01T00:00:00Z',
  GIT_COMMITTER_DATE: '2000-01-01T00:00:00Z',
};

/** The author and committer lines `commit-tree` writes under FIXED_ENV. */
const signature = (name: string, email: string, date: string) => `${name} <${email}> ${Date.parse(date) / 1000} +0000`;
const AUTHOR = signature(FIXED_ENV.GIT_AUTHOR_NAME, FIXED_ENV.GIT_AUTHOR_EMAIL, FIXED_ENV.GIT_AUTHOR_DATE);
const COMMITTER = signature(FIXED_ENV.GIT_COMMITTER_NAME, FIXED_ENV.GIT_COMMITTER_EMAIL, FIXED_ENV.GIT_COMMITTER_DATE);

const SHA1 = /^[0-9a-f]{40}$/;
const TREE_MODE = '40000';
/** A submodule's entry: a commit, not a blob (`ls-tree` lists it as `commit`). */
const GITLINK_MODE = '160000';

/** A tree object's entries (`<mode> <name>\0<20-byte id>` each), in the tree's order. */
function parseTree(body: Buffer): Array<{ mode: string; name: string; sha: string }> {
  const out: Array<{ mode: string; name: string; sha: string }> = [];
  for (let at = 0; at < body.length;) {
    const space = body.indexOf(0x20, at);
    const nul = body.indexOf(0, space);
    out.push({ mode: body.subarray(at, space).toString('latin1'), name: body.subarray(space + 1, nul).toString('utf8'), sha: body.subarray(nul + 1, nul + 21).toString('hex') });
    at = nul + 21;
  }
  return out;
}
/** Objects waiting in memory are written out once they take this much. */
const FLUSH_BYTES = 64 * 1024 * 1024;

/** Only what git needs from the environment (simple-git refuses editor/pager variables). */
function hostEnv(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'LC_ALL']) {
    const v = process.env[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}

/** A tree entry as stored in a tree object: mode without leading zeros (`40000` for trees). */
interface TreeEntry {
  mode: string;
  sha: string;
}

/** Every directory of a tree: directory path (`''` for the root) → entry name → entry. */
interface TreeListing {
  root: string;
  dirs: Map<string, Map<string, TreeEntry>>;
}

function splitPath(file: string): [dir: string, name: string] {
  const slash = file.lastIndexOf('/');
  return slash < 0 ? ['', file] : [file.slice(0, slash), file.slice(slash + 1)];
}

/** Paths `update-index` accepts; anything else goes through git, which reports it. */
function isPlainPath(file: string): boolean {
  return file.length > 0 && file.split('/').every((part) => part !== '' && part !== '.' && part !== '..' && part.toLowerCase() !== '.git');
}

const OBJECT_TYPES = { commit: 1, tree: 2, blob: 3 } as const;
type ObjectType = keyof typeof OBJECT_TYPES;

/** A git object's id: the SHA-1 of `<type> <size>\0<body>`. */
function objectId(type: ObjectType, body: Buffer): string {
  return createHash('sha1').update(`${type} ${body.length}\0`).update(body).digest('hex');
}

/** An object as a pack entry: type and size header, then the zlib-compressed body. */
function packEntry(type: ObjectType, body: Buffer): Buffer {
  const header: number[] = [];
  let size = body.length;
  let byte = (OBJECT_TYPES[type] << 4) | (size & 0x0f);
  size = Math.floor(size / 16);
  while (size > 0) {
    header.push(byte | 0x80);
    byte = size & 0x7f;
    size = Math.floor(size / 128);
  }
  header.push(byte);
  return Buffer.concat([Buffer.from(header), deflateSync(body, { level: 1 })]);
}

function uint32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/**
 * A version 2 pack of `entries` and its version 2 index, as `git index-pack` would write them for
 * a pack without deltas. Returns the pack's checksum, which names both files.
 */
function buildPack(entries: ReadonlyArray<{ sha: string; data: Buffer }>): { name: string; pack: Buffer; idx: Buffer } {
  const parts: Buffer[] = [Buffer.from('PACK'), uint32(2), uint32(entries.length)];
  const offsets = new Map<string, number>();
  let offset = 12;
  for (const e of entries) {
    offsets.set(e.sha, offset);
    parts.push(e.data);
    offset += e.data.length;
  }
  const body = Buffer.concat(parts);
  const checksum = createHash('sha1').update(body).digest();
  const pack = Buffer.concat([body, checksum]);

  const sorted = [...entries].sort((a, b) => (a.sha < b.sha ? -1 : a.sha > b.sha ? 1 : 0));
  const fanout = Buffer.alloc(256 * 4);
  for (let i = 0, n = 0; i < 256; i++) {
    while (n < sorted.length && parseInt(sorted[n]!.sha.slice(0, 2), 16) <= i) n++;
    fanout.writeUInt32BE(n, i * 4);
  }
  const large: number[] = [];
  const small = sorted.map((e) => {
    const at = offsets.get(e.sha)!;
    if (at < 0x80000000) return uint32(at);
    large.push(at);
    return uint32((0x80000000 | (large.length - 1)) >>> 0);
  });
  const idxBody = Buffer.concat([
    Buffer.from([0xff, 0x74, 0x4f, 0x63]),
    uint32(2),
    fanout,
    ...sorted.map((e) => Buffer.from(e.sha, 'hex')),
    ...sorted.map((e) => uint32(crc32(e.data) >>> 0)),
    ...small,
    ...large.map((at) => {
      const b = Buffer.alloc(8);
      b.writeBigUInt64BE(BigInt(at));
      return b;
    }),
    checksum,
  ]);
  const idx = Buffer.concat([idxBody, createHash('sha1').update(idxBody).digest()]);
  return { name: checksum.toString('hex'), pack, idx };
}

/** A tree object's body, entries in git's order (a directory sorts as if its name ended in `/`). */
function treeBody(entries: ReadonlyMap<string, TreeEntry>): Buffer {
  const sorted = [...entries].map(([name, e]) => ({ name, e, key: Buffer.from(e.mode === TREE_MODE ? `${name}/` : name) }));
  sorted.sort((a, b) => Buffer.compare(a.key, b.key));
  return Buffer.concat(sorted.flatMap(({ name, e }) => [Buffer.from(`${e.mode} ${name}\0`), Buffer.from(e.sha, 'hex')]));
}

export interface TaskRepoOptions {
  /**
   * Write blobs, trees and commits from this process as loose objects (default true): the same
   * objects git's plumbing writes, without a git process per commit. False: `read-tree`,
   * `update-index`, `write-tree` and `commit-tree` for every commit (the reference the fast path is
   * tested against). The fast path also falls back to the plumbing for any tree it cannot
   * reproduce byte for byte (e.g. a non-SHA-1 repository).
   */
  inProcess?: boolean;
}

/**
 * The task repository: one bare git repository per source repository, holding the original commit
 * and a base and a reference commit per step. The first commit is the source files added to a
 * private index (git applies the repository's attributes); every later commit is the tree of an
 * earlier one with some files replaced, written as loose objects from this process: only changed
 * files and the directories above them are hashed, and no work tree is touched.
 */
export class TaskRepo {
  private constructor(
    readonly gitDir: string,
    private readonly git: SimpleGit,
    private readonly scratch: string,
    private readonly inProcess: boolean,
    private readonly unguard: () => void,
  ) {}

  static async create(dir: string, options: TaskRepoOptions = {}): Promise<TaskRepo> {
    await simpleGit().raw(['init', '--quiet', '--bare', path.resolve(dir)]);
    return TaskRepo.open(dir, options);
  }

  /** A task repository that `create` made earlier (e.g. by the emit stage of a resumed run). */
  static async open(dir: string, options: TaskRepoOptions = {}): Promise<TaskRepo> {
    // git runs with -C elsewhere: a relative GIT_DIR would move. A work tree's repository is its .git.
    const gitDir = await stat(path.join(dir, '.git')).then((st) => (st.isDirectory() ? path.resolve(dir, '.git') : path.resolve(dir)), () => path.resolve(dir));
    const git = simpleGit({ baseDir: gitDir }).env({ ...hostEnv(), ...FIXED_ENV, GIT_DIR: gitDir });
    const scratch = await mkdtemp(path.join(os.tmpdir(), 'swf-taskrepo-'));
    // Removed on dispose, or by the shutdown path when a signal ends the run first.
    const unguard = registerCleanup(() => rm(scratch, { recursive: true, force: true }));
    // Objects are hashed with SHA-1 here: a repository initialized with another format uses git.
    const config = await readFile(path.join(gitDir, 'config'), 'utf8').catch(() => '');
    const format = /objectformat\s*=\s*(\w+)/i.exec(config)?.[1]?.toLowerCase() ?? 'sha1';
    return new TaskRepo(gitDir, git, scratch, (options.inProcess ?? true) && format === 'sha1', unguard);
  }

  private async withIndex<T>(fn: (env: Record<string, string>) => Promise<T>): Promise<T> {
    const index = path.join(this.scratch, `index-${process.pid}-${Math.random().toString(36).slice(2)}`);
    try {
      return await fn({ GIT_INDEX_FILE: index });
    } finally {
      await rm(index, { force: true });
    }
  }

  private async raw(args: string[], env: Record<string, string> = {}): Promise<string> {
    await this.flush();
    return this.git
      .env({ ...hostEnv(), ...FIXED_ENV, GIT_DIR: this.gitDir, ...env })
      .raw(args)
      .then((s) => s.trim())
      .catch((cause: unknown) => {
        throw new SweFlowError(ErrorCodes.GIT_FAILED, `git ${args.slice(0, 2).join(' ')} failed in the task repository ${this.gitDir}`, { cause });
      });
  }

  /** Runs git with `input` on stdin; resolves to its whole stdout. */
  private async pipe(args: string[], input: string): Promise<string> {
    return (await this.pipeBytes(args, input)).toString('utf8');
  }

  /** Runs git with `input` on stdin; resolves to its whole stdout as bytes. */
  private async pipeBytes(args: string[], input: string): Promise<Buffer> {
    await this.flush();
    return new Promise((resolve, reject) => {
      const fail = (detail: string, cause?: unknown) =>
        reject(new SweFlowError(ErrorCodes.GIT_FAILED, `git ${args[0]} failed in the task repository ${this.gitDir}: ${detail}`, cause ? { cause } : undefined));
      const child = spawn('git', args, { env: { ...hostEnv(), GIT_DIR: this.gitDir }, stdio: ['pipe', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => err.push(b));
      child.stdin.on('error', () => {}); // a git that dies early is reported by its exit code
      child.on('error', (cause) => fail(cause.message, cause));
      child.on('close', (code) => {
        if (code === 0) resolve(Buffer.concat(out));
        else fail(`exit code ${code}: ${Buffer.concat(err).toString('utf8').trim()}`);
      });
      child.stdin.end(input);
    });
  }

  /** Commits `files` (repo-relative) as found under `workTree`, as a root commit. */
  async commitWorkTree(workTree: string, files: string[], message: string): Promise<string> {
    return this.withIndex(async (env) => {
      const e = { ...env, GIT_WORK_TREE: workTree };
      for (let i = 0; i < files.length; i += 500) {
        // Every blob over core.bigFileThreshold is streamed into one pack (a loose object per file
        // costs a file creation each); ids are the same, and files git converts stay loose.
        await this.raw(['-C', workTree, '-c', 'core.bigFileThreshold=1', 'add', '--force', '--', ...files.slice(i, i + 500)], e);
      }
      const tree = await this.raw(['write-tree'], e);
      return this.commitTree(tree, [], message);
    });
  }

  // --- Objects written from this process ------------------------------------------------------

  /** Commit → its tree, for commits written or looked up here. */
  private readonly trees = new Map<string, string>();
  /** Tree → every directory in it (null: a tree this process does not reproduce exactly). */
  private readonly listings = new Map<string, TreeListing | null>();
  /** Objects in the object directory or waiting in `pending`. */
  private readonly written = new Set<string>();
  /** Objects written here and not yet on disk: they go out as one pack at the next `flush()`. */
  private pending: Array<{ sha: string; data: Buffer }> = [];
  private pendingBytes = 0;

  /**
   * Adds an object (unless known) and returns its id. Objects are kept in memory and written as one
   * pack by `flush()` (before any git command here, or when many are waiting): a loose object per
   * blob, tree and commit costs a file creation each.
   */
  private writeObject(type: ObjectType, body: Buffer): string {
    const sha = objectId(type, body);
    if (this.written.has(sha)) return sha;
    const data = packEntry(type, body);
    this.pending.push({ sha, data });
    this.pendingBytes += data.length;
    this.written.add(sha);
    return sha;
  }

  /** Ref updates not yet on disk: they go into `packed-refs` at the next `flush()`. */
  private readonly refUpdates = new Map<string, string>();

  /**
   * Writes what this process made since the last flush: the objects as one pack, the refs into
   * `packed-refs`. Every method here that runs git flushes first; other readers need a flush (or
   * `dispose()`) after the last change.
   */
  flush(): Promise<void> {
    // One flush at a time: each rewrites packed-refs from the last one's.
    const run = this.flushing.then(() => this.writePending());
    this.flushing = run.catch(() => {});
    return run;
  }

  private flushing: Promise<void> = Promise.resolve();

  private async writePending(): Promise<void> {
    if (this.pending.length > 0) {
      const { name, pack, idx } = buildPack(this.pending);
      this.pending = [];
      this.pendingBytes = 0;
      const dir = path.join(this.gitDir, 'objects', 'pack');
      await mkdir(dir, { recursive: true });
      // The index last: git finds packs by their index.
      for (const [ext, data] of [['pack', pack], ['idx', idx]] as const) {
        const tmp = path.join(dir, `tmp_${name}_${process.pid}.${ext}`);
        await writeFile(tmp, data, { mode: 0o444 });
        await rename(tmp, path.join(dir, `pack-${name}.${ext}`));
      }
    }
    if (this.refUpdates.size > 0) await this.writePackedRefs();
  }

  private async writePackedRefs(): Promise<void> {
    const file = path.join(this.gitDir, 'packed-refs');
    const refs = new Map<string, string>();
    for (const line of (await readFile(file, 'utf8').catch(() => '')).split('\n')) {
      const m = /^([0-9a-f]{40}) (\S+)$/.exec(line); // peeled (^) lines are dropped: git peels when asked
      if (m) refs.set(m[2]!, m[1]!);
    }
    const updates = [...this.refUpdates];
    this.refUpdates.clear();
    for (const [ref, sha] of updates) {
      refs.set(ref, sha);
      // A loose ref would hide the packed one.
      await rm(path.join(this.gitDir, ref), { force: true });
    }
    const lines = [...refs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([ref, sha]) => `${sha} ${ref}\n`);
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, `# pack-refs with: sorted \n${lines.join('')}`);
    await rename(tmp, file);
  }

  /** A commit object with the fixed identity, as `commit-tree -m` writes it. */
  private async commitTree(tree: string, parents: readonly string[], message: string): Promise<string> {
    const ids: string[] = [];
    for (const p of parents) {
      const id = SHA1.test(p) ? p : await this.raw(['rev-parse', '--verify', `${p}^{commit}`]);
      if (!ids.includes(id)) ids.push(id); // commit-tree ignores a duplicate parent
    }
    let sha: string;
    if (this.inProcess && SHA1.test(tree) && message !== '') {
      const text = [`tree ${tree}`, ...ids.map((p) => `parent ${p}`), `author ${AUTHOR}`, `committer ${COMMITTER}`, '', message.endsWith('\n') ? message : `${message}\n`].join('\n');
      sha = this.writeObject('commit', Buffer.from(text));
    } else {
      sha = await this.raw(['commit-tree', tree, ...ids.flatMap((p) => ['-p', p]), '-m', message]);
    }
    this.trees.set(sha, tree);
    if (this.pendingBytes > FLUSH_BYTES) await this.flush();
    return sha;
  }

  /**
   * Every directory of `tree`, read with one `ls-tree`. Null when re-serializing the listing does
   * not give back every tree id it names: then commits on top of it go through git.
   */
  private async listingOf(tree: string): Promise<TreeListing | null> {
    if (this.listings.has(tree)) return this.listings.get(tree)!;
    const dirs = new Map<string, Map<string, TreeEntry>>([['', new Map()]]);
    const expected = new Map<string, string>([['', tree]]);
    let ok = true;
    for (const line of (await this.raw(['ls-tree', '-r', '-t', '-z', '--full-tree', tree])).split('\0')) {
      if (line === '') continue;
      const m = /^(\d+) (\w+) ([0-9a-f]+)\t(.*)$/s.exec(line);
      if (!m || !SHA1.test(m[3]!)) {
        ok = false;
        break;
      }
      const mode = m[1]!.replace(/^0+/, '');
      const file = m[4]!;
      const [dir, name] = splitPath(file);
      let entries = dirs.get(dir);
      if (!entries) dirs.set(dir, (entries = new Map()));
      entries.set(name, { mode, sha: m[3]! });
      if (mode === TREE_MODE) {
        expected.set(file, m[3]!);
        if (!dirs.has(file)) dirs.set(file, new Map());
      }
    }
    for (const [dir, sha] of ok ? expected : []) {
      if (objectId('tree', treeBody(dirs.get(dir)!)) !== sha) {
        ok = false;
        break;
      }
    }
    const listing = ok ? { root: tree, dirs } : null;
    this.listings.set(tree, listing);
    if (listing) for (const sha of expected.values()) this.written.add(sha);
    return listing;
  }

  /**
   * `base` with `changes` applied, as `read-tree` + `update-index --add --cacheinfo` + `write-tree`
   * would write it (a changed file keeps its mode; a new one is 100644). Null when that cannot be
   * reproduced here (a path git would refuse, a file where a directory is, an unreadable listing).
   */
  private async treeWithChanges(base: string, changes: ReadonlyMap<string, string>): Promise<string | null> {
    if (!this.inProcess) return null;
    if (changes.size === 0) return base;
    if (![...changes.keys()].every(isPlainPath)) return null;
    const listing = await this.listingOf(base);
    if (!listing) return null;
    const edited = new Map<string, Map<string, TreeEntry>>();
    const edit = (dir: string) => {
      let entries = edited.get(dir);
      if (!entries) edited.set(dir, (entries = new Map(listing.dirs.get(dir) ?? [])));
      return entries;
    };
    for (const [file, content] of changes) {
      const [dir, name] = splitPath(file);
      const old = edit(dir).get(name);
      if (old?.mode === TREE_MODE) return null;
      const blob = this.writeObject('blob', Buffer.from(content));
      edit(dir).set(name, { mode: old?.mode ?? '100644', sha: blob });
      for (let d = dir; d !== ''; ) {
        const [parent, child] = splitPath(d);
        const entry = edit(parent).get(child);
        if (entry && entry.mode !== TREE_MODE) return null;
        d = parent;
      }
    }
    // Children before parents: each directory's new id goes into its parent before the parent is hashed.
    const depth = (dir: string) => (dir === '' ? 0 : dir.split('/').length);
    let root = base;
    for (const dir of [...edited.keys()].sort((a, b) => depth(b) - depth(a))) {
      const sha = this.writeObject('tree', treeBody(edited.get(dir)!));
      if (dir === '') root = sha;
      else {
        const [parent, name] = splitPath(dir);
        edited.get(parent)!.set(name, { mode: TREE_MODE, sha });
      }
    }
    return root;
  }

  // --- Commits through git's plumbing (the fallback) -------------------------------------------

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

  private async treeWithChangesByGit(treeSource: string, changes: ReadonlyMap<string, string>): Promise<string> {
    const entries = [...changes].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const [modes, blobs] = await Promise.all([this.modesOf(treeSource), this.blobsFor(entries.map(([, c]) => c))]);
    return this.withIndex(async (env) => {
      await this.raw(['read-tree', `${treeSource}^{tree}`], env);
      if (entries.length > 0) {
        const args = entries.flatMap(([file], i) => ['--cacheinfo', `${modes.get(file) ?? '100644'},${blobs[i]},${file}`]);
        await this.raw(['update-index', '--add', ...args], env);
      }
      return this.raw(['write-tree'], env);
    });
  }

  // --- Public API ------------------------------------------------------------------------------

  /** A new commit whose tree is `treeSource`'s tree with `changes` applied (path → new content). */
  async commitChanges(
    treeSource: string,
    changes: ReadonlyMap<string, string>,
    message: string,
    parents: string[],
  ): Promise<string> {
    const tree = (this.inProcess ? await this.treeWithChanges(await this.treeOf(treeSource), changes) : null)
      ?? (await this.treeWithChangesByGit(treeSource, changes));
    return this.commitTree(tree, parents, message);
  }

  /** A commit with the same tree as `treeSource` on top of `parent`. */
  async commitSameTree(treeSource: string, message: string, parent: string): Promise<string> {
    return this.commitTree(await this.treeOf(treeSource), [parent], message);
  }

  /**
   * Points a ref at a commit. Kept in memory and written with every other ref into `packed-refs` by
   * the next `flush()`: one file for all refs instead of a file (or a git process) per ref.
   */
  async setRef(ref: string, sha: string): Promise<void> {
    if (!/^refs\/[\w./-]+$/.test(ref) || ref.includes('..') || !SHA1.test(sha)) {
      throw new SweFlowError(ErrorCodes.GIT_FAILED, `invalid ref update ${ref} -> ${sha}`);
    }
    this.refUpdates.set(ref, sha);
  }

  /** Makes `ref` the repository's HEAD, so a clone checks it out. */
  async setHead(ref: string): Promise<void> {
    await writeFile(path.join(this.gitDir, 'HEAD'), `ref: ${ref}\n`);
  }

  async diff(from: string, to: string): Promise<string> {
    await this.flush();
    const out = await this.git.env({ ...hostEnv(), GIT_DIR: this.gitDir }).raw(['diff', '--no-color', '--no-ext-diff', '--binary', from, to]);
    return out;
  }

  /**
   * The patch of each `[from, to]` pair, as `diff(from, to)` gives it (git's default diff options),
   * from one `git diff-tree --stdin` process for all pairs.
   */
  async diffs(pairs: ReadonlyArray<readonly [from: string, to: string]>): Promise<string[]> {
    if (pairs.length === 0) return [];
    const trees = await this.treesOf(pairs.flat());
    const headers = pairs.map((_, i) => `${trees[2 * i]} ${trees[2 * i + 1]}\n`);
    // `--stdin` with two trees on a line prints that line, then the patch between them.
    const out = await this.pipe(['diff-tree', '--stdin', '-p', '-M', '--binary', '--no-color', '--no-ext-diff'], headers.join(''));
    const patches: string[] = [];
    let at = 0;
    for (let i = 0; i < headers.length; i++) {
      if (!out.startsWith(headers[i]!, at)) {
        throw new SweFlowError(ErrorCodes.GIT_FAILED, `git diff-tree: unexpected output for ${pairs[i]!.join('..')} in ${this.gitDir}`);
      }
      const start = at + headers[i]!.length;
      // A patch line never starts with a tree id: the next header is the next line that does.
      const next = headers[i + 1];
      const end = next === undefined ? out.length : out.startsWith(next, start) ? start : out.indexOf(`\n${next}`, start) + 1;
      if (end === 0) throw new SweFlowError(ErrorCodes.GIT_FAILED, `git diff-tree: output ended early in ${this.gitDir}`);
      patches.push(out.slice(start, end));
      at = end;
    }
    return patches;
  }

  async treeOf(commit: string): Promise<string> {
    let tree = this.trees.get(commit);
    if (tree === undefined) {
      tree = await this.raw(['rev-parse', '--verify', `${commit}^{tree}`]);
      if (SHA1.test(commit)) this.trees.set(commit, tree);
    }
    return tree;
  }

  /** Tree ids of many commits by commit, in at most one git process. */
  async treeIds(commits: readonly string[]): Promise<Map<string, string>> {
    const unique = [...new Set(commits)];
    const trees = await this.treesOf(unique);
    return new Map(unique.map((c, i) => [c, trees[i]!]));
  }

  /** Trees of many commits, with at most one `rev-parse` for those not written here. */
  private async treesOf(commits: readonly string[]): Promise<string[]> {
    const found = new Map<string, string>();
    const unknown = [...new Set(commits.filter((c) => !this.trees.has(c)))];
    if (unknown.length > 0) {
      const trees = (await this.raw(['rev-parse', ...unknown.map((c) => `${c}^{tree}`)])).split('\n');
      unknown.forEach((c, i) => {
        found.set(c, trees[i]!);
        if (SHA1.test(c)) this.trees.set(c, trees[i]!);
      });
    }
    return commits.map((c) => this.trees.get(c) ?? found.get(c)!);
  }

  async readFile(commit: string, file: string): Promise<string> {
    await this.flush();
    return this.git.env({ ...hostEnv(), GIT_DIR: this.gitDir }).raw(['show', `${commit}:${file}`]);
  }

  /** `file` at `commit`, or undefined when that commit has no such file. */
  async readFileIfPresent(commit: string, file: string): Promise<string | undefined> {
    return this.pipe(['show', `${commit}:${file}`], '').catch(() => undefined);
  }

  /**
   * Many files at once, each `[commit, path]`, read by one `git cat-file --batch`: each file's text, or
   * undefined where that commit has no such file (what `readFileIfPresent` answers, one process in all).
   */
  async readFilesIfPresent(requests: ReadonlyArray<readonly [commit: string, file: string]>): Promise<Array<string | undefined>> {
    if (requests.some(([c, f]) => /[\n\r]/.test(c + f))) return Promise.all(requests.map(([c, f]) => this.readFileIfPresent(c, f)));
    const objects = await this.catBatch(requests.map(([c, f]) => `${c}:${f}`));
    return objects.map((o) => (o?.type === 'blob' ? o.bytes.toString('utf8') : undefined));
  }

  /**
   * What `listTree` answers for many commits, read with one `git cat-file --batch` per directory level
   * (a subtree shared by several commits is read once) instead of one `ls-tree` per commit.
   */
  async listTrees(commits: readonly string[]): Promise<Array<Array<[file: string, blob: string]>>> {
    const roots = (await this.catBatch(commits)).map((o, i) => {
      const tree = o?.type === 'commit' ? /^tree ([0-9a-f]{40})$/m.exec(o.bytes.toString('utf8'))?.[1] : undefined;
      if (!tree) throw new SweFlowError(ErrorCodes.GIT_FAILED, `git cat-file failed in the task repository ${this.gitDir}: ${commits[i]} is not a commit`);
      return tree;
    });
    const entries = new Map<string, Array<{ mode: string; name: string; sha: string }>>();
    for (let level = [...new Set(roots)]; level.length > 0;) {
      const read = await this.catBatch(level);
      const next = new Set<string>();
      level.forEach((tree, i) => {
        const list = parseTree(read[i]?.bytes ?? Buffer.alloc(0));
        entries.set(tree, list);
        for (const e of list) if (e.mode === TREE_MODE && !entries.has(e.sha)) next.add(e.sha);
      });
      level = [...next];
    }
    const listing = (tree: string, prefix: string): Array<[string, string]> => (entries.get(tree) ?? []).flatMap((e): Array<[string, string]> =>
      e.mode === TREE_MODE ? listing(e.sha, `${prefix}${e.name}/`) : e.mode === GITLINK_MODE ? [] : [[`${prefix}${e.name}`, e.sha]]);
    return roots.map((tree) => listing(tree, ''));
  }

  /** The bytes of many blobs, by id, read by one `git cat-file --batch`. */
  async readBlobs(ids: readonly string[]): Promise<Buffer[]> {
    const objects = await this.catBatch(ids);
    return objects.map((o, i) => {
      if (o?.type !== 'blob') throw new SweFlowError(ErrorCodes.GIT_FAILED, `git cat-file failed in the task repository ${this.gitDir}: ${ids[i]} is not a blob`);
      return o.bytes;
    });
  }

  /** `git cat-file --batch` over object names (one line each): each object's type and bytes, or undefined when missing. */
  private async catBatch(names: readonly string[]): Promise<Array<{ type: string; bytes: Buffer } | undefined>> {
    if (names.length === 0) return [];
    const out = await this.pipeBytes(['cat-file', '--batch'], names.map((n) => `${n}\n`).join(''));
    const objects: Array<{ type: string; bytes: Buffer } | undefined> = [];
    let at = 0;
    for (let i = 0; i < names.length; i++) {
      const eol = out.indexOf(0x0a, at);
      // "<id> <type> <size>" then the object, or "<name> missing" (or ambiguous) and nothing else
      const header = /^[0-9a-f]+ (\w+) (\d+)$/.exec(out.subarray(at, eol < 0 ? out.length : eol).toString('utf8'));
      at = eol + 1;
      if (!header) {
        objects.push(undefined);
        continue;
      }
      const size = Number(header[2]);
      objects.push({ type: header[1]!, bytes: out.subarray(at, at + size) });
      at += size + 1;
    }
    return objects;
  }

  /** Every blob of `commit`'s tree, as [path, blob id]. */
  async listTree(commit: string): Promise<Array<[file: string, blob: string]>> {
    const out = await this.pipe(['ls-tree', '-r', '-z', commit], '');
    return out.split('\0').filter(Boolean).flatMap((line) => {
      const m = /^\d+ blob ([0-9a-f]+)\t(.*)$/s.exec(line);
      return m ? [[m[2]!, m[1]!] as [string, string]] : [];
    });
  }

  /** The bytes of one blob. */
  async blob(id: string): Promise<Buffer> {
    return this.pipeBytes(['cat-file', 'blob', id], '');
  }

  /** A bare copy of a task repository shipped as a bundle (`bundle()`), at `target`. */
  static async cloneBundle(bundle: string, target: string): Promise<void> {
    await simpleGit()
      .env(hostEnv())
      .raw(['clone', '--quiet', '--mirror', path.resolve(bundle), path.resolve(target)])
      .catch((cause: unknown) => {
        throw new SweFlowError(ErrorCodes.GIT_FAILED, `git clone of the task-repository bundle ${bundle} failed`, { cause });
      });
  }

  /** Writes a bundle of every ref, for shipping the task repository as one file. */
  async bundle(file: string): Promise<void> {
    await this.raw(['bundle', 'create', file, '--all']);
  }

  async dispose(): Promise<void> {
    await this.flush();
    await rm(this.scratch, { recursive: true, force: true });
    this.unguard();
  }
}
