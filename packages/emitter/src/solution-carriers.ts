/**
 * Files that can carry a copy of the repository's code outside its source files: committed bundles
 * (`dist/*.js`, `*.min.js`, `umd/`), packed releases of the package itself (`*.tgz`), build caches (`.tsbuildinfo`, vite/vitest/jest caches), coverage
 * reports and source maps that embed their sources. A task's base must not hold its solution in one of
 * them; with the `strip` policy they are left out of the task repository (the repository's own source
 * and test files never are), with `reject` they stay and the audit rejects the tasks they reveal.
 */
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import path from 'node:path';

const CARRIER_PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [/(^|\/)dist\/.*\.[cm]?js$/, 'committed bundle (dist/)'],
  [/\.min\.[cm]?js$/, 'minified bundle'],
  [/(^|\/)umd\//, 'UMD bundle'],
  [/\.tsbuildinfo$/, 'TypeScript build cache'],
  [/(^|\/)(coverage|\.nyc_output)\//, 'coverage report'],
  [/(^|\/)(\.vite|\.vitest|\.jest-cache|\.cache|\.turbo|\.parcel-cache)\//, 'tool cache'],
];

export interface SolutionCarrier {
  file: string;
  reason: string;
}

/**
 * The carriers among `files` (repo-relative) under `root`. `keep` holds files that must stay whatever
 * their name (the traced source files and the test files).
 */
export async function findSolutionCarriers(root: string, files: readonly string[], keep: ReadonlySet<string>): Promise<SolutionCarrier[]> {
  const out: SolutionCarrier[] = [];
  let name: string | undefined | null = null;
  const ownName = async () => {
    if (name === null) name = (JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8').catch(() => '{}')) as { name?: string }).name;
    return name;
  };
  for (const file of files) {
    if (keep.has(file)) continue;
    const hit = CARRIER_PATTERNS.find(([re]) => re.test(file));
    if (hit) {
      out.push({ file, reason: hit[1] });
      continue;
    }
    if (/\.(tgz|tar\.gz)$/.test(file) && (await isOwnRelease(path.join(root, file), await ownName()))) {
      out.push({ file, reason: "a packed release of the repository's own package" });
      continue;
    }
    if (/\.map$/.test(file)) {
      const text = await readFile(path.join(root, file), 'utf8').catch(() => '');
      if (/"sourcesContent"\s*:\s*\[\s*"/.test(text)) out.push({ file, reason: 'source map with sourcesContent' });
    }
  }
  return out;
}

/** A gzip tarball whose package.json names the repository's own package (npm pack output). */
async function isOwnRelease(file: string, name: string | undefined): Promise<boolean> {
  if (!name) return false;
  try {
    const tar = gunzipSync(await readFile(file), { maxOutputLength: 256 * 1024 * 1024 }).toString('latin1');
    return new RegExp(`"name"\\s*:\\s*"${name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}"`).test(tar);
  } catch {
    return false;
  }
}
