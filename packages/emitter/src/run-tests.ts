// Running tests moved to the tracer (which owns the runners) and the adapter contract to core; kept here
// so imports from '@swe-flow/emitter' keep working.
export { runTests, statusMap, commandLine } from '@swe-flow/tracer';
export type { TestCommandAdapter } from '@swe-flow/core';
