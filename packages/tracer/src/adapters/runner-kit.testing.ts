/**
 * Test support for the runner adapters: a throw-away copy of a fixture repository (or of files given
 * inline) with its dependencies installed. Installs are cached by a hash of package.json + lockfile
 * under os.tmpdir() and hard-linked into each copy, so a test suite pays for one install per fixture.
 */
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { parseFunctionId, isModuleNodeId, ROOT_CALLER, type Edge } from '@swe-flow/core';
import type { RepoFacts } from '../adapter.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
export const FIXTURES_DIR = path.join(REPO_ROOT, 'fixtures');

const exists = (p: string) => stat(p).then(() => true, () => false);

const LOCKFILES = ['package-lock.json', 'yarn.lock', 'pnpm-lock.yaml'] as const;

async function toolBin(name: 'pnpm' | 'yarn'): Promise<string> {
  try {
    await execa(name, ['--version']);
    return name;
  } catch {
    const dir = path.join(os.tmpdir(), 'sweflow-tools', name);
    const bin = path.join(dir, 'node_modules', '.bin', name);
    if (!(await exists(bin))) {
      await mkdir(dir, { recursive: true });
      await execa('npm', ['install', '--prefix', dir, '--no-save', '--no-audit', '--no-fund', name === 'pnpm' ? 'pnpm@9' : 'yarn@1']);
    }
    return bin;
  }
}

/** Installs the dependencies of `dir` (package.json + lockfile) once per content hash; returns the cached node_modules. */
export async function cachedInstall(dir: string): Promise<string> {
  const h = createHash('sha256');
  h.update(await readFile(path.join(dir, 'package.json')));
  let lock: (typeof LOCKFILES)[number] | undefined;
  for (const l of LOCKFILES) {
    if (await exists(path.join(dir, l))) {
      lock = l;
      h.update(l).update(await readFile(path.join(dir, l)));
      break;
    }
  }
  const key = h.digest('hex').slice(0, 16);
  const cacheDir = path.join(os.tmpdir(), 'sweflow-runner-cache', key);
  const modules = path.join(cacheDir, 'node_modules');
  if (await exists(path.join(cacheDir, 'done'))) return modules;
  const staging = await mkdtemp(path.join(os.tmpdir(), 'sweflow-install-'));
  await cp(path.join(dir, 'package.json'), path.join(staging, 'package.json'));
  if (lock) await cp(path.join(dir, lock), path.join(staging, lock));
  if (lock === 'yarn.lock') {
    await execa(await toolBin('yarn'), ['install', '--frozen-lockfile', '--ignore-scripts', '--non-interactive'], { cwd: staging });
  } else if (lock === 'pnpm-lock.yaml') {
    await execa(await toolBin('pnpm'), ['install', '--frozen-lockfile', '--ignore-scripts', '--config.node-linker=hoisted'], { cwd: staging });
  } else if (lock === 'package-lock.json') {
    await execa('npm', ['ci', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: staging });
  } else {
    await execa('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock'], { cwd: staging });
  }
  await mkdir(cacheDir, { recursive: true });
  await rm(modules, { recursive: true, force: true });
  // A repository without dependencies gets no node_modules at all.
  await mkdir(path.join(staging, 'node_modules'), { recursive: true });
  await rename(path.join(staging, 'node_modules'), modules);
  await writeFile(path.join(cacheDir, 'done'), new Date().toISOString());
  await rm(staging, { recursive: true, force: true });
  return modules;
}

async function listFiles(root: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(path.join(root, rel), { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === '.git') continue;
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFiles(root, r)));
    else out.push(r);
  }
  return out.sort();
}

export interface TempRepo {
  root: string;
  facts: RepoFacts;
  dispose(): Promise<void>;
}

async function finish(root: string, modules: string): Promise<TempRepo> {
  // Hard links: a real node_modules directory inside the copy (runners resolve realpaths) at no copy cost.
  await execa('cp', ['-al', modules, path.join(root, 'node_modules')]);
  const packageJson = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
  return {
    root,
    facts: { root, packageJson, files: await listFiles(root) },
    dispose: () => rm(root, { recursive: true, force: true }),
  };
}

/** A temp copy of `fixtures/<name>` with its dependencies installed. */
export async function copyFixture(name: string): Promise<TempRepo> {
  const src = path.join(FIXTURES_DIR, name);
  const modules = await cachedInstall(src);
  const root = await mkdtemp(path.join(os.tmpdir(), `sweflow-${name}-`));
  await cp(src, root, { recursive: true, filter: (p) => !p.split(path.sep).includes('node_modules') });
  return finish(root, modules);
}

/**
 * A fixture with other runner versions: package.json's devDependencies replaced by `devDependencies`
 * (the lockfile dropped, so the registry resolves them), `files` written over the copy and `remove`
 * deleted. The install is cached by the resulting package.json like any other.
 */
export interface FixtureVariant {
  devDependencies: Record<string, string>;
  files?: Record<string, string>;
  remove?: string[];
}

export async function copyFixtureVariant(name: string, variant: FixtureVariant): Promise<TempRepo> {
  const root = await mkdtemp(path.join(os.tmpdir(), `sweflow-${name}-variant-`));
  await cp(path.join(FIXTURES_DIR, name), root, { recursive: true, filter: (p) => !p.split(path.sep).includes('node_modules') });
  for (const rel of [...LOCKFILES, ...(variant.remove ?? [])]) await rm(path.join(root, rel), { force: true });
  const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
  pkg.devDependencies = variant.devDependencies;
  await writeFile(path.join(root, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  for (const [rel, text] of Object.entries(variant.files ?? {})) {
    await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    await writeFile(path.join(root, rel), text);
  }
  return finish(root, await cachedInstall(root));
}

/** A temp repository made of the given files (package.json included) with its dependencies installed. */
export async function makeRepo(files: Record<string, string>): Promise<TempRepo> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'sweflow-repo-'));
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    await writeFile(path.join(root, rel), text);
  }
  const modules = await cachedInstall(root);
  return finish(root, modules);
}

export function fixtureExists(name: string): Promise<boolean> {
  return exists(path.join(FIXTURES_DIR, name, 'package.json'));
}

/** The golden format of `fixtures/<name>/expected.json`. */
export interface ExpectedJson {
  runner: string;
  tests: Record<string, { targetCore: string[]; coreEdges: string[] }>;
  knownFailing?: string[];
  moduleLoad?: string[];
  setupTargets?: Record<string, string[]>;
}

export async function readExpected(name: string): Promise<ExpectedJson> {
  return JSON.parse(await readFile(path.join(FIXTURES_DIR, name, 'expected.json'), 'utf8')) as ExpectedJson;
}

const TEST_DIRS = new Set(['test', 'tests', '__tests__', 'spec', 'specs', 'fixtures', '__fixtures__', 'helpers', '__helpers__']);

/** Function id `file:line:col:name` to the golden's `file:name`. */
export function shortId(id: string): string {
  const p = parseFunctionId(id);
  return `${p.file}:${p.name}`;
}

/** Test code: functions of runner test files or of files under a test folder (helpers). */
export function isTestCode(id: string, testFiles: ReadonlySet<string>): boolean {
  if (id === ROOT_CALLER) return false;
  const file = parseFunctionId(id).file;
  return testFiles.has(file) || file.split('/').slice(0, -1).some((d) => TEST_DIRS.has(d));
}

/** Per test, in the golden's terms: core functions called from test code, and core-to-core edges. */
export function goldenView(edges: readonly Edge[], testFiles: ReadonlySet<string>): { targetCore: string[]; coreEdges: string[] } {
  const target = new Set<string>();
  const core = new Set<string>();
  for (const [caller, callee] of edges) {
    if (isModuleNodeId(callee) || isTestCode(callee, testFiles)) continue;
    if (caller !== ROOT_CALLER && isTestCode(caller, testFiles)) target.add(shortId(callee));
    else if (caller !== ROOT_CALLER && !isModuleNodeId(caller)) core.add(`${shortId(caller)} -> ${shortId(callee)}`);
  }
  return { targetCore: [...target].sort(), coreEdges: [...core].sort() };
}
