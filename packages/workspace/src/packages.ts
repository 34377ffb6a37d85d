/**
 * The workspace packages of a monorepo, and choosing one as the unit of synthesis.
 * Ids stay relative to the repository root; a package only says where its runner runs.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCodes, SweFlowError } from '@swe-flow/core';
import { readPackageJson } from './detect.js';

export interface WorkspacePackage {
  /** Repo-relative POSIX folder, e.g. `packages/change-case`. */
  dir: string;
  name: string | null;
  /** The package's `test` script, when it has one. */
  testScript: string | null;
  /** Test files (`*.test.*`, `*.spec.*`, or under `test/`/`tests/`/`__tests__/`) in the package's folder. */
  testFiles: number;
}

const isDir = (p: string) => stat(p).then((s) => s.isDirectory(), () => false);
const TEST_FILE = /(^|\/)(__tests__|tests?)\/.*\.[cm]?[jt]sx?$|\.(test|spec)\.[cm]?[jt]sx?$/;

/** Folders matched by workspace globs (`packages/*`, `apps/**`, exact folders; `!` globs exclude). */
async function expandGlob(root: string, glob: string): Promise<string[]> {
  const parts = glob.replace(/^\.\//, '').replace(/\/+$/, '').split('/');
  let dirs = [''];
  for (const part of parts) {
    const next: string[] = [];
    for (const d of dirs) {
      if (part === '**') {
        next.push(d, ...(await subdirs(root, d, true)));
      } else if (part.includes('*')) {
        const re = new RegExp(`^${part.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*')}$`);
        next.push(...(await subdirs(root, d, false)).filter((s) => re.test(path.posix.basename(s))));
      } else {
        const c = d ? `${d}/${part}` : part;
        if (await isDir(path.join(root, c))) next.push(c);
      }
    }
    dirs = next;
  }
  return dirs.filter((d) => d !== '');
}

async function subdirs(root: string, dir: string, deep: boolean): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(path.join(root, dir), { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    if (!e.isDirectory() || e.name === 'node_modules' || e.name.startsWith('.')) continue;
    const rel = dir ? `${dir}/${e.name}` : e.name;
    out.push(rel);
    if (deep) out.push(...(await subdirs(root, rel, true)));
  }
  return out;
}

/**
 * Lists the workspace packages (folders with a package.json matched by the globs), sorted by folder.
 * `files` (repo-relative, as from `listRepoFiles`) is used to count each package's test files.
 */
export async function listWorkspacePackages(root: string, globs: readonly string[], files: readonly string[]): Promise<WorkspacePackage[]> {
  const included = new Set<string>();
  for (const g of globs.filter((g) => !g.startsWith('!'))) for (const d of await expandGlob(root, g)) included.add(d);
  for (const g of globs.filter((g) => g.startsWith('!'))) for (const d of await expandGlob(root, g.slice(1))) included.delete(d);
  const out: WorkspacePackage[] = [];
  for (const dir of [...included].sort()) {
    const pj = await readPackageJson(path.join(root, dir)).catch(() => null);
    if (!pj) continue;
    const scripts = (pj.scripts as Record<string, unknown> | undefined) ?? {};
    const prefix = `${dir}/`;
    out.push({
      dir,
      name: typeof pj.name === 'string' ? pj.name : null,
      testScript: typeof scripts.test === 'string' ? scripts.test : null,
      testFiles: files.filter((f) => f.startsWith(prefix) && !f.includes('/node_modules/') && TEST_FILE.test(f.slice(prefix.length))).length,
    });
  }
  return out;
}

function describe(pkgs: readonly WorkspacePackage[]): string {
  const count = (n: number) => `${n} test file${n === 1 ? '' : 's'}`;
  return pkgs.map((p) => `  --package ${p.dir}  (${[p.name, count(p.testFiles)].filter(Boolean).join(', ')})`).join('\n');
}

/**
 * The workspace package to synthesize from, as a normalized repo-relative folder, or `undefined` for the
 * root. Throws `SWEFLOW_CONFIG_INVALID` when `requested` is not one of the workspace packages, and
 * `SWEFLOW_NO_TESTS` when nothing is requested but the root has no tests of its own while workspace
 * packages do (the message lists the `--package` choices).
 */
export async function chooseWorkspacePackage(
  root: string,
  options: { requested?: string | undefined; workspaces: readonly string[]; files: readonly string[]; rootPackageJson: Record<string, unknown> },
): Promise<WorkspacePackage | undefined> {
  const pkgs = await listWorkspacePackages(root, options.workspaces, options.files);
  if (options.requested !== undefined) {
    const want = path.posix.normalize(options.requested.split(path.sep).join('/')).replace(/^\.\/|\/+$/g, '');
    if (want === '.' || want === '') return undefined;
    const found = pkgs.find((p) => p.dir === want) ?? pkgs.find((p) => p.name === options.requested);
    if (found) return found;
    if (pkgs.length === 0) {
      throw new SweFlowError(ErrorCodes.CONFIG_INVALID, `--package ${options.requested}: the repository declares no workspace packages; drop --package to synthesize from its root`);
    }
    throw new SweFlowError(ErrorCodes.CONFIG_INVALID, `--package ${options.requested} is not a workspace package of this repository; choose one of:\n${describe(pkgs)}`);
  }
  if (pkgs.length === 0) return undefined;
  const scripts = (options.rootPackageJson.scripts as Record<string, unknown> | undefined) ?? {};
  const rootTests = options.files.filter((f) => !pkgs.some((p) => f.startsWith(`${p.dir}/`)) && !f.includes('node_modules/') && TEST_FILE.test(f)).length;
  const withTests = pkgs.filter((p) => p.testFiles > 0);
  if (typeof scripts.test !== 'string' && rootTests === 0 && withTests.length > 0) {
    throw new SweFlowError(
      ErrorCodes.NO_TESTS,
      `the repository root has no tests of its own, but ${withTests.length} workspace package${withTests.length === 1 ? ' has' : 's have'} some: synthesize one package per run with one of:\n${describe(withTests)}`,
      { details: { packages: withTests.map((p) => p.dir) } },
    );
  }
  return undefined;
}
