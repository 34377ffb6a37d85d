import semver from 'semver';
import type { Logger } from '@swe-flow/core';
import type { ProjectFacts } from './detect.js';
import { chooseNodeVersion, pinRange, type NodeChoice, type NodeConstraint } from './node-choice.js';
import { readNodeConstraints } from './node-constraints.js';
import { listNodeReleases, provisionNode, type NodeRuntime } from './node-provision.js';

export interface RepositoryNode {
  choice: NodeChoice;
  runtime: NodeRuntime;
  /** For `installDependencies`: the Node to switch to when the install's engine errors ask for `ranges`. */
  /** `askedBy`: the package or package manager that asked (recorded as the reason); default: the install's engine errors. */
  nodeFor: (ranges: string[], askedBy?: string) => Promise<NodeRuntime | undefined>;
}

export interface RepositoryNodeOptions {
  /** `--node`: a version or range that wins over what the repository says. */
  override?: string;
  cacheDir?: string;
  logger?: Logger;
}

/**
 * Chooses the Node for a repository from what it says (`.nvmrc`, `.node-version`, `volta`, `engines`,
 * its package manager, its lockfile's engines) and provisions it from the registry when it is not the
 * host's. The registry's release list is only read when the host's Node does not fit.
 */
export async function setUpRepositoryNode(root: string, facts: ProjectFacts, options: RepositoryNodeOptions = {}): Promise<RepositoryNode> {
  const constraints = await readNodeConstraints(root, facts);
  const host = process.versions.node;
  const provisionOptions = { ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}), ...(options.logger ? { logger: options.logger } : {}) };
  const choose = async (extra: NodeConstraint[]): Promise<NodeChoice> => {
    const all = [...constraints, ...extra];
    const wanted = options.override !== undefined ? [options.override] : all.map((c) => pinRange(c.range));
    const hostFits = wanted.every((r) => r === null || semver.satisfies(host, r));
    // The host satisfies everything (or is what --node names): no need to ask the registry.
    const available = hostFits ? [] : await listNodeReleases(options.cacheDir);
    return chooseNodeVersion({ constraints: all, hostVersion: host, available, ...(options.override ? { override: options.override } : {}) });
  };
  const choice = await choose([]);
  const runtime = await provisionNode(choice.version, provisionOptions);
  const nodeFor = async (ranges: string[], askedBy?: string): Promise<NodeRuntime | undefined> => {
    if (options.override !== undefined) return undefined;
    const from = askedBy ? ('packageManager' as const) : ('install-error' as const);
    const next = await choose(ranges.map((range) => ({ from, range, ...(askedBy ? { package: askedBy } : {}) })));
    if (!ranges.every((r) => semver.satisfies(next.version, r))) return undefined;
    choice.version = next.version;
    choice.host = next.host;
    choice.source = from;
    choice.reason = askedBy ? `${next.reason}; chosen because ${askedBy} runs on Node ${ranges.join(', ')}` : `${next.reason}; chosen after the install's engine errors (${ranges.join(', ')})`;
    choice.constraints = next.constraints;
    return provisionNode(next.version, provisionOptions);
  };
  return { choice, runtime, nodeFor };
}
