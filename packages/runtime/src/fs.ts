import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Writes a file through a temporary sibling and a rename, so readers never see half of it. */
export async function writeFileAtomic(file: string, content: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, content);
  await rename(tmp, file);
}

/** Whether a path exists (file, folder or anything else). */
export function pathExists(p: string): Promise<boolean> {
  return stat(p).then(() => true, () => false);
}
