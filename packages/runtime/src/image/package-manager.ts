import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';

export type PackageManagerName = 'npm' | 'pnpm' | 'yarn';

export interface PackageManagerChoice {
  name: PackageManagerName;
  /** The pinned version brought into the image from the npm registry. */
  version: string;
  /** The npm package that carries it (`pnpm`, `yarn`, or `@yarnpkg/cli-dist` for Yarn 2+). */
  npmPackage: string;
  /** Entry script inside that package. */
  bin: string;
  lockfile?: string;
  /** The command that installs exactly the lockfile. */
  installCommand: string[];
}

export const DEFAULT_PNPM_VERSION = '9.15.9';
export const DEFAULT_YARN_VERSION = '1.22.22';

const LOCKFILES: Array<[string, PackageManagerName]> = [
  ['pnpm-lock.yaml', 'pnpm'],
  ['yarn.lock', 'yarn'],
  ['package-lock.json', 'npm'],
  ['npm-shrinkwrap.json', 'npm'],
];

/**
 * Chooses the package manager by lockfile (pnpm, yarn, npm, in that order), pinned to the version in
 * package.json's `packageManager` field when it names the same manager, else to our defaults.
 */
export async function detectPackageManager(repoDir: string, npmVersion: string): Promise<PackageManagerChoice> {
  let lockfile: string | undefined;
  let name: PackageManagerName = 'npm';
  for (const [file, pm] of LOCKFILES) {
    if (await isFile(path.join(repoDir, file))) {
      lockfile = file;
      name = pm;
      break;
    }
  }
  const pkgText = await readFile(path.join(repoDir, 'package.json'), 'utf8').catch(() => '{}');
  const declared = (JSON.parse(pkgText) as { packageManager?: unknown }).packageManager;
  const m = typeof declared === 'string' ? /^(npm|pnpm|yarn)@(\d+\.\d+\.\d+[^+]*)/.exec(declared) : null;
  const declaredVersion = m !== null && m[1] === name ? m[2] : undefined;
  const lock = lockfile === undefined ? {} : { lockfile };
  switch (name) {
    case 'pnpm':
      return {
        name, version: declaredVersion ?? DEFAULT_PNPM_VERSION, npmPackage: 'pnpm', bin: 'bin/pnpm.cjs', ...lock,
        installCommand: ['pnpm', 'install', '--frozen-lockfile'],
      };
    case 'yarn': {
      const version = declaredVersion ?? DEFAULT_YARN_VERSION;
      const berry = !version.startsWith('1.');
      return berry
        ? { name, version, npmPackage: '@yarnpkg/cli-dist', bin: 'bin/yarn.js', ...lock, installCommand: ['yarn', 'install', '--immutable'] }
        : { name, version, npmPackage: 'yarn', bin: 'bin/yarn.js', ...lock, installCommand: ['yarn', 'install', '--frozen-lockfile', '--non-interactive'] };
    }
    case 'npm':
      return {
        name, version: declaredVersion ?? npmVersion, npmPackage: 'npm', bin: 'bin/npm-cli.js', ...lock,
        installCommand: lockfile === undefined ? ['npm', 'install', '--no-audit', '--no-fund'] : ['npm', 'ci', '--no-audit', '--no-fund'],
      };
  }
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}
