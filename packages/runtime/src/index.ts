export { createLocalRuntime, linkNodeModules, inheritedEnv, type LocalRuntimeOptions } from './local/local-runtime.js';
export {
  createDockerRuntime,
  removeContainer,
  DEFAULT_LIMITS,
  SWE_USER,
  TESTBED,
  type ContainerLimits,
  type DockerRuntimeOptions,
} from './docker/docker-runtime.js';
export { getDocker, checkDocker, inspectImage, type DockerCheck } from './docker/client.js';
export {
  bootstrapBaseImage,
  baseImageTag,
  baseDockerfile,
  checkBaseImage,
  hostDebianMirror,
  parseDebianMirror,
  ROOTFS_IMAGE,
  type BootstrapOptions,
  type BootstrapResult,
  type BaseImageCheck,
} from './image/bootstrap.js';
export {
  resolveNodeVersion,
  listNodeBinaryVersions,
  DEFAULT_NODE_VERSION,
  DEFAULT_NPM_VERSION,
  type NodeVersionChoice,
  type VersionLister,
} from './image/node-version.js';
export {
  detectPackageManager,
  overridePackageManager,
  packageManagerFromInstallRecord,
  type InstallRecordForImage,
  DEFAULT_PNPM_VERSION,
  DEFAULT_YARN_VERSION,
  type PackageManagerChoice,
  type PackageManagerName,
} from './image/package-manager.js';
export { registerCleanup, cleanupAll, liveResourceCount, onShutdown, isShuttingDown, assertNotShuttingDown, interruptedError, settleLateCleanups, signalExitCode, SHUTDOWN_SIGNALS, type ShutdownSignal, type ShutdownHandler, type ShutdownReport } from './cleanup.js';
export { BoundedBuffer, DEFAULT_MAX_OUTPUT_BYTES } from './output.js';
export * from './labels.js';
export {
  buildEnvironmentImage,
  environmentDockerfile,
  exportTree,
  COLLECT_DEPS_SCRIPT,
  DEPENDENCY_COPIES_FILE,
  SWE_UID,
  type BaseKind,
  type EnvironmentImage,
  type EnvironmentImageOptions,
} from './image/environment-image.js';
export { pruneImages, type PruneOptions, type PruneResult } from './image/prune.js';
export { linkOwnPackageCopies, type OwnPackageCopy } from './image/own-copies.js';
export { writeFileAtomic, pathExists } from './fs.js';
export { killProcessGroup } from './process-group.js';
export {
  buildInstanceImage,
  instanceDockerfile,
  instanceImageName,
  writeTestbedRepo,
  LABEL_INSTANCE,
  LABEL_ENV,
  type InstanceImage,
  type InstanceImageOptions,
} from './image/instance-image.js';
export { startCpuSpan, type CpuSpan } from './cpu-time.js';
