/**
 * Function ids. An id is derived from the ORIGINAL source: repo-relative POSIX path, 1-based line
 * and 1-based column of the function node's start, and a readable qualified name:
 *   `src/shapes.ts:12:3:Circle#area`
 * The tracer and the skeletonizer both compute ids through `@swe-flow/skeleton`'s locator, which
 * formats them with `formatFunctionId`, so the two always agree.
 */
export interface FunctionIdParts {
  file: string;
  line: number;
  column: number;
  name: string;
}

export function formatFunctionId(parts: FunctionIdParts): string {
  return `${parts.file}:${parts.line}:${parts.column}:${parts.name}`;
}

const idPattern = /^(.*):(\d+):(\d+):(.*)$/s;

export function parseFunctionId(id: string): FunctionIdParts {
  // The file may itself contain ':' (rare); line and column are the last two numeric fields before
  // the name, and names never contain ':' followed by digits and ':'.
  const match = idPattern.exec(id);
  if (!match) throw new Error(`not a function id: ${id}`);
  const [, file, line, column, name] = match;
  return { file: file!, line: Number(line), column: Number(column), name: name! };
}

/** The pseudo function that stands for a module's top-level code while it loads. */
export function moduleNodeId(file: string): string {
  return formatFunctionId({ file, line: 0, column: 0, name: '<module>' });
}

export function isModuleNodeId(id: string): boolean {
  return id.endsWith(':0:0:<module>');
}

/** Caller recorded when no instrumented function is on the stack (the runner itself called us). */
export const ROOT_CALLER = '<root>';

/** A test id is what the runner needs to rerun exactly that test: file plus full title path. */
export const TEST_ID_SEPARATOR = ' > ';

export function formatTestId(file: string, titlePath: readonly string[]): string {
  return [file, ...titlePath].join(TEST_ID_SEPARATOR);
}

export function parseTestId(id: string): { file: string; titlePath: string[] } {
  const [file, ...titlePath] = id.split(TEST_ID_SEPARATOR);
  return { file: file!, titlePath };
}
