export { startWorker, type WorkerOptions, type RunningWorker } from './worker.js';
export { queueExecutor, evaluateOnQueue, queueStatus, drainQueues, retryFailed, type RemoteOptions, type QueueEvaluateOptions, type QueueStatus } from './remote.js';
export { checkRedis, redisOptions } from './connection.js';
export { DirectoryStore, type ArtifactStore } from './store.js';
export { jobIdOf, isInfrastructure, RELEASE_QUEUE, EVAL_QUEUE, DEFAULT_PREFIX, type JobData, type GradeJobData, type ReleaseRepoJobData } from './jobs.js';
export { removeDeadWorkersContainers } from './containers.js';
