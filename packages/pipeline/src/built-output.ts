/**
 * Build output the tests run: the folders the install and the build before tests make (which the repository does not hold) that the tests
 * read, each with how its files map back to the sources a task stubs (the build's source maps, or, with
 * config `builtSources` or found, the files of the same paths in the folder it is built from). Without a
 * map, the tests would run code no stub reaches: `SWEFLOW_BUILD_UNMAPPED` names the config keys to set.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCodes, SweFlowError, WORK_DIR } from '@swe-flow/core';
import { readSourceMap, sameNameSource, type BuiltOutputDir } from '@swe-flow/tracer';

const SKIPPED = new Set(['node_modules', '.git', WORK_DIR]);
const JS = /\.[cm]?js$/;

/** Folders (two levels deep) of a checkout, repo-relative. */
async function listFolders(root: string): Promise<Set<string>> {
  const out = new Set<string>();
  const walk = async (rel: string, depth: number): Promise<void> => {
    const entries = await readdir(path.join(root, rel), { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      if (!e.isDirectory() || SKIPPED.has(e.name)) continue;
      const child = rel ? `${rel}/${e.name}` : e.name;
      out.add(child);
      if (depth < 2) await walk(child, depth + 1);
    }
  };
  await walk('', 1);
  return out;
}

/** The JavaScript files under a folder, repo-relative (at most `limit`). */
async function jsFiles(root: string, dir: string, limit = 2000): Promise<string[]> {
  const entries = await readdir(path.join(root, dir), { recursive: true, withFileTypes: true }).catch(() => []);
  const files: string[] = [];
  for (const e of entries) {
    if (!e.isFile() || !JS.test(e.name)) continue;
    const rel = path.relative(root, path.join(e.parentPath, e.name)).split(path.sep).join('/');
    if (rel.split('/').includes('node_modules')) continue;
    files.push(rel);
    if (files.length >= limit) break;
  }
  return files.sort();
}

/** The JavaScript files of the build output (repo-relative): test files the runner runs may be among them. */
export async function builtFiles(root: string, dirs: readonly BuiltOutputDir[]): Promise<string[]> {
  return (await Promise.all(dirs.map((d) => jsFiles(root, d.dir, 20_000)))).flat();
}

/**
 * Folders the repository does not hold (no file of it inside; git-ignored output), the shallowest of each
 * tree, that hold JavaScript: what the install's `prepare` and the build before tests made.
 */
async function outputFolders(root: string, files: readonly string[]): Promise<string[]> {
  const tracked = new Set<string>();
  for (const f of files) {
    const parts = f.split('/');
    for (let i = 1; i < parts.length; i++) tracked.add(parts.slice(0, i).join('/'));
  }
  const made = [...(await listFolders(root))].filter((d) => !tracked.has(d)).sort();
  const shallowest = made.filter((d) => !made.some((o) => o !== d && d.startsWith(`${o}/`)));
  const out: string[] = [];
  for (const d of shallowest) if ((await jsFiles(root, d, 1)).length > 0) out.push(d);
  return out;
}

export interface BuiltOutputReads {
  /** Build output the tests import (`dist`, the package entry `lib/cjs/ejs.js`), found before the build. */
  imported: readonly string[];
  /** Test files or globs the runner runs (the test script's `dist-node/test/*.js`). */
  tests: readonly string[];
}

const overlaps = (dir: string, p: string) => p === dir || p.startsWith(`${dir}/`) || dir.startsWith(`${p}/`);

/** The folder part of a path or glob before its first wildcard (`dist-node/test/*.js` -> `dist-node/test`). */
function globBase(glob: string): string {
  const parts = glob.replace(/^\.\//, '').split('/');
  const k = parts.findIndex((p) => /[*?[{]/.test(p));
  return (k < 0 ? parts.slice(0, -1) : parts.slice(0, k)).join('/');
}

/** Whether the tests read a folder: they import it, or the runner runs test files in it. */
function readByTests(dir: string, reads: BuiltOutputReads): boolean {
  if (reads.imported.some((p) => overlaps(dir, p))) return true;
  return reads.tests.some((t) => {
    const base = globBase(t);
    return base !== '' && overlaps(dir, base);
  });
}

/** Whether the folder's files carry source maps (a sample of them: one is enough). */
async function hasSourceMaps(root: string, dir: string): Promise<boolean> {
  for (const rel of (await jsFiles(root, dir, 200)).slice(0, 50)) {
    const abs = path.join(root, rel);
    const code = await readFile(abs, 'utf8').catch(() => '');
    if (readSourceMap(code, abs)) return true;
  }
  return false;
}

/**
 * A folder of the repository that holds a source of the same relative path for every built file (a
 * plain transpile such as lib/esm -> lib/cjs): the map of build output without source maps.
 */
async function sameNameCandidate(root: string, dir: string, tracked: readonly string[]): Promise<string | undefined> {
  const built = await jsFiles(root, dir, 200);
  const trackedSet = new Set(tracked);
  const dirs = [...new Set(tracked.map((f) => path.posix.dirname(f)))].filter((d) => d !== '.' && !overlaps(dir, d) && !d.split('/').includes('node_modules'));
  return dirs.find((from) => built.length > 0 && built.every((f) => sameNameSource(f, { dir, map: 'same-names', from }, (rel) => trackedSet.has(rel)) !== undefined));
}

/** The build output the tests read, with its maps; `SWEFLOW_BUILD_UNMAPPED` for a folder without one. */
export async function findBuiltOutput(
  root: string,
  reads: BuiltOutputReads,
  options: { build: readonly string[]; builtSources?: Record<string, string> | undefined; files: readonly string[] },
): Promise<BuiltOutputDir[]> {
  if (options.build.length === 0) return [];
  const out: BuiltOutputDir[] = [];
  for (const dir of await outputFolders(root, options.files)) {
    if (!readByTests(dir, reads)) continue;
    const from = options.builtSources?.[dir];
    if (from !== undefined) {
      out.push({ dir, map: 'same-names', from: from.replace(/^\.\//, '').replace(/\/+$/, '') });
      continue;
    }
    if (await hasSourceMaps(root, dir)) {
      out.push({ dir, map: 'source-map' });
      continue;
    }
    // No maps: a plain transpile when a folder of the repository has a file of the same path for each.
    const candidate = await sameNameCandidate(root, dir, options.files);
    if (!candidate) throw unmappedError(dir, options.build);
    out.push({ dir, map: 'same-names', from: candidate });
  }
  return out;
}

function unmappedError(dir: string, build: readonly string[]): SweFlowError {
  const example = JSON.stringify({ [dir]: '<source folder>' });
  return new SweFlowError(
    ErrorCodes.BUILD_UNMAPPED,
    `the tests run ${dir}/, which the build (${build.join(' && ')}) writes without source maps, so what the tests run cannot be traced back to the sources a task stubs; ` +
      `make the build write source maps (set "build" in the config to a command that does, for example tsc with --sourceMap), ` +
      `or, when it compiles ${dir}/ file by file from a folder of the repository, set "builtSources" in the config to ${example}`,
    { details: { dir } },
  );
}
