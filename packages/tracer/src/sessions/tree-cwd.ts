import type { CommandSpec, TestCommandAdapter, Workspace } from '@swe-flow/core';

/**
 * Runners that start every test file in a process of their own with the run's cwd, and how they pass
 * options to those processes' Node. In a run over many trees from the workspace root, such a process
 * looks for what it reads by the cwd in the workspace root, not in its tree: node-tap's snapshots
 * (`tap-snapshots/<test file relative to the cwd>.test.cjs`, tap 16 and 18+), fixtures read by relative
 * path. A tree alone runs in its own folder; in a batch it must too, or a test passing alone fails there.
 */
const NODE_ARG_FORMS: Record<string, (arg: string) => string> = {
  tap: (arg) => `--node-arg=${arg}`,
};

/** Whether `runner`'s batches start each test file's process in its tree's folder. */
export function hasTreeCwd(runner: string): boolean {
  return runner in NODE_ARG_FORMS;
}

/** Where the preload goes in the workspace (under WORK_DIR, never a tree's file). */
const PRELOAD_PATH = '.swe-flow/tree-cwd.cjs';

/**
 * The preload: the process whose main script lies in one of `dirs` (workspace-relative tree folders)
 * moves into that folder before anything else loads, so the runner's own modules read their cwd there.
 */
export function treeCwdPreload(dirs: readonly string[]): string {
  return [
    '// swe-flow: a test file of a tree batch runs in its tree\'s folder, as the tree would alone.',
    "'use strict';",
    "const path = require('path');",
    `const dirs = ${JSON.stringify(dirs)};`,
    'const main = process.argv[1] ? path.relative(process.cwd(), path.resolve(process.argv[1])).split(path.sep).join(\'/\') : \'\';',
    "const dir = dirs.find((d) => main.startsWith(d + '/'));",
    'if (dir) process.chdir(dir);',
    '',
  ].join('\n');
}

function withArgs(spec: CommandSpec, extra: readonly string[]): CommandSpec {
  return { ...spec, args: [...spec.args, ...extra] };
}

/**
 * `adapter` for one run over the trees `dirs`: every test process it starts requires the preload by its
 * absolute path (a process the test spawns with the same Node options finds it from any cwd).
 */
export async function treeCwdAdapter(workspace: Workspace, adapter: TestCommandAdapter, dirs: readonly string[]): Promise<TestCommandAdapter> {
  const form = NODE_ARG_FORMS[adapter.name];
  if (!form) return adapter;
  await workspace.writeFile(PRELOAD_PATH, treeCwdPreload(dirs));
  const arg = form(`--require=${workspace.root.replace(/\/+$/, '')}/${PRELOAD_PATH}`);
  return { ...adapter, plainCommand: (ctx) => withArgs(adapter.plainCommand(ctx), [arg]) };
}
