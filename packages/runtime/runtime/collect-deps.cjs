#!/usr/bin/env node
// swe-flow env tier: moves every node_modules folder of an installed tree <root> into <out> (same
// relative paths), so the env image holds the dependencies and none of the repository's source.
// On the way it takes out what could hold the repository's own code:
//   - a published copy of the repository's own package (or of one of its workspace packages) that is
//     a real folder, under any name (a devDependency on its own previous release, aliased or not, or a
//     test tool that depends on the package: tape on object-inspect, mocha 5 on debug). It becomes a
//     relative link to the package's own folder in the tree, so whatever loads it (the test tool) loads
//     the task's own code (stubbed in a base, the reference once solved), as in the repository itself.
//     A copy stays where a link could not be loaded: the package's entry is not in the tree (a build
//     makes it), or the copy is CommonJS and the own package ES-module-only; the audit judges those;
//   - tool caches kept inside node_modules (.cache, .vite, .vitest, .jest-cache, .tsbuildinfo files).
// Workspace links (symlinks into the tree) are kept: they point at the instance's own tree.
// `collect-deps.cjs --list <installed tree>` changes nothing and prints (JSON) what the env tier would
// take out: what the local audit leaves out, since no task environment holds it.
// `collect-deps.cjs --link-self <installed tree>` does to the tree in place what the env tier does to its
// copy (the copies become links, the caches stay) and prints (JSON) what it changed: swe-flow's prepared
// copy then traces and verifies with the dependencies a task environment has.
// `collect-deps.cjs <installed tree> <out dir> [<stubs.json>]`: the files listed in stubs.json (paths
// relative to the tree, e.g. node_modules/prettier/index.mjs: dependency files that hold a copy of a
// task's solution, found by swe-flow's dependency-copies step) are replaced by a stub in the env tier.
// `collect-deps.cjs --stub <tree> <stubs.json>` replaces them in place (the local prepared copy).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const MODES = { '--list': 'list', '--link-self': 'link-self', '--stub': 'stub' };
const mode = MODES[process.argv[2]] ?? 'collect';
const [root, second, third] = process.argv.slice(mode === 'collect' ? 2 : 3);
const out = mode === 'collect' ? second : undefined;
const stubList = mode === 'collect' ? third : mode === 'stub' ? second : undefined;
if (!root || (!out && mode === 'collect') || (mode === 'stub' && !stubList)) {
  console.error('usage: collect-deps.cjs <installed tree> <out dir> [<stubs.json>] | --list <installed tree> | --link-self <installed tree> | --stub <tree> <stubs.json>');
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

if (mode === 'stub') {
  console.log(JSON.stringify(stubFiles(root, stubList)));
  process.exit(0);
}

function readManifest(dir) {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * The repository's own packages, name -> folder (relative to the tree): the root's and every package.json's
 * outside node_modules (the shallowest folder wins a name).
 */
function ownPackages(dir, rel, depth, found) {
  const name = readManifest(dir)?.name;
  if (typeof name === 'string' && name && !found.has(name)) found.set(name, rel);
  if (depth > 3) return found;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory() && e.name !== 'node_modules' && e.name !== '.git') ownPackages(path.join(dir, e.name), rel ? `${rel}/${e.name}` : e.name, depth + 1, found);
  }
  return found;
}

/** Entry files a `require`/`import` of the package could load: `exports`' targets, else `main` (index.js by default). */
function entryCandidates(manifest) {
  const targets = [];
  const collect = (v) => {
    if (typeof v === 'string') targets.push(v);
    else if (Array.isArray(v)) v.forEach(collect);
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) if (!k.startsWith('./') || k === '.') collect(x);
  };
  if (manifest.exports !== undefined) {
    const e = manifest.exports;
    collect(typeof e === 'object' && e && !Array.isArray(e) && Object.keys(e).some((k) => k.startsWith('.')) ? e['.'] : e);
    return targets.filter((t) => !t.endsWith('.d.ts'));
  }
  const main = typeof manifest.main === 'string' && manifest.main ? manifest.main : 'index.js';
  return [main, `${main}.js`, `${main}.json`, `${main}.cjs`, path.join(main, 'index.js')];
}

/**
 * Whether `require()` can load the package on Node before 22 (no require of ES modules there): it has a
 * `require` condition or a .cjs target in `exports`, or it is not `"type": "module"`.
 */
function requireable(manifest) {
  if (!manifest) return true;
  const targets = JSON.stringify(manifest.exports ?? null);
  if (/"require"\s*:/.test(targets) || /\.cjs"/.test(targets)) return true;
  if (manifest.exports === undefined && typeof manifest.main === 'string' && manifest.main.endsWith('.cjs')) return true;
  return manifest.type !== 'module';
}

/** Whether the package's own folder holds an entry to load (not only a build's output still to make). */
function hasEntry(folder) {
  const manifest = readManifest(folder);
  if (!manifest) return false;
  return entryCandidates(manifest).some((t) => {
    try {
      return fs.statSync(path.join(folder, t)).isFile();
    } catch {
      return false;
    }
  });
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
const changed = [];

/**
 * Walks a node_modules folder (`nm` on disk, `nmRel` its place relative to the tree): package folders
 * (and @scope/x), nested node_modules, caches.
 */
function clean(nm, nmRel, own) {
  let entries;
  try {
    entries = fs.readdirSync(nm, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const p = path.join(nm, e.name);
    const rel = `${nmRel}/${e.name}`;
    if (e.isSymbolicLink()) continue;
    if (CACHE_NAMES.has(e.name) || e.name.endsWith('.tsbuildinfo')) {
      // The prepared copy keeps its caches (runners use them); the env tier and the audit take them out.
      if (mode === 'link-self') continue;
      if (mode === 'collect') fs.rmSync(p, { recursive: true, force: true });
      changed.push({ path: p, why: 'cache' });
      continue;
    }
    if (!e.isDirectory()) continue;
    if (e.name.startsWith('@')) {
      clean(p, rel, own);
      continue;
    }
    if (e.name === '.pnpm') {
      // pnpm's virtual store: <name>@<version>/node_modules/<name>
      for (const v of fs.readdirSync(p, { withFileTypes: true })) if (v.isDirectory()) clean(path.join(p, v.name, 'node_modules'), `${rel}/${v.name}/node_modules`, own);
      continue;
    }
    const copy = readManifest(p);
    const name = copy?.name;
    // A CommonJS copy that a dependency requires (ava 3 on chalk 4) is not replaced by an ES-module-only
    // own package (chalk 5): the dependency could not load it. The copy stays, for the audit to judge.
    const incompatible = typeof name === 'string' && own.has(name) && requireable(copy) && !requireable(readManifest(path.join(root, own.get(name))));
    // Nor by an own package whose entry a build makes (dequal's dist/, which uvu/assert requires): the
    // tool that loads the copy would fail on a missing module. The copy stays, for the audit to judge.
    const unbuilt = typeof name === 'string' && own.has(name) && !hasEntry(path.join(root, own.get(name)));
    if (typeof name === 'string' && own.has(name) && !incompatible && !unbuilt) {
      const why = `a copy of the repository's own package ${name}`;
      if (mode === 'list') {
        changed.push({ path: p, why });
        continue;
      }
      fs.rmSync(p, { recursive: true, force: true });
      const folder = own.get(name);
      const target = path.relative(path.posix.dirname(rel), folder || '.') || '.';
      fs.symlinkSync(target, p, 'dir');
      changed.push({ path: p, why, link: target });
      continue;
    }
    clean(path.join(p, 'node_modules'), `${rel}/node_modules`, own);
  }
}

const own = ownPackages(root, '', 0, new Map());
if (mode !== 'collect') {
  for (const rel of nodeModulesDirs(root, '', [])) clean(path.join(root, rel), rel, own);
  console.log(JSON.stringify(changed));
  process.exit(0);
}
fs.mkdirSync(out, { recursive: true });
for (const rel of nodeModulesDirs(root, '', [])) {
  const target = path.join(out, rel);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.renameSync(path.join(root, rel), target);
  clean(target, rel, own);
}
for (const r of changed) console.log(`swe-flow: ${r.link ? `linked ${path.relative(out, r.path)} -> ${r.link}` : `removed ${path.relative(out, r.path)}`} (${r.why})`);
if (stubList) for (const rel of stubFiles(out, stubList)) console.log(`swe-flow: stubbed ${rel} (it held a copy of a task's solution)`);
