import semver from 'semver';
import type { PackageManager } from './detect.js';

/** What an install's output says went wrong, as far as a fallback can act on it. */
export type InstallFailure =
  | { kind: 'peer-conflict' }
  | { kind: 'lockfile-out-of-sync' }
  | { kind: 'engine'; ranges: string[] }
  | { kind: 'unavailable-package'; packages: string[]; git: boolean }
  /**
   * pnpm 11's check of every lockfile entry against the registry's metadata (minimumReleaseAge,
   * trustPolicy) could not fetch some entries: a registry that lacks them (a partial mirror that serves
   * only this platform's binaries), though the install itself may not need them.
   */
  | { kind: 'lockfile-verification'; packages: string[] }
  | { kind: 'lifecycle-script' }
  | { kind: 'package-manager-too-old' }
  /** The registry did not answer in time (a person reruns). */
  | { kind: 'network' }
  /** A dist-tag the registry does not carry (`typescript@next` on a mirror with `latest` only). */
  | { kind: 'missing-dist-tag'; package: string; tag: string }
  | { kind: 'unknown' };

const HELP_START = /^npm (?:error|ERR!) (?:Usage:|Clean install a project|Install a package|aliases:|Options:|\[-|Run "npm help|$)/;

/**
 * The package manager's own error lines from an install's output (not its help text nor progress):
 * npm's `npm error` lines up to the usage text it appends, yarn's `error` lines, pnpm's `ERR_PNPM_*`
 * block, yarn berry's failing `YN` lines. The tail of the output when none are recognised.
 */
export function errorLines(output: string, pm: PackageManager, max = 40): string[] {
  const lines = output.split(/\r?\n/);
  let picked: string[] = [];
  if (pm === 'npm') {
    for (const line of lines) {
      if (!/^npm (?:error|ERR!)/.test(line)) continue;
      if (HELP_START.test(line)) break;
      if (/A complete log of this run can be found in/.test(line)) continue;
      picked.push(line);
    }
  } else if (pm === 'yarn') {
    picked = lines.filter((l) => /^error\s/.test(l) || /YN\d{4}/.test(l) && /✘|error|YN0001|YN0009|YN0018|YN0028|YN0035|YN0060|YN0080/i.test(l) && !/YN0000/.test(l));
  } else {
    const start = lines.findIndex((l) => /ERR_PNPM_|ELIFECYCLE/.test(l));
    if (start >= 0) picked = lines.slice(start).filter((l) => l.trim() !== '' && !/^(Progress|Packages):/.test(l.trim()));
  }
  if (picked.length === 0) picked = lines.filter((l) => l.trim() !== '').slice(-25);
  return picked.slice(0, max);
}

/** A dependency name from an npm 404 or a yarn/pnpm "not found" line. */
function notFoundPackages(output: string): string[] {
  const names = new Set<string>();
  // A tarball the registry lists but does not serve: `GET https://registry.npmjs.org/<name>/-/<name>-1.0.0.tgz: Not Found`.
  for (const m of output.matchAll(/(?:404 Not Found - GET|ERR_PNPM_FETCH_404\s+GET) https?:\/\/\S+?\/((?:@[^/\s]+(?:\/|%2[fF]))?[^/\s%]+)\/-\//g)) names.add(decodeURIComponent(m[1]!));
  for (const m of output.matchAll(/'((?:@[^/\s']+\/)?[^@\s']+)@[^']*' (?:is not in this registry|could not be found)/g)) names.add(m[1]!);
  for (const m of output.matchAll(/404 Not Found - GET https?:\/\/[^/\s]+\/((?:@[^/\s]+(?:\/|%2[fF]))?[^/\s]+)(?:\s|$)/g)) names.add(decodeURIComponent(m[1]!));
  for (const m of output.matchAll(/https?:\/\/registry\.[^/\s"]+\/((?:@[^/\s"]+(?:\/|%2[fF]))?[^/\s":]+): Not found/g)) names.add(decodeURIComponent(m[1]!));
  for (const m of output.matchAll(/ERR_PNPM_FETCH_404[^\n]*?\/((?:@[^/\s]+(?:\/|%2[fF]))?[^/\s:]+)(?<!\.tgz): Not Found/g)) names.add(decodeURIComponent(m[1]!));
  for (const m of output.matchAll(/YN0035:[^\n]*?((?:@[^/\s]+\/)?[^@\s]+)@npm:[^\n]*(?:not found|404)/gi)) names.add(m[1]!);
  return [...names];
}

/** Reads what went wrong from a failed install's output. */
export function classifyInstallFailure(output: string): InstallFailure {
  if (/\bERESOLVE\b/.test(output)) return { kind: 'peer-conflict' };
  // pnpm 10 settings in pnpm-workspace.yaml (no `packages:`), read by pnpm 9 as a broken workspace file.
  if (/packages field missing or empty/.test(output)) return { kind: 'package-manager-too-old' };
  const engineRanges = [
    ...[...output.matchAll(/The engine "node" is incompatible with this module\. Expected version "([^"]+)"/g)].map((m) => m[1]!),
    ...[...output.matchAll(/notsup Required: \{[^}]*"node":"([^"]+)"/g)].map((m) => m[1]!),
    ...[...output.matchAll(/Expected version: ([^\n]+)\n\s*Got: v?\d/g)].map((m) => m[1]!.trim()),
  ];
  if (engineRanges.length > 0 || /\bEBADENGINE\b|ERR_PNPM_UNSUPPORTED_ENGINE/.test(output)) return { kind: 'engine', ranges: [...new Set(engineRanges)] };
  const target = /No matching version found for ((?:@[^/\s]+\/)?[^@\s]+)@([A-Za-z][\w-]*(?:\.[\w-]+)*)\.?\s/.exec(output);
  if (target && semver.validRange(target[2]!) === null) return { kind: 'missing-dist-tag', package: target[1]!, tag: target[2]! };
  // A version the registry does not serve, asked for in package.json (`"top-sites": "1.1.225"` on a registry that stops at 1.1.222).
  const version = /No matching version found for ((?:@[^/\s]+\/)?[^@\s]+)@(\S+?)\.?\s/.exec(output);
  if (version) return { kind: 'unavailable-package', packages: [version[1]!], git: false };
  const missing = notFoundPackages(output);
  if (/Lockfile failed supply-chain policy check/.test(output) && /ERR_PNPM_FETCH_404/.test(output)) return { kind: 'lockfile-verification', packages: missing };
  if (missing.length > 0 || /\bE404\b|ERR_PNPM_FETCH_404/.test(output)) return { kind: 'unavailable-package', packages: missing, git: false };
  // A git dependency, or one fetched from a URL outside the registry (`https://api.github.com/.../tarball/<sha>`), that cannot be reached.
  const offRegistry = /request to https?:\/\/(?!registry\.)[^/\s]+\/\S+ failed, reason: (?:getaddrinfo |connect )?(?:ENOTFOUND|ECONNREFUSED|EAI_AGAIN|ETIMEDOUT)/.test(output);
  if (offRegistry || /git dep preparation failed|An unknown git error occurred|git ls-remote|ERR_PNPM_GIT_|Couldn't find the binary git|Command failed: git /.test(output)) {
    return { kind: 'unavailable-package', packages: [], git: true };
  }
  if (/\b(ESOCKETTIMEDOUT|ETIMEDOUT|ECONNRESET|EAI_AGAIN|socket hang up)\b/.test(output)) return { kind: 'network' };
  if (
    /can only install packages when your package\.json and package-lock\.json|`npm ci` can only install with an existing|Your lockfile needs to be updated|ERR_PNPM_OUTDATED_LOCKFILE|ERR_PNPM_LOCKFILE_CONFIG_MISMATCH|ERR_PNPM_LOCKFILE_BREAKING_CHANGE|YN0028|lockfile would have been modified/.test(output)
  ) {
    return { kind: 'lockfile-out-of-sync' };
  }
  if (/npm (?:error|ERR!) command (?:failed|sh -c)|ELIFECYCLE|: Command failed\.|YN0009|node-gyp|gyp ERR!|postinstall|preinstall|install script/.test(output)) {
    return { kind: 'lifecycle-script' };
  }
  return { kind: 'unknown' };
}
