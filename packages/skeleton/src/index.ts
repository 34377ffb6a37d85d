export { parseSource, parserPluginsFor, SOURCE_FILE_PATTERN } from './parse.js';
export {
  locateFunctions,
  describeFunction,
  qualifiedName,
  hasBody,
  traverse,
  FUNCTION_VISITOR_KEY,
  type FunctionPath,
} from './locate.js';
export { applyInsertions, type Insertion } from './insertions.js';
export { stubFunctions, STUB_ERROR_PREFIX, type StubOptions, type StubResult, type StubStyle, type UnusedImport } from './stub.js';
export {
  computeReturnTypePins,
  pinReturnTypes,
  type ReturnTypePin,
  type SourceText,
  type PinOptions,
  type PinSkipReason,
} from './pin.js';
export { insertDocComments, planDocComments, type DocInsertion, type DocPlan, type DocSkipReason } from './docs.js';
