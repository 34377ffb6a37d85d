export { listRepoFiles } from './files.js';
export { resolveMirror, parseMirrorPairs, readMirrorFile, normalizeGitUrl, type MirrorOptions } from './mirror.js';
export { materializeSource, isGitUrl, repoNameFromUrl, type SourceInfo } from './source.js';
export { detectProject, readPackageJson, type ProjectFacts, type PackageManager } from './detect.js';
export { installDependencies, dependencyHash, type InstallOptions, type InstallRecord, type InstallAttempt } from './install.js';
export {
  resolvePackageManager,
  nearestRelease,
  defaultToolsDir,
  DEFAULT_PM_VERSIONS,
  DEFAULT_YARN_BERRY_VERSION,
  type ResolvedPackageManager,
} from './package-manager.js';
export { readTestScript, builtOutputImports, isBuildCommand, splitCommands, shellWords, type ScriptRun, type TestScriptFacts } from './test-script.js';
export { listWorkspacePackages, chooseWorkspacePackage, type WorkspacePackage } from './packages.js';
export { chooseNodeVersion, pinRange, TRACER_MIN_NODE, type NodeChoice, type NodeConstraint, type NodeConstraintSource } from './node-choice.js';
export { readNodeConstraints, npmLockEngines, pnpmLockEngines } from './node-constraints.js';
export { provisionNode, listNodeReleases, defaultNodeCacheDir, hostNode, nodeEnv, type NodeRuntime } from './node-provision.js';
export { setUpRepositoryNode, type RepositoryNode, type RepositoryNodeOptions } from './node-setup.js';
export { classifyInstallFailure, errorLines, type InstallFailure } from './install-failure.js';
