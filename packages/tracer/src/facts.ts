/** What the tracer needs to know about a checkout: package.json and its file list. */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { ErrorCodes, LEGACY_WORK_DIR, SweFlowError, WORK_DIR } from '@swe-flow/core';
import type { RepoFacts } from './adapter.js';

// swe-flow's work folder under either name it has had (a checkout kept from an older run may hold the old one).
const SKIP_DIRS = new Set(['node_modules', '.git', WORK_DIR, LEGACY_WORK_DIR]);

async function walk(root: string, dir: string, out: string[]): Promise<void> {
  const entries = await readdir(path.join(root, dir), { withFileTypes: true });
  for (const e of entries) {
    const rel = dir ? `${dir}/${e.name}` : e.name;
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name)) await walk(root, rel, out);
    } else if (e.isFile()) out.push(rel);
  }
}

/** Lists files (git's view when the checkout is a git work tree, else a walk without node_modules). */
export async function collectRepoFacts(root: string): Promise<RepoFacts> {
  let packageJson: Record<string, unknown>;
  try {
    packageJson = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
  } catch (cause) {
    throw new SweFlowError(ErrorCodes.NO_PACKAGE_JSON, `no readable package.json in ${root}; trace a prepared checkout of a Node project`, { cause });
  }
  let files: string[] | undefined;
  const git = await execa('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: root, reject: false });
  if (git.exitCode === 0 && typeof git.stdout === 'string') {
    files = git.stdout.split('\0').filter((f) => f && !f.split('/').some((p) => SKIP_DIRS.has(p)));
  }
  if (!files || files.length === 0) {
    files = [];
    await walk(root, '', files);
  }
  files.sort();
  return { root, packageJson, files };
}
