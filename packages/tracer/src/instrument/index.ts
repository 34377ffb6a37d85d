export { instrumentSource, RECORDER_GLOBAL, type InstrumentOptions, type InstrumentResult, type SourceMapObject } from './transform.js';
export {
  shouldInstrument,
  relativeSourcePath,
  detectBuildOutputDirs,
  excludeDirs,
  toPosix,
  type InstrumentFilter,
  type BuildOutputFacts,
} from './filter.js';
export { BUILT_OUTPUT_ENV, builtDirOf, builtOutputFromEnv, mapBuiltFile, readSourceMap, sameNameSource, type BuiltFileMap, type BuiltOutputDir } from './built-map.js';
