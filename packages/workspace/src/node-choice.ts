import semver from 'semver';
import { ErrorCodes, SweFlowError } from '@swe-flow/core';

/** Where a Node version constraint came from. */
export type NodeConstraintSource = '.nvmrc' | '.node-version' | 'volta' | 'engines' | 'packageManager' | 'lockfile' | 'install-error';

export interface NodeConstraint {
  from: NodeConstraintSource;
  /** The range or version as written. */
  range: string;
  /** The dependency that asked (lockfile and install-error constraints). */
  package?: string;
}

/** The Node a repository is installed, traced, verified and evaluated with, and why. */
export interface NodeChoice {
  /** A concrete version (`22.23.5`). */
  version: string;
  /** True when it is the Node running swe-flow (nothing to provision). */
  host: boolean;
  source: 'override' | 'host' | NodeConstraintSource;
  reason: string;
  /** Every constraint that was read, for the record. */
  constraints: NodeConstraint[];
}

/**
 * The oldest Node the tracer runs on (`--import` with `module.register`: 20.6). Node 18 binaries run here,
 * but under Node 18.20 the traced node:test run reports no tests. A repository pinned below it is run on a
 * newer Node, and the record says so; `--node` still forces any version.
 */
export const TRACER_MIN_NODE = '20.6.0';

const PINS: NodeConstraintSource[] = ['.nvmrc', '.node-version', 'volta'];
const HARD: NodeConstraintSource[] = ['engines', 'packageManager', 'install-error'];

const LTS_CODENAMES: Record<string, number> = {
  argon: 4, boron: 6, carbon: 8, dubnium: 10, erbium: 12, fermium: 14, gallium: 16, hydrogen: 18, iron: 20, jod: 22, krypton: 24,
};

/** A pin as a semver range: `18` → `18`, `v20.11.0` → `20.11.0`, `lts/iron` → `20`; aliases such as `node` or `lts/*` → null. */
export function pinRange(spec: string): string | null {
  const s = spec.trim().replace(/^v(?=\d)/, '');
  const lts = /^lts\/([a-z]+)$/i.exec(s);
  if (lts) {
    const major = LTS_CODENAMES[lts[1]!.toLowerCase()];
    return major === undefined ? null : String(major);
  }
  if (/^(lts\/\*|lts|node|stable|latest|current|system)$/i.test(s)) return null;
  return semver.validRange(s);
}

interface ChooseInput {
  constraints: NodeConstraint[];
  hostVersion: string;
  /** Versions with a Linux x64 binary in the registry. */
  available: string[];
  /** `--node`: a version or range that wins over everything. */
  override?: string;
}

function satisfies(version: string, range: string): boolean {
  const r = semver.validRange(range);
  return r !== null && semver.satisfies(version, r, { includePrerelease: false });
}

/**
 * Picks the Node version for a repository (pure). Order: `--node`; a pin (`.nvmrc`, `.node-version`,
 * `volta`) unless it is below what the tracer needs; then every range (`engines`, the package manager's
 * needs, engine errors of an install) must hold; among those, the versions that satisfy the most engines
 * ranges of the dependency tree (lockfile) win. The host's Node is kept whenever it qualifies (nothing to
 * download); otherwise the newest release of the lowest qualifying LTS line.
 */
export function chooseNodeVersion(input: ChooseInput): NodeChoice {
  const { constraints, hostVersion } = input;
  const pool = [...new Set([hostVersion, ...input.available])].filter((v) => semver.valid(v) !== null && semver.prerelease(v) === null);
  if (input.override !== undefined) {
    const range = pinRange(input.override);
    if (range === null) throw new SweFlowError(ErrorCodes.CONFIG_INVALID, `--node "${input.override}" is not a version or range; write e.g. 22 or 20.19.0`);
    const version = pickVersion(pool.filter((v) => satisfies(v, range)), hostVersion);
    if (version === undefined) throw new SweFlowError(ErrorCodes.CONFIG_INVALID, `no Node release in the registry matches --node ${input.override}`);
    return { version, host: version === hostVersion, source: 'override', reason: `--node ${input.override}`, constraints };
  }
  const notes: string[] = [];
  let candidates = pool.filter((v) => semver.gte(v, TRACER_MIN_NODE));
  const pin = constraints.find((c) => PINS.includes(c.from));
  let pinned = false;
  if (pin) {
    const range = pinRange(pin.range);
    const matching = range === null ? [] : candidates.filter((v) => satisfies(v, range));
    if (range === null) notes.push(`${pin.from} says "${pin.range}" (an alias, read as any version)`);
    else if (matching.length === 0) notes.push(`${pin.from} pins ${pin.range}, below Node ${TRACER_MIN_NODE} that the tracer needs or not in the registry: not followed`);
    else { candidates = matching; pinned = true; }
  }
  for (const c of constraints.filter((x) => HARD.includes(x.from))) {
    const kept = candidates.filter((v) => satisfies(v, c.range));
    if (kept.length > 0) candidates = kept;
    else notes.push(`${c.from}${c.package ? ` of ${c.package}` : ''} asks for ${c.range}, which conflicts with the rest: not followed`);
  }
  const soft = constraints.filter((c) => c.from === 'lockfile');
  const score = (v: string) => soft.filter((c) => satisfies(v, c.range)).length;
  const best = Math.max(0, ...candidates.map(score));
  const top = candidates.filter((v) => score(v) === best);
  if (soft.length > best && top.length > 0) notes.push(`${soft.length - best} of ${soft.length} engines ranges of the dependency tree cannot all hold`);
  const version = pickVersion(top, hostVersion) ?? hostVersion;
  const host = version === hostVersion;
  const source = host ? 'host' : pinned ? pin!.from : decidingSource(constraints, hostVersion, best, score);
  const asked = constraints.filter((c) => c.from !== 'lockfile').map((c) => `${c.from}${c.package ? ` (${c.package})` : ''} ${c.range}`);
  const lockNote = soft.length > 0 ? `${best} of ${soft.length} engines ranges of the dependency tree` : '';
  const wants = [...asked, lockNote].filter(Boolean).join(', ') || 'nothing about Node';
  const reason = host
    ? `the Node running swe-flow (${hostVersion}) satisfies what the repository asks: ${wants}`
    : `Node ${version} satisfies ${wants}; the Node running swe-flow (${hostVersion}) does not`;
  return { version, host, source, reason: [reason, ...notes].join('; '), constraints };
}

function decidingSource(constraints: NodeConstraint[], host: string, best: number, score: (v: string) => number): NodeChoice['source'] {
  const failing = constraints.find((c) => HARD.includes(c.from) && !satisfies(host, c.range));
  if (failing) return failing.from;
  return score(host) < best ? 'lockfile' : 'engines';
}

/** The host when it is among the candidates; else the newest release of the lowest even (LTS) major, else of the lowest major. */
function pickVersion(candidates: string[], host: string): string | undefined {
  if (candidates.length === 0) return undefined;
  if (candidates.includes(host)) return host;
  const majors = [...new Set(candidates.map((v) => semver.major(v)))].sort((a, b) => a - b);
  const major = majors.find((m) => m % 2 === 0) ?? majors[0]!;
  return semver.rsort(candidates.filter((v) => semver.major(v) === major))[0];
}
