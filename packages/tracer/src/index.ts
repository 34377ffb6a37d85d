export * from './instrument/index.js';
export { RECORDER_PATH, RUNTIME_DIR } from './recorder-path.js';
export type * from './adapter.js';
