export * from './errors.js';
export * from './ids.js';
export * from './trace.js';
export * from './schedule.js';
export * from './runtime.js';
export * from './results.js';
export * from './task.js';
export * from './logger.js';
