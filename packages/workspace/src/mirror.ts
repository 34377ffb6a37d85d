import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCodes, SweFlowError } from '@swe-flow/core';
import { repoNameFromUrl } from './names.js';

/**
 * Where a git URL can be cloned from without the network: an explicit map (`--mirror URL=PATH`,
 * config `mirrors`, a mirror map file) and a mirror folder (`SWEFLOW_MIRROR_DIR`) laid out by
 * repository name. A URL with no mirror is cloned from the network as before.
 */
export interface MirrorOptions {
  /** URL → local git repository (bare or with a work tree). */
  mirrors?: Record<string, string>;
  /** A folder holding snapshots by name: `owner+name/repo`, `owner+name`, `owner/name.git` or `owner/name`. */
  mirrorDir?: string;
}

/** A URL in a comparable form: no scheme, no `.git`, no trailing slash, lower case host and path. */
export function normalizeGitUrl(url: string): string {
  return url
    .trim()
    .replace(/^(https?|ssh|git|file):\/\//, '')
    .replace(/^[\w.-]+@([\w.-]+):/, '$1/')
    .replace(/^[\w.-]+@/, '')
    .replace(/\.git$/, '')
    .replace(/\/+$/, '')
    .toLowerCase();
}

async function isGitDir(dir: string): Promise<boolean> {
  const head = await stat(path.join(dir, 'HEAD')).catch(() => null);
  const objects = await stat(path.join(dir, 'objects')).catch(() => null);
  if (head?.isFile() && objects?.isDirectory()) return true;
  return (await stat(path.join(dir, '.git')).catch(() => null)) !== null;
}

/** `URL=PATH` pairs (as given to `--mirror`) → a map; a pair without `=` is a usage error. */
export function parseMirrorPairs(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.lastIndexOf('=');
    if (at <= 0 || at === pair.length - 1) {
      throw new SweFlowError(ErrorCodes.USAGE, `--mirror ${pair}: give URL=PATH (the URL as passed to synth, the path of a local git repository)`);
    }
    out[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return out;
}

/**
 * A mirror map file: JSON, either `{ "URL": "PATH" }` or `{ "mirrors": { "URL": "PATH" } }`;
 * relative paths are resolved against the file's folder.
 */
export async function readMirrorFile(file: string): Promise<Record<string, string>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (cause) {
    throw new SweFlowError(ErrorCodes.CONFIG_INVALID, `mirror map ${file} is not readable JSON: write { "URL": "PATH", ... }`, { cause });
  }
  const body = (parsed as { mirrors?: unknown }).mirrors ?? parsed;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new SweFlowError(ErrorCodes.CONFIG_INVALID, `mirror map ${file} must be an object of URL → path`);
  }
  const out: Record<string, string> = {};
  for (const [url, p] of Object.entries(body as Record<string, unknown>)) {
    if (typeof p !== 'string') throw new SweFlowError(ErrorCodes.CONFIG_INVALID, `mirror map ${file}: the path for ${url} is not a string`);
    out[url] = path.resolve(path.dirname(file), p);
  }
  return out;
}

/**
 * The local repository to clone `url` from, or `undefined` to use the network. An explicit mirror
 * that is not a git repository is an error (the user asked for it); a mirror folder without a
 * snapshot of this repository is not (it falls back to the network).
 */
export async function resolveMirror(url: string, options: MirrorOptions): Promise<string | undefined> {
  const key = normalizeGitUrl(url);
  for (const [from, to] of Object.entries(options.mirrors ?? {})) {
    if (normalizeGitUrl(from) !== key) continue;
    const dir = path.resolve(to);
    if (!(await isGitDir(dir))) {
      throw new SweFlowError(ErrorCodes.CONFIG_INVALID, `mirror for ${url} is ${dir}, which is not a git repository: point it at a clone or a bare repository`);
    }
    return dir;
  }
  if (!options.mirrorDir) return undefined;
  const [owner, name] = repoNameFromUrl(url).split('/') as [string, string];
  const candidates = [`${owner}+${name}/repo`, `${owner}+${name}`, `${owner}/${name}.git`, `${owner}/${name}`];
  for (const rel of candidates) {
    const dir = path.resolve(options.mirrorDir, rel);
    if (await isGitDir(dir)) return dir;
  }
  return undefined;
}
