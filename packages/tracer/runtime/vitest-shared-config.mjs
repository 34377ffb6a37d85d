// swe-flow: the config of a vitest tree batch that shares workers between trees (one project over every
// tree's files, `--no-isolate`), made from the repository's own config so that it applies per tree:
// - include/exclude patterns and `test.dir` are taken under every tree's folder;
// - imports from a tree's files that resolve into the workspace's own sources (aliases, absolute paths)
//   are sent to the same file of that tree;
// - the repository's setup files run from the tree of each test file (vitest-shared-setup.mjs).
// The generated file that imports this one and the repository's config is written next to it by swe-flow:
//   export default sharedConfig(userConfig, { root, trees, setup })
import { existsSync } from 'node:fs';
import path from 'node:path';

const DEFAULT_INCLUDE = ['**/*.{test,spec}.?(c|m)[jt]s?(x)'];

function splitQuery(id) {
  const i = id.indexOf('?');
  return i < 0 ? [id, ''] : [id.slice(0, i), id.slice(i)];
}

/** A plugin that sends a tree file's imports of the workspace's own sources to the tree's copy. */
function treePaths(root, trees) {
  const inTrees = `${trees}/`;
  const treeOf = (file) => {
    if (!file || !file.startsWith(inTrees)) return undefined;
    const slash = file.indexOf('/', inTrees.length);
    return slash < 0 ? undefined : file.slice(0, slash);
  };
  const own = (file) => file.startsWith(`${root}/`) && !file.startsWith(`${root}/.swe-flow/`) && !file.includes('/node_modules/');
  return {
    name: 'swe-flow-tree-paths',
    enforce: 'pre',
    async resolveId(source, importer, options) {
      const tree = treeOf(importer ? splitQuery(importer)[0] : undefined);
      if (!tree) return null;
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      if (!resolved || resolved.external) return resolved;
      const [file, query] = splitQuery(resolved.id);
      return own(file) ? { ...resolved, id: `${tree}${file.slice(root.length)}${query}` } : resolved;
    },
  };
}

export async function sharedConfig(user, { root, trees, setup }, env) {
  const loaded = typeof user === 'function' ? await user(env) : await user;
  const config = { ...(loaded ?? {}) };
  const test = { ...(config.test ?? {}) };
  if ((config.root && path.resolve(root, config.root) !== root) || (test.root && path.resolve(root, test.root) !== root)) {
    throw new Error('the repository config sets a root of its own');
  }
  if (test.projects || test.workspace) throw new Error('the repository config has projects of its own');
  const rel = path.relative(root, trees);
  const dir = test.dir ? path.relative(root, path.resolve(root, test.dir)) : '';
  const under = (p) => (p.startsWith('**') ? p : `${rel}/*/${dir ? `${dir}/` : ''}${p.replace(/^\.\//, '')}`);
  test.dir = root;
  test.include = (test.include ?? DEFAULT_INCLUDE).map(under);
  if (test.exclude) test.exclude = [...test.exclude.map(under), '**/node_modules/**'];
  const setups = test.setupFiles === undefined ? [] : [].concat(test.setupFiles);
  const files = setups.filter((s) => existsSync(path.resolve(root, s))).map((s) => path.relative(root, path.resolve(root, s)));
  const packages = setups.filter((s) => !existsSync(path.resolve(root, s)));
  process.env.SWEFLOW_TREE_SETUPS = JSON.stringify(files);
  process.env.SWEFLOW_TREES_DIR = trees;
  test.setupFiles = [...packages, ...(files.length > 0 ? [setup] : [])];
  config.root = root;
  config.test = test;
  config.plugins = [treePaths(root, trees), ...(config.plugins ?? [])];
  return config;
}
