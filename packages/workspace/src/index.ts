export { listRepoFiles } from './files.js';
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
export { readTestScript, builtOutputImports, splitCommands, shellWords, type ScriptRun, type TestScriptFacts } from './test-script.js';
export { listWorkspacePackages, chooseWorkspacePackage, type WorkspacePackage } from './packages.js';
