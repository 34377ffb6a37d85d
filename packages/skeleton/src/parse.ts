import { parse, type ParserPlugin } from '@babel/parser';
import type * as t from '@babel/types';
import { ErrorCodes, SweFlowError } from '@swe-flow/core';

const TS_EXT = /\.(c|m)?tsx?$/;
const JSX_EXT = /\.(jsx|tsx)$/;

/** Files the locator, the tracer and the stubber can read. */
export const SOURCE_FILE_PATTERN = /\.(c|m)?(j|t)sx?$/;

/** Parser plugins for a file, by extension: the one place that decides how a file is parsed. */
export function parserPluginsFor(file: string): ParserPlugin[] {
  const plugins: ParserPlugin[] = [];
  if (TS_EXT.test(file)) plugins.push('typescript');
  if (JSX_EXT.test(file) || !TS_EXT.test(file)) plugins.push('jsx');
  plugins.push(['decorators', { decoratorsBeforeExport: true }], 'importAttributes', 'explicitResourceManagement');
  return plugins;
}

/** Parses a source file exactly as the tracer and the stubber do. */
export function parseSource(code: string, file: string): t.File {
  try {
    return parse(code, {
      sourceType: 'unambiguous',
      sourceFilename: file,
      allowReturnOutsideFunction: true,
      allowAwaitOutsideFunction: true,
      allowImportExportEverywhere: true,
      errorRecovery: false,
      plugins: parserPluginsFor(file),
    });
  } catch (cause) {
    throw new SweFlowError(ErrorCodes.PARSE_FAILED, `could not parse ${file}: ${(cause as Error).message}`, {
      cause,
      details: { file },
    });
  }
}
