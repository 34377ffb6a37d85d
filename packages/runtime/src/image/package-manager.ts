import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCodes, SweFlowError } from '@swe-flow/core';

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
  /**
   * Set when the choice follows the install that set the repository up (`repo.json`'s install record):
   * the fallbacks that install needed, in order (empty when the plain install worked).
   */
  fallbacks?: string[];
}

/** What an image needs of `repo.json`'s install record: the package manager, its version, the command that worked. */
export interface InstallRecordForImage {
  packageManager: string;
  packageManagerVersion: string;
  command: string[];
  fallbacks: string[];
  /** Settings a fallback turned through the environment (yarn berry's scripts off). */
  env?: Record<string, string>;
}

/** Frozen forms of each manager's install flags: the image installs the lockfile the local install ran with. */
const FROZEN: Record<PackageManagerName, (args: string[], berry: boolean) => string[]> = {
  npm: (args) => (args[0] === 'install' ? ['ci', ...args.slice(1)] : args),
  pnpm: (args) => {
    const rest = args.filter((a) => a !== '--no-frozen-lockfile' && a !== '--frozen-lockfile');
    return [rest[0] ?? 'install', '--frozen-lockfile', ...rest.slice(1)];
  },
  yarn: (args, berry) => {
    if (berry) return [...args.filter((a) => a !== '--no-immutable' && a !== '--immutable'), '--immutable'];
    return args.includes('--frozen-lockfile') ? args : [args[0] ?? 'install', '--frozen-lockfile', ...args.slice(1)];
  },
};

/**
 * The package manager and install command of an environment image made from `repo.json`'s install
 * record: the same manager at the same version, with the flags the fallbacks added (`--legacy-peer-deps`,
 * `--ignore-scripts`, `--config.trust-lockfile=true`, ...), in the frozen form when the context holds a
 * lockfile (the one the local install wrote or kept), so the image installs the versions tasks were verified with.
 */
export function packageManagerFromInstallRecord(record: InstallRecordForImage, lockfile: string | undefined): PackageManagerChoice {
  const name = record.packageManager as PackageManagerName;
  if (!['npm', 'pnpm', 'yarn'].includes(name)) {
    throw new SweFlowError(ErrorCodes.INPUT_INVALID, `repo.json's install record names an unknown package manager (${record.packageManager}); run swe-flow synth again`);
  }
  const version = record.packageManagerVersion;
  const berry = name === 'yarn' && !version.startsWith('1.');
  const args = record.command[0] === name ? record.command.slice(1) : record.command;
  const installArgs = lockfile === undefined ? args : FROZEN[name](args, berry);
  const lock = lockfile === undefined ? {} : { lockfile };
  const carrier = carrierOf(name, berry);
  const env = Object.entries(record.env ?? {}).map(([k, v]) => `${k}=${v}`);
  return { name, version, ...carrier, ...lock, installCommand: [...(env.length > 0 ? ['env', ...env] : []), name, ...installArgs], fallbacks: [...record.fallbacks] };
}

/** The lockfile of package manager `name` present in any of `dirs`, if any. */
export async function findLockfile(name: string, dirs: string[]): Promise<string | undefined> {
  for (const [file, pm] of LOCKFILES) {
    if (pm !== name) continue;
    for (const dir of dirs) if (await isFile(path.join(dir, file))) return file;
  }
  return undefined;
}

const LOCKFILES: Array<[string, PackageManagerName]> = [
  ['pnpm-lock.yaml', 'pnpm'],
  ['yarn.lock', 'yarn'],
  ['package-lock.json', 'npm'],
  ['npm-shrinkwrap.json', 'npm'],
];

export const DEFAULT_PNPM_VERSION = '9.15.9';
export const DEFAULT_YARN_VERSION = '1.22.22';

/** The npm package each manager comes from and its bin in it (yarn berry ships as @yarnpkg/cli-dist). */
function carrierOf(name: PackageManagerName, berry: boolean): Pick<PackageManagerChoice, 'npmPackage' | 'bin'> {
  if (name === 'npm') return { npmPackage: 'npm', bin: 'bin/npm-cli.js' };
  if (name === 'pnpm') return { npmPackage: 'pnpm', bin: 'bin/pnpm.cjs' };
  return { npmPackage: berry ? '@yarnpkg/cli-dist' : 'yarn', bin: 'bin/yarn.js' };
}

/**
 * The package manager an override (`--package-manager yarn@4.5.0`, `pnpm`, `npm@10.9.2`) asks for, given
 * the one detected from the repository's files and the one detected without them (`fresh`: the defaults
 * for a repository with no lockfile). Yarn 2+ comes from `@yarnpkg/cli-dist`, yarn 1 from `yarn`, so the
 * carrier follows the override's major, not the detected yarn's; another manager than the lockfile's
 * installs without a frozen lockfile.
 */
export function overridePackageManager(detected: PackageManagerChoice, fresh: PackageManagerChoice, override: string): PackageManagerChoice {
  const [name, version] = override.split('@') as [PackageManagerName, string | undefined];
  if (name === 'npm') {
    const base = detected.name === 'npm' ? detected : fresh;
    return version === undefined ? base : { ...base, version };
  }
  if (name === 'pnpm') {
    if (detected.name === 'pnpm') return version === undefined ? detected : { ...detected, version };
    return { name, version: version ?? DEFAULT_PNPM_VERSION, ...carrierOf(name, false), installCommand: ['pnpm', 'install'] };
  }
  const wanted = version ?? (detected.name === 'yarn' ? detected.version : DEFAULT_YARN_VERSION);
  const berry = !wanted.startsWith('1.');
  if (detected.name === 'yarn' && berry === isBerry(detected)) return { ...detected, version: wanted };
  const lock = detected.name === 'yarn' && detected.lockfile !== undefined ? { lockfile: detected.lockfile } : {};
  return { name, version: wanted, ...carrierOf(name, berry), ...lock, installCommand: berry ? ['yarn', 'install'] : ['yarn', 'install', '--non-interactive'] };
}

function isBerry(choice: PackageManagerChoice): boolean {
  return choice.npmPackage === carrierOf('yarn', true).npmPackage;
}

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
        name, version: declaredVersion ?? DEFAULT_PNPM_VERSION, ...carrierOf(name, false), ...lock,
        installCommand: ['pnpm', 'install', '--frozen-lockfile'],
      };
    case 'yarn': {
      const version = declaredVersion ?? DEFAULT_YARN_VERSION;
      const berry = !version.startsWith('1.');
      return berry
        ? { name, version, ...carrierOf(name, true), ...lock, installCommand: ['yarn', 'install', '--immutable'] }
        : { name, version, ...carrierOf(name, false), ...lock, installCommand: ['yarn', 'install', '--frozen-lockfile', '--non-interactive'] };
    }
    case 'npm':
      return {
        name, version: declaredVersion ?? npmVersion, ...carrierOf(name, false), ...lock,
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
