export { listRepoFiles } from './files.js';
export { resolveMirror, parseMirrorPairs, readMirrorFile, normalizeGitUrl, type MirrorOptions } from './mirror.js';
export { materializeSource, isGitUrl, repoNameFromUrl, type SourceInfo } from './source.js';
export { detectProject, readPackageJson, type ProjectFacts, type PackageManager } from './detect.js';
export {
  installDependencies,
  resolvePackageManager,
  dependencyHash,
  defaultToolsDir,
  DEFAULT_PM_VERSIONS,
  type InstallOptions,
  type InstallRecord,
} from './install.js';
export { listWorkspacePackages, chooseWorkspacePackage, type WorkspacePackage } from './packages.js';
