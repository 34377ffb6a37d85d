/** Which files are the repository's own sources (the only files the tracer instruments). */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LEGACY_WORK_DIR, WORK_DIR } from '@swe-flow/core';
import { SOURCE_FILE_PATTERN } from '@swe-flow/skeleton';

/** Returns true to EXCLUDE a repo-relative path. */
export type InstrumentFilter = (relFile: string) => boolean;

/** swe-flow's own tracer package: never instrumented, wherever the repository lives. */
const TRACER_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Directory names that are never the repository's own sources. */
const ALWAYS_EXCLUDED_DIRS = new Set(['node_modules', '.git', 'dist', 'coverage', '.nyc_output', WORK_DIR, LEGACY_WORK_DIR, '.vitest', '.turbo', '.next']);

const CONFIG_FILE = /(^|\/)([\w.-]+\.config|\.[\w-]+rc)\.(c|m)?(j|t)s$/;
const DECLARATION_FILE = /\.d\.(c|m)?ts$/;

export function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}

/** Repo-relative POSIX path, or undefined when the file lies outside the root. */
export function relativeSourcePath(root: string, absFile: string): string | undefined {
  const clean = absFile.replace(/[?#].*$/, '');
  const rel = path.relative(root, clean);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  return toPosix(rel);
}

export function shouldInstrument(relFile: string, absFile?: string, exclude?: InstrumentFilter): boolean {
  if (!SOURCE_FILE_PATTERN.test(relFile) || DECLARATION_FILE.test(relFile)) return false;
  if (CONFIG_FILE.test(relFile)) return false;
  const parts = relFile.split('/');
  for (const dir of parts.slice(0, -1)) if (ALWAYS_EXCLUDED_DIRS.has(dir)) return false;
  if (absFile !== undefined) {
    const abs = path.resolve(absFile.replace(/[?#].*$/, ''));
    if (abs === TRACER_DIR || abs.startsWith(TRACER_DIR + path.sep)) return false;
  }
  if (exclude?.(relFile)) return false;
  return true;
}

export interface BuildOutputFacts {
  packageJson: Record<string, unknown>;
  files: string[];
  /** Contents of the root .gitignore, when there is one. */
  gitignore?: string;
}

/**
 * Top-level directories that hold build output rather than sources: `lib/`, `build/`, `out/`, `esm/`,
 * `cjs/` when a `src/` exists and the directory is git-ignored or is what package.json points to.
 */
export function detectBuildOutputDirs(facts: BuildOutputFacts): string[] {
  const hasSrc = facts.files.some((f) => f.startsWith('src/'));
  if (!hasSrc) return [];
  const ignored = new Set(
    (facts.gitignore ?? '')
      .split(/\r?\n/)
      .map((l) => l.trim().replace(/^\//, '').replace(/\/$/, ''))
      .filter((l) => l && !l.startsWith('#')),
  );
  const pj = JSON.stringify([facts.packageJson.main, facts.packageJson.module, facts.packageJson.exports, facts.packageJson.bin, facts.packageJson.types]);
  const out: string[] = [];
  for (const dir of ['lib', 'build', 'out', 'esm', 'cjs']) {
    if (!facts.files.some((f) => f.startsWith(`${dir}/`))) continue;
    if (ignored.has(dir) || pj.includes(`${dir}/`)) out.push(dir);
  }
  return out;
}

export function excludeDirs(dirs: readonly string[]): InstrumentFilter {
  return (rel) => dirs.some((d) => rel === d || rel.startsWith(`${d}/`));
}
