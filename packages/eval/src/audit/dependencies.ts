/**
 * The installed dependencies a task environment holds, as the audit and the dependency-copies step see
 * them: every `node_modules` folder of the prepared copy, less what the env tier removes from every
 * environment image (a published copy of the repository's own package, tool caches).
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { COLLECT_DEPS_SCRIPT } from '@swe-flow/runtime';
import { scanOnHost, type ScanInput, type ScanOutput } from './scan.js';

/** What the env image build removes from the installed tree (same script, `--list`: nothing changed). */
async function envTierRemovals(dir: string): Promise<Array<{ path: string; why: string }>> {
  const r = await execa('node', [COLLECT_DEPS_SCRIPT, '--list', dir], { reject: false });
  if (r.exitCode !== 0) return [];
  return JSON.parse(String(r.stdout)) as Array<{ path: string; why: string }>;
}

/** Every `node_modules` folder of `dir` (depth ≤ 3 below the root, not inside other node_modules). */
async function dependencyRoots(dir: string): Promise<string[]> {
  const roots: string[] = [];
  async function walk(rel: string, depth: number): Promise<void> {
    const entries = await readdir(path.join(dir, rel), { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      if (!e.isDirectory() || e.name === '.git' || e.name === '.swe-flow') continue;
      const child = rel ? path.join(rel, e.name) : e.name;
      if (e.name === 'node_modules') roots.push(path.join(dir, child));
      else if (depth < 3) await walk(child, depth + 1);
    }
  }
  await walk('', 0);
  return roots;
}

/**
 * The dependency folders a task environment holds (every `node_modules` of the prepared copy `dir`,
 * less what the env tier removes from every image, returned as `leftOut`) searched once for `needles`.
 * `cacheFile`: the scanner's record of an earlier scan of the same folders (the dependency-copies step
 * before verification, then the audit): files unchanged since are not read again.
 */
export async function scanDependencies(dir: string, needles: ScanInput['needles'], cacheFile?: string): Promise<{ scan: ScanOutput; leftOut: Array<{ path: string; why: string }> }> {
  const leftOut = await envTierRemovals(dir);
  const scan = await scanOnHost({ roots: await dependencyRoots(dir), skip: leftOut.map((l) => l.path), needles, ...(cacheFile ? { cacheFile } : {}) });
  return { scan, leftOut };
}
