// swe-flow: gives each batch tree under the workspace (argv: tree directories, relative to the cwd =
// the workspace root) node_modules folders of its own that mirror the workspace's: every entry links to
// the workspace's entry, except links into the workspace's own source tree (monorepo packages), which
// are pointed at the same folder inside the tree. So a tree imports its own copy of a sibling package.
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

/** Where a tree's copy of a workspace entry should point. */
function targetFor(tree, entryAbs) {
  let real;
  try { real = fs.realpathSync(entryAbs); } catch { return entryAbs; }
  const rel = path.relative(rootReal, real);
  const inside = rel && !rel.startsWith('..') && !path.isAbsolute(rel);
  if (inside && !rel.split(path.sep).some((p) => SKIP.has(p))) return path.join(root, tree, rel);
  return real;
}

function mirror(tree, nmRel) {
  const from = path.join(root, nmRel);
  const to = path.join(root, tree, nmRel);
  fs.mkdirSync(to, { recursive: true });
  for (const e of fs.readdirSync(from, { withFileTypes: true })) {
    const src = path.join(from, e.name);
    const dest = path.join(to, e.name);
    if (e.name.startsWith('@') && e.isDirectory()) {
      fs.mkdirSync(dest, { recursive: true });
      for (const s of fs.readdirSync(src)) fs.symlinkSync(targetFor(tree, path.join(src, s)), path.join(dest, s));
      continue;
    }
    fs.symlinkSync(e.isSymbolicLink() ? targetFor(tree, src) : src, dest);
  }
}

const dirs = nodeModulesDirs();
for (const tree of process.argv.slice(2)) for (const nm of dirs) mirror(tree, nm);
