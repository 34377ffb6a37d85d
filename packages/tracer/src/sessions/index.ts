export { openSession, hasSession, SESSION_RUNNERS, type TestSession, type OpenSessionOptions } from './session.js';
export { runTreeBatch, hasTreeBatch, vitestHasInlineProjects, vitestWorkspaceBatch, TREE_BATCH_RUNNERS, type BatchTree, type TreeBatchOptions } from './batch.js';
