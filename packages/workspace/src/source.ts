import { cp, mkdir, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { ErrorCodes, SweFlowError, type Logger, silentLogger } from '@swe-flow/core';
import { incompleteSourceError, type CloneSide } from './clone-failure.js';
import { listRepoFiles } from './files.js';
import { resolveMirror, type MirrorOptions } from './mirror.js';
import { repoNameFromUrl } from './names.js';

export { repoNameFromUrl };

export interface SourceInfo {
  /** What the user gave: a local path (absolute) or a git URL. */
  input: string;
  kind: 'path' | 'url';
  /** Commit of the source (HEAD of a local repo, or the checked-out ref of a clone); null when not git. */
  commit: string | null;
  /** Local repo had uncommitted changes; the copy includes them. */
  dirty: boolean;
  /** `owner/name` guessed from the remote URL or the folder name. */
  name: string;
  /** A URL cloned from a local snapshot instead of the network: that snapshot's path. */
  mirror?: string;
}

const URL_PATTERN = /^(https?:\/\/|git@|ssh:\/\/|git:\/\/|file:\/\/)/;

export function isGitUrl(input: string): boolean {
  return URL_PATTERN.test(input);
}

async function git(cwd: string, args: string[]): Promise<string> {
  const { stdout } = await execa('git', args, { cwd });
  return stdout.trim();
}

async function isGitRepo(dir: string): Promise<boolean> {
  try {
    return (await git(dir, ['rev-parse', '--show-toplevel'])) !== '';
  } catch {
    return false;
  }
}

/**
 * Checks out `ref` in the fresh clone `dest`. The ref is resolved first (never read as an option), so a
 * ref that does not exist is the user's mistake, reported with the refs that do.
 */
async function checkoutRef(dest: string, ref: string, source: string, side: CloneSide): Promise<void> {
  if (ref.startsWith('-') || /\s/.test(ref)) {
    throw new SweFlowError(ErrorCodes.USAGE, `--ref ${JSON.stringify(ref)} is not a git ref: give a branch, tag or commit (it cannot start with '-' or hold spaces)`);
  }
  // A branch of the source is a remote branch of the clone (`origin/<ref>`).
  let commit = '';
  for (const candidate of [ref, `refs/remotes/origin/${ref}`]) {
    commit = await git(dest, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${candidate}^{commit}`]).catch(() => '');
    if (commit) break;
  }
  if (!commit) {
    const branches = await git(dest, ['for-each-ref', '--count=8', '--format=%(refname:short)', 'refs/heads', 'refs/remotes', 'refs/tags']).catch(() => '');
    const known = branches.split('\n').filter((b) => b && !b.endsWith('/HEAD'));
    throw new SweFlowError(
      ErrorCodes.REF_NOT_FOUND,
      `${source} has no branch, tag or commit named ${JSON.stringify(ref)}${known.length ? ` (it has ${known.join(', ')})` : ''}: check --ref`,
      { details: { ref } },
    );
  }
  // Checking out of an unborn clone, git skips a blob it cannot read with an error but exits 0, leaving
  // the file out of the work tree: its words are read here, so a tree with a file missing never goes on.
  const r = await execa('git', ['checkout', '--quiet', '--detach', commit], { cwd: dest, reject: false });
  const stderr = String(r.stderr ?? '');
  const incomplete = incompleteSourceError({ stderr }, side);
  if (incomplete) throw incomplete;
  if (r.exitCode !== 0) throw new SweFlowError(ErrorCodes.GIT_FAILED, `could not check out ${ref} of ${source} (git said: ${stderr.trim().slice(-500)})`);
}

/**
 * Puts a copy of the repository at `dest` (which must not exist or be empty). The user's
 * repository is only ever read: a local path is copied file by file (tracked and untracked-but-not-
 * ignored files, so uncommitted work is included), a URL is cloned.
 */
export async function materializeSource(
  input: string,
  dest: string,
  options: { ref?: string; logger?: Logger } & MirrorOptions = {},
): Promise<SourceInfo> {
  const logger = options.logger ?? silentLogger;
  await mkdir(dest, { recursive: true });
  if ((await readdir(dest)).length > 0) {
    throw new SweFlowError(ErrorCodes.INTERNAL, `working copy ${dest} is not empty`);
  }
  if (isGitUrl(input)) return cloneUrl(input, dest, options, logger);

  const abs = path.resolve(input);
  const st = await stat(abs).catch(() => null);
  if (!st) throw new SweFlowError(ErrorCodes.PATH_MISSING, `${abs} does not exist: give the path of a repository or a git URL`);
  if (!st.isDirectory()) throw new SweFlowError(ErrorCodes.NOT_A_REPO, `${abs} is a file, not a repository folder`);
  const hasPackageJson = await stat(path.join(abs, 'package.json')).then(() => true, () => false);
  const gitRepo = await isGitRepo(abs);
  if (!gitRepo && !hasPackageJson) {
    throw new SweFlowError(ErrorCodes.NOT_A_REPO, `${abs} is neither a git repository nor a package (no package.json): point swe-flow at a JavaScript/TypeScript project`);
  }
  if (!hasPackageJson) {
    throw new SweFlowError(ErrorCodes.NO_PACKAGE_JSON, `${abs} has no package.json: swe-flow needs a Node.js project with a test script`);
  }

  let commit: string | null = null;
  let dirty = false;
  let files: string[];
  if (gitRepo) {
    const top = await git(abs, ['rev-parse', '--show-toplevel']);
    const prefix = path.relative(top, abs);
    if (options.ref) {
      // A ref of a local repository: clone it so the user's work tree is left alone.
      if (prefix) throw new SweFlowError(ErrorCodes.USAGE, `--ref needs the repository root (${top}), not a sub-folder`);
      await execa('git', ['clone', '--quiet', '--no-checkout', '--', top, dest]);
      await checkoutRef(dest, options.ref, abs, { input: abs, local: true });
      commit = await git(dest, ['rev-parse', 'HEAD']);
      return { input: abs, kind: 'path', commit, dirty: false, name: `local/${path.basename(abs)}` };
    }
    commit = await git(abs, ['rev-parse', 'HEAD']).catch(() => null);
    // No optional locks: a plain `git status` refreshes and rewrites the user's .git/index.
    dirty = (await git(abs, ['--no-optional-locks', 'status', '--porcelain', '--', '.'])) !== '';
    const { stdout } = await execa('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard', '--', '.'], { cwd: abs });
    files = stdout.split('\0').filter(Boolean);
  } else {
    files = await listRepoFiles(abs);
  }
  for (const file of files) {
    const from = path.join(abs, file);
    const exists = await stat(from).catch(() => null);
    if (!exists || exists.isDirectory()) continue; // deleted in the work tree, or a submodule
    await mkdir(path.dirname(path.join(dest, file)), { recursive: true });
    await cp(from, path.join(dest, file), { preserveTimestamps: true, verbatimSymlinks: true });
  }
  let name = `local/${path.basename(abs)}`;
  if (gitRepo) {
    const remote = await git(abs, ['remote', 'get-url', 'origin']).catch(() => '');
    if (remote && (isGitUrl(remote) || /^[\w.-]+@[\w.-]+:/.test(remote))) name = repoNameFromUrl(remote);
  }
  logger.debug(`copied ${files.length} files from ${abs}`);
  return { input: abs, kind: 'path', commit, dirty, name };
}

/**
 * Clones a URL, from its local mirror when one is configured (the clone's `origin` is then set back
 * to the URL, so the working copy looks as a network clone would).
 */
async function cloneUrl(input: string, dest: string, options: { ref?: string } & MirrorOptions, logger: Logger): Promise<SourceInfo> {
  const mirror = await resolveMirror(input, options);
  logger.info(mirror ? `cloning ${input} from its mirror ${mirror}` : `cloning ${input}`);
  try {
    // At a ref, only that ref's tree is checked out: a snapshot that lacks a blob of HEAD alone still serves it.
    await execa('git', ['clone', '--quiet', ...(options.ref ? ['--no-checkout'] : []), ...(mirror ? ['--no-hardlinks', '--', mirror] : ['--', input]), dest]);
    if (mirror) await git(dest, ['remote', 'set-url', 'origin', input]);
  } catch (cause) {
    const incomplete = incompleteSourceError(cause, { input, ...(mirror ? { mirror } : {}) });
    if (incomplete) throw incomplete;
    const from = mirror ? ` (mirror ${mirror})` : '';
    throw new SweFlowError(ErrorCodes.NOT_A_REPO, `could not clone ${input}${from}: check the URL (git said: ${((cause as { stderr?: string }).stderr ?? '').trim().slice(-500)})`, { cause });
  }
  if (options.ref) await checkoutRef(dest, options.ref, input, { input, ...(mirror ? { mirror } : {}) });
  const info: SourceInfo = { input, kind: 'url', commit: await git(dest, ['rev-parse', 'HEAD']), dirty: false, name: repoNameFromUrl(input) };
  if (mirror) info.mirror = mirror;
  return info;
}
