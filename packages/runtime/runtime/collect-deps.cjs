#!/usr/bin/env node
// swe-flow env tier: moves every node_modules folder of an installed tree <root> into <out> (same
// relative paths), so the env image holds the dependencies and none of the repository's source.
// On the way it removes what could hold the repository's own code:
//   - a published copy of the repository's own package (or of one of its workspace packages) that is
//     a real folder, under any name (a devDependency on its own previous release, aliased or not);
//   - tool caches kept inside node_modules (.cache, .vite, .vitest, .jest-cache, .tsbuildinfo files).
// Workspace links (symlinks into the tree) are kept: they point at the instance's own tree.
// `collect-deps.cjs --list <installed tree>` changes nothing and prints (JSON) what the env tier would
// remove: what the local audit leaves out, since no task environment holds it.
// `collect-deps.cjs <installed tree> <out dir> [<stubs.json>]`: the files listed in stubs.json (paths
// relative to the tree, e.g. node_modules/prettier/index.mjs: dependency files that hold a copy of a
// task's solution, found by swe-flow's dependency-copies step) are replaced by a stub in the env tier.
// `collect-deps.cjs --stub <tree> <stubs.json>` replaces them in place (the local prepared copy).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const listOnly = process.argv[2] === '--list';
const stubOnly = process.argv[2] === '--stub';
const [root, out, stubList] = stubOnly ? [process.argv[3], undefined, process.argv[4]] : process.argv.slice(listOnly ? 3 : 2);
if (!root || (!out && !listOnly && !stubOnly) || (stubOnly && !stubList)) {
  console.error('usage: collect-deps.cjs <installed tree> <out dir> [<stubs.json>] | --list <installed tree> | --stub <tree> <stubs.json>');
  process.exit(2);
}

const CODE_FILE = /\.(c|m)?(j|t)sx?$/;

/** What replaces a dependency file that held a copy of a task's solution: loading it says why it is gone. */
function stubText(rel) {
  if (!CODE_FILE.test(rel) || rel.endsWith('.d.ts')) return '';
  return `throw new Error(${JSON.stringify(`swe-flow: ${rel} held a copy of a task's solution and was removed from the task environment`)});\n`;
}

/** Replaces each listed file (relative to dir) that exists by its stub; returns the ones replaced. */
function stubFiles(dir, listFile) {
  const list = JSON.parse(fs.readFileSync(listFile, 'utf8'));
  const done = [];
  for (const rel of Array.isArray(list) ? list : []) {
    if (typeof rel !== 'string' || rel.split(/[\\/]/).includes('..') || path.isAbsolute(rel)) continue;
    const file = path.join(dir, rel);
    let st;
    try {
      st = fs.lstatSync(file);
    } catch {
      continue;
    }
    if (!st.isFile()) continue;
    // A new file, not a write through: pnpm hard-links installed files to its store, shared by other projects.
    fs.unlinkSync(file);
    fs.writeFileSync(file, stubText(rel));
    done.push(rel);
  }
  return done;
}

if (stubOnly) {
  console.log(JSON.stringify(stubFiles(root, stubList)));
  process.exit(0);
}

function readName(dir) {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).name;
  } catch {
    return undefined;
  }
}

/** The names of the repository's own packages: the root's and every package.json's outside node_modules. */
function ownNames(dir, depth, names) {
  const name = readName(dir);
  if (typeof name === 'string' && name) names.add(name);
  if (depth > 3) return names;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory() && e.name !== 'node_modules' && e.name !== '.git') ownNames(path.join(dir, e.name), depth + 1, names);
  }
  return names;
}

function nodeModulesDirs(dir, rel, found) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!e.isDirectory()) continue;
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.name === 'node_modules') found.push(r);
    else if (e.name !== '.git') nodeModulesDirs(path.join(dir, e.name), r, found);
  }
  return found;
}

const CACHE_NAMES = new Set(['.cache', '.vite', '.vitest', '.jest-cache', '.turbo']);
const removed = [];

/** Walks a node_modules folder: package folders (and @scope/x), nested node_modules, caches. */
function clean(nm, names) {
  let entries;
  try {
    entries = fs.readdirSync(nm, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const p = path.join(nm, e.name);
    if (e.isSymbolicLink()) continue;
    if (CACHE_NAMES.has(e.name) || e.name.endsWith('.tsbuildinfo')) {
      if (!listOnly) fs.rmSync(p, { recursive: true, force: true });
      removed.push({ path: p, why: 'cache' });
      continue;
    }
    if (!e.isDirectory()) continue;
    if (e.name.startsWith('@')) {
      clean(p, names);
      continue;
    }
    if (e.name === '.pnpm') {
      // pnpm's virtual store: <name>@<version>/node_modules/<name>
      for (const v of fs.readdirSync(p, { withFileTypes: true })) if (v.isDirectory()) clean(path.join(p, v.name, 'node_modules'), names);
      continue;
    }
    const name = readName(p);
    if (typeof name === 'string' && names.has(name)) {
      if (!listOnly) fs.rmSync(p, { recursive: true, force: true });
      removed.push({ path: p, why: `a copy of the repository's own package ${name}` });
      continue;
    }
    clean(path.join(p, 'node_modules'), names);
  }
}

const names = ownNames(root, 0, new Set());
if (listOnly) {
  for (const rel of nodeModulesDirs(root, '', [])) clean(path.join(root, rel), names);
  console.log(JSON.stringify(removed));
  process.exit(0);
}
fs.mkdirSync(out, { recursive: true });
for (const rel of nodeModulesDirs(root, '', [])) {
  const target = path.join(out, rel);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.renameSync(path.join(root, rel), target);
  clean(target, names);
}
for (const r of removed) console.log(`swe-flow: removed ${path.relative(out, r.path)} (${r.why})`);
if (stubList) for (const rel of stubFiles(out, stubList)) console.log(`swe-flow: stubbed ${rel} (it held a copy of a task's solution)`);
