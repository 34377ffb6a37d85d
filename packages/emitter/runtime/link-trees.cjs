// swe-flow: gives each batch tree under the workspace (argv: tree directories, relative to the cwd =
// the workspace root) node_modules folders of its own that mirror the workspace's: every entry links to
// the workspace's entry, except links into the workspace's own source tree (monorepo packages), which
// are pointed at the same folder inside the tree. So a tree imports its own copy of a sibling package.
// A node_modules folder with no such link is linked whole (one symlink per tree).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = process.cwd();
const rootReal = fs.realpathSync(root);
const SKIP = new Set(['.git', '.swe-flow', 'node_modules']);

/** Folders holding a node_modules in the workspace: the root and workspace packages (depth <= 4). */
function nodeModulesDirs() {
  const out = [];
  const walk = (rel, depth) => {
    const abs = path.join(root, rel);
    let entries;
    try { entries = fs.readdirSync(abs, { withFileTypes: true }); } catch { return; }
    if (entries.some((e) => e.name === 'node_modules')) out.push(path.join(rel, 'node_modules'));
    if (depth >= 4) return;
    for (const e of entries) if (e.isDirectory() && !SKIP.has(e.name) && !e.name.startsWith('.')) walk(path.join(rel, e.name), depth + 1);
  };
  walk('', 0);
  return out;
}

/**
 * Each entry of a workspace node_modules folder once: its path, and, for a link into the workspace's own
 * source tree (a monorepo package), that folder relative to the root (a tree points it at its own copy).
 */
function planFor(nmRel) {
  const from = path.join(root, nmRel);
  const entries = [];
  const add = (rel, isLink) => {
    const src = path.join(from, rel);
    let inside = null;
    if (isLink) {
      try {
        const r = path.relative(rootReal, fs.realpathSync(src));
        if (r && !r.startsWith('..') && !path.isAbsolute(r) && !r.split(path.sep).some((p) => SKIP.has(p))) inside = r;
      } catch { /* a dangling link stays as it is */ }
    }
    entries.push({ rel, src, inside, isLink });
  };
  for (const e of fs.readdirSync(from, { withFileTypes: true })) {
    if (e.name.startsWith('@') && e.isDirectory()) {
      for (const s of fs.readdirSync(path.join(from, e.name), { withFileTypes: true })) add(path.join(e.name, s.name), s.isSymbolicLink());
    } else add(e.name, e.isSymbolicLink());
  }
  return { nmRel, entries, linksInside: entries.some((x) => x.inside !== null) };
}

function link(target, dest) {
  try { fs.symlinkSync(target, dest); } catch (e) { if (e.code !== 'EEXIST') throw e; }
}

function mirror(tree, plan) {
  const to = path.join(root, tree, plan.nmRel);
  // Nothing links into the source tree: one link to the whole folder resolves every package to the same
  // real path as an entry-by-entry mirror would, with one symlink instead of hundreds (symlinks are slow
  // to make on some disks).
  if (!plan.linksInside && !fs.existsSync(to)) {
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.symlinkSync(path.join(root, plan.nmRel), to);
    return;
  }
  fs.mkdirSync(to, { recursive: true });
  for (const e of plan.entries) {
    const dest = path.join(to, e.rel);
    if (e.rel.includes(path.sep)) fs.mkdirSync(path.dirname(dest), { recursive: true });
    link(e.inside !== null ? path.join(root, tree, e.inside) : e.isLink ? resolveReal(e.src) : e.src, dest);
  }
}

function resolveReal(src) {
  try { return fs.realpathSync(src); } catch { return src; }
}

const plans = nodeModulesDirs().map(planFor);
for (const tree of process.argv.slice(2)) for (const plan of plans) mirror(tree, plan);
