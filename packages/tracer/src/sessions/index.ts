export { openSession, hasSession, SESSION_RUNNERS, type TestSession, type OpenSessionOptions, type SessionRunOptions } from './session.js';
export { runTreeBatch, hasTreeBatch, vitestHasInlineProjects, vitestSharesWorkers, vitestSharedBatch, vitestWorkspaceBatch, TREE_BATCH_RUNNERS, type BatchTree, type TreeBatchOptions } from './batch.js';
export { treeRunnerFor, type TreeRunner, type RunnerTree, type TreeRunOptions, type TreeRunnerOptions } from './tree-runner.js';
