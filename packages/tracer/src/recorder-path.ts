import { fileURLToPath } from 'node:url';

/** Absolute path of the recorder (plain CommonJS) that instrumented code needs loaded in each test process. */
export const RECORDER_PATH = fileURLToPath(new URL('../runtime/recorder.cjs', import.meta.url));
/** Directory of the tracer's plain-JS runtime files (recorder, runner hooks). */
export const RUNTIME_DIR = fileURLToPath(new URL('../runtime/', import.meta.url));
