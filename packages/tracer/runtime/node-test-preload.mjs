/**
 * swe-flow preload for processes that run the repository's tests under Node's own loaders:
 * installs the recorder, patches CommonJS compilation and registers the ES module hooks.
 * Used as `node --import <this file>` (node:test children, mocha, ava workers via nodeArguments).
 */
import { createRequire, register } from 'node:module';

const require = createRequire(import.meta.url);
require('./recorder.cjs');
require('./node-test-instrument.cjs').patchCompile();
register('./node-test-loader.mjs', import.meta.url);
