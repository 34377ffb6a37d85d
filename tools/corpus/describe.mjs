#!/usr/bin/env node
// Describes a repository snapshot as a corpus manifest entry, from its commit alone (no checkout,
// no install): URL, commit, runner and declared version, package manager, language, modules,
// workspaces. Use it to add a repository to corpus/manifest.json, then review the entry by hand.
//
//   node tools/corpus/describe.mjs https://github.com/OWNER/NAME [GIT_DIR]
//
// GIT_DIR defaults to the snapshot for the URL under SWEFLOW_MIRROR_DIR (OWNER+NAME/repo).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const RUNNERS = ['vitest', 'jest', 'mocha', 'ava', 'tape', 'tap', 'uvu', 'jasmine'];

function git(gitDir, args) {
  return execFileSync('git', ['--git-dir', gitDir, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
}

function gitDirFor(url, given) {
  if (given) return existsSync(path.join(given, '.git')) ? path.join(given, '.git') : given;
  const [owner, name] = url.replace(/\.git$/, '').split('/').slice(-2);
  const dir = path.join(process.env.SWEFLOW_MIRROR_DIR ?? '/work/.mirror', `${owner}+${name}`, 'repo');
  return existsSync(path.join(dir, '.git')) ? path.join(dir, '.git') : dir;
}

/** The runner the test script names first, else the first runner among the devDependencies. */
function runnerOf(pkg, scripts) {
  const deps = { ...pkg.dependencies, ...pkg.devDependencies };
  const text = Object.values(scripts).join(' ');
  const named = RUNNERS.map((r) => [r, text.search(new RegExp(`(^|[\\s/])${r}(\\s|$|\\.)`))]).filter(([, at]) => at >= 0);
  named.sort((a, b) => a[1] - b[1]);
  if (named.length > 0) return { runner: named[0][0], version: deps[named[0][0]] ?? null };
  if (/node\s+(--[\w-]+\s+)*--test\b|\bborp\b|\bbnt\b/.test(text)) return { runner: 'node-test', version: null };
  const dep = RUNNERS.find((r) => deps[r]);
  return dep ? { runner: dep, version: deps[dep] } : { runner: 'unknown', version: null };
}

export function describe(url, gitDir) {
  const commit = git(gitDir, ['rev-parse', 'HEAD']).trim();
  const files = git(gitDir, ['ls-tree', '-r', '--name-only', 'HEAD']).split('\n').filter(Boolean);
  const top = new Set(files.filter((f) => !f.includes('/')));
  const pkg = JSON.parse(git(gitDir, ['show', 'HEAD:package.json']));
  const packageManager = top.has('pnpm-lock.yaml') ? 'pnpm' : top.has('yarn.lock') ? 'yarn' : top.has('package-lock.json') ? 'npm' : (pkg.packageManager?.split('@')[0] ?? 'npm');
  const lockfile = ['pnpm-lock.yaml', 'yarn.lock', 'package-lock.json', 'bun.lock', 'bun.lockb'].find((f) => top.has(f)) ?? null;
  const scripts = Object.fromEntries(Object.entries(pkg.scripts ?? {}).filter(([k]) => /test|spec|unit/.test(k)));
  const source = files.filter((f) => !/(^|\/)(node_modules|dist|test|tests|__tests__|spec|fixtures?|examples?|docs?)\//.test(f));
  const ts = source.filter((f) => /\.(c|m)?tsx?$/.test(f) && !f.endsWith('.d.ts')).length;
  const js = source.filter((f) => /\.(c|m)?jsx?$/.test(f)).length;
  const { runner, version } = runnerOf(pkg, scripts);
  // A pnpm-workspace.yaml may only carry settings (onlyBuiltDependencies...): packages make a monorepo.
  const pnpmPackages = top.has('pnpm-workspace.yaml') && /^packages:/m.test(git(gitDir, ['show', 'HEAD:pnpm-workspace.yaml'])) ? ['(pnpm-workspace.yaml)'] : [];
  const workspaces = Array.isArray(pkg.workspaces) ? pkg.workspaces : (pkg.workspaces?.packages ?? pnpmPackages);
  return {
    name: url.replace(/\.git$/, '').split('/').slice(-2).join('/'),
    url,
    commit,
    runner,
    runnerVersion: version,
    packageManager,
    lockfile,
    language: ts > js ? 'ts' : 'js',
    modules: pkg.type === 'module' ? 'esm' : 'cjs', // package.json "type"
    monorepo: workspaces.length > 0,
    testScript: pkg.scripts?.test ?? null,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [url, dir] = process.argv.slice(2);
  if (!url) {
    console.error('usage: describe.mjs URL [GIT_DIR]');
    process.exit(2);
  }
  console.log(JSON.stringify(describe(url, gitDirFor(url, dir)), null, 2));
}
