import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

/** Whether anything (file or folder) is at `p`. */
export const pathExists = (p: string): Promise<boolean> => stat(p).then(() => true, () => false);

const SKIP_DIRS = new Set(['node_modules', '.git', '.swe-flow', '.nx', '.turbo', '.cache']);

/** Repo-relative POSIX paths of every file under root, skipping dependency and VCS folders. */
export async function listRepoFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(dir: string, rel: string): Promise<void> {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const entry of entries) {
      const childRel = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (!SKIP_DIRS.has(entry.name)) await walk(path.join(dir, entry.name), childRel);
      } else if (entry.isFile() || entry.isSymbolicLink()) {
        out.push(childRel);
      }
    }
  }
  await walk(root, '');
  return out.sort();
}
