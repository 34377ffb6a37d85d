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
