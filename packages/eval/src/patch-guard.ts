/**
 * What a model patch may touch. Pure: reads the diff text and returns the paths it changes and the
 * first rule it breaks. Applied before `git apply` (so a fallback tool never sees a bad path) and
 * again on the files that actually changed afterwards (so whatever applied it, the tree is checked).
 */
import path from 'node:path';

export interface PatchFile {
  /** Path before the change (`null` for a new file). */
  oldPath: string | null;
  /** Path after the change (`null` for a deleted file). */
  newPath: string | null;
  /** The new file mode when the diff states one (`120000` is a symlink). */
  newMode?: string;
  /** For a new or changed symlink: its target (the `+` line of the hunk). */
  symlinkTarget?: string;
}

export interface GuardRules {
  /** Repo-relative test files (and test helpers) the patch must not change. */
  testFiles: Iterable<string>;
  /** Extra protected paths: exact files, or directories ending in `/`. */
  protectedPaths?: Iterable<string>;
}

/**
 * Paths a patch never touches, whatever the dataset says: the harness's own directory, git's
 * metadata, the installed dependencies, and the files that decide how the runner runs (its config,
 * the manifests and lockfiles of an environment that is fixed by the image).
 */
export const DEFAULT_PROTECTED: readonly string[] = [
  // swe-flow's work folder, and its older name.
  '.swe-flow/',
  '.sweflow/',
  '.git/',
  'node_modules/',
  'package.json',
  'package-lock.json',
  'npm-shrinkwrap.json',
  'pnpm-lock.yaml',
  'pnpm-workspace.yaml',
  'yarn.lock',
  '.npmrc',
  '.yarnrc',
  '.yarnrc.yml',
  '.mocharc.js',
  '.mocharc.cjs',
  '.mocharc.json',
  '.mocharc.yml',
  '.mocharc.yaml',
];

/** Runner configuration files, at any depth (`vitest.config.ts`, `jest.config.mjs`, `ava.config.js`...). */
const RUNNER_CONFIG = /(^|\/)(vitest|vite|jest|ava|vitest\.workspace|vitest\.setup|jest\.setup)(\.[\w-]+)*\.(c|m)?(j|t)sx?$|(^|\/)\.mocharc\.[a-z]+$/;

/** Test files by convention, whatever the trace saw: `*.test.*`, `*.spec.*`, `test/`, `__tests__/`... */
const TEST_PATH = /(^|\/)(__tests__|__mocks__|__fixtures__|test|tests|spec|specs)\/|\.(test|spec)\.[cm]?[jt]sx?$/;

export type GuardVerdict = { ok: true; files: PatchFile[] } | { ok: false; reason: string; files: PatchFile[] };

const unquote = (raw: string): string => {
  const s = raw.trim();
  if (!s.startsWith('"')) return s;
  // git quotes paths with unusual characters C-style.
  try {
    return JSON.parse(s.replace(/\\([0-7]{3})/g, (_m, o: string) => `\\u${parseInt(o, 8).toString(16).padStart(4, '0')}`)) as string;
  } catch {
    return s.slice(1, -1);
  }
};

/** Strips `a/`/`b/` (or any one leading component, as `-p1` would) and drops the `/dev/null` side. */
function stripPrefix(p: string): string | null {
  const clean = unquote(p).split('\t')[0]!;
  if (clean === '/dev/null') return null;
  return clean;
}

/**
 * Lists the files a unified diff (git or plain) changes. Paths are returned as written with the
 * first component kept, since `-p1` and `-p0` read them differently; see `candidatePaths`.
 */
export function parsePatchFiles(patch: string): PatchFile[] {
  const files: PatchFile[] = [];
  let current: PatchFile | undefined;
  let inSymlinkHunk = false;
  const lines = patch.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith('diff --git ')) {
      const m = /^diff --git ("(?:[^"\\]|\\.)*"|\S+) ("(?:[^"\\]|\\.)*"|\S+)\s*$/.exec(line);
      current = { oldPath: m ? stripPrefix(m[1]!) : null, newPath: m ? stripPrefix(m[2]!) : null };
      files.push(current);
      inSymlinkHunk = false;
      continue;
    }
    if (line.startsWith('--- ') && lines[i + 1]?.startsWith('+++ ')) {
      const oldP = stripPrefix(line.slice(4));
      const newP = stripPrefix(lines[i + 1]!.slice(4));
      if (!current || (current.oldPath !== oldP && current.newPath !== newP && current.oldPath !== null)) {
        // A plain (non-git) diff: each ---/+++ pair is a file.
        current = { oldPath: oldP, newPath: newP };
        files.push(current);
      } else {
        current.oldPath = oldP;
        current.newPath = newP;
      }
      i++;
      inSymlinkHunk = current.newMode === '120000';
      continue;
    }
    if (!current) continue;
    let m: RegExpExecArray | null;
    if ((m = /^(?:new file mode|new mode) (\d+)/.exec(line))) {
      current.newMode = m[1]!;
      if (current.newMode === '120000') inSymlinkHunk = false;
    } else if ((m = /^rename from (.+)$/.exec(line)) || (m = /^copy from (.+)$/.exec(line))) {
      current.oldPath = `a/${unquote(m[1]!)}`;
    } else if ((m = /^rename to (.+)$/.exec(line)) || (m = /^copy to (.+)$/.exec(line))) {
      current.newPath = `b/${unquote(m[1]!)}`;
    } else if (line.startsWith('@@')) {
      inSymlinkHunk = current.newMode === '120000';
    } else if (inSymlinkHunk && line.startsWith('+') && current.symlinkTarget === undefined) {
      current.symlinkTarget = line.slice(1);
    }
  }
  return files;
}

/** A path is inside the repository: relative, no `..` component, no drive or NUL. */
export function isInsideRepo(p: string): boolean {
  if (p === '' || p.includes('\0')) return false;
  if (p.startsWith('/') || p.startsWith('~') || /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\')) return false;
  const parts = p.split(/[\\/]+/);
  return !parts.includes('..');
}

/** Whether a symlink at `linkPath` pointing at `target` stays inside the repository. */
export function symlinkStaysInside(linkPath: string, target: string): boolean {
  if (target === '' || path.posix.isAbsolute(target) || target.startsWith('~')) return false;
  const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(linkPath), target));
  return resolved !== '..' && !resolved.startsWith('../') && resolved !== '.';
}

/** Why a repo-relative path may not be changed, or undefined when it may. */
export function protectedReason(relPath: string, rules: GuardRules): string | undefined {
  const norm = path.posix.normalize(relPath.replace(/\\/g, '/')).replace(/^\.\//, '');
  const tests = new Set([...rules.testFiles].map((f) => path.posix.normalize(f)));
  if (tests.has(norm)) return `modifies the test file ${norm}`;
  for (const p of [...DEFAULT_PROTECTED, ...(rules.protectedPaths ?? [])]) {
    if (p.endsWith('/') ? norm === p.slice(0, -1) || norm.startsWith(p) || norm.includes(`/${p}`) : norm === p || norm.endsWith(`/${p}`)) {
      return `modifies ${norm}, which the harness protects (${p})`;
    }
  }
  if (TEST_PATH.test(norm)) return `modifies ${norm}, a test file by its name or folder`;
  if (RUNNER_CONFIG.test(norm)) return `modifies the test runner configuration ${norm}`;
  return undefined;
}

/**
 * Checks a patch before it is applied: every path must stay inside the repository under both `-p1`
 * and `-p0` readings, must not be a test file or a protected path, and a symlink it creates must not
 * point outside the repository.
 */
export function checkPatch(patch: string, rules: GuardRules): GuardVerdict {
  const files = parsePatchFiles(patch);
  if (patch.trim() !== '' && files.length === 0) return { ok: false, reason: 'not a unified diff: no file headers found', files };
  for (const f of files) {
    for (const raw of [f.oldPath, f.newPath]) {
      if (raw === null) continue;
      if (!isInsideRepo(raw)) return { ok: false, reason: `reaches outside the repository: ${raw}`, files };
      // `-p1` drops the first component; the check above already covered the `-p0` reading.
      const p1 = raw.includes('/') ? raw.slice(raw.indexOf('/') + 1) : raw;
      const why = protectedReason(p1, rules);
      if (why) return { ok: false, reason: why, files };
    }
    if (f.newMode === '120000') {
      const link = f.newPath ?? f.oldPath ?? '';
      const linkRel = link.includes('/') ? link.slice(link.indexOf('/') + 1) : link;
      if (f.symlinkTarget === undefined || !symlinkStaysInside(linkRel, f.symlinkTarget)) {
        return { ok: false, reason: `creates a symlink ${linkRel} pointing outside the repository (${f.symlinkTarget ?? 'unknown target'})`, files };
      }
    }
  }
  return { ok: true, files };
}
