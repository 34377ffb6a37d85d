// swe-flow: the setup file of a vitest tree batch that shares workers between trees (one project over
// every tree's files, no per-file isolation). The repository's own setup files are run from the tree of
// the test file about to run, so they import that tree's code, not the workspace's. vitest runs setup
// files before every test file, also without isolation. SWEFLOW_TREE_SETUPS: JSON list of setup files
// relative to a tree's root (written by the batch's config).
const setups = JSON.parse(process.env.SWEFLOW_TREE_SETUPS || '[]');
const trees = process.env.SWEFLOW_TREES_DIR;
const file = globalThis.__vitest_worker__?.filepath;
if (setups.length > 0) {
  const m = typeof file === 'string' && trees ? new RegExp(`^(${trees.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/[^/]+)/`).exec(file) : null;
  if (!m) throw new Error(`swe-flow shared batch: cannot tell the tree of the test file ${file}`);
  for (const setup of setups) await import(`${m[1]}/${setup}`);
}
