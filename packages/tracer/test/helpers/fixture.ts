/**
 * Copies a fixture repository to a fresh temp dir with its dependencies installed. `npm ci` runs once
 * per lockfile hash; the installed node_modules is cached under os.tmpdir() and copied from there.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rename, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const exec = promisify(execFile);
export const FIXTURES_DIR = fileURLToPath(new URL('../../../../fixtures/', import.meta.url));

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

async function copySources(from: string, to: string): Promise<void> {
  await cp(from, to, {
    recursive: true,
    filter: (src) => !src.split(path.sep).includes('node_modules') && !src.split(path.sep).includes('.sweflow'),
  });
}

export async function fixtureCopy(name: string): Promise<string> {
  const src = path.join(FIXTURES_DIR, name);
  const lock = await readFile(path.join(src, 'package-lock.json'), 'utf8');
  const pkg = await readFile(path.join(src, 'package.json'), 'utf8');
  const hash = createHash('sha256').update(lock).update(pkg).update(process.version).digest('hex').slice(0, 16);
  const cacheRoot = path.join(os.tmpdir(), 'sweflow-fixture-deps');
  const cached = path.join(cacheRoot, `${name}-${hash}`);
  if (!(await exists(path.join(cached, 'node_modules')))) {
    await mkdir(cacheRoot, { recursive: true });
    const staging = await mkdtemp(path.join(cacheRoot, `${name}-staging-`));
    await copySources(src, staging);
    await exec('npm', ['ci', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: staging, timeout: 300_000 });
    try {
      await rename(staging, cached);
    } catch {
      // another worker won the race; its copy is as good as ours
      await rm(staging, { recursive: true, force: true });
    }
  }
  const dest = await mkdtemp(path.join(os.tmpdir(), `sweflow-${name}-`));
  await copySources(src, dest);
  await cp(path.join(cached, 'node_modules'), path.join(dest, 'node_modules'), { recursive: true, verbatimSymlinks: true });
  return dest;
}
