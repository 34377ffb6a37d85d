import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ErrorCodes, SweFlowError } from '@swe-flow/core';

const CANDIDATES = ['swe-flow.config.json', 'swe-flow.config.ts', 'swe-flow.config.mjs', 'swe-flow.config.js'];

/** Loads `--config FILE`, or the first swe-flow.config.* in the current directory; {} when none. */
export async function loadConfigFile(explicit?: string): Promise<Record<string, unknown>> {
  let file: string | undefined;
  if (explicit) {
    file = path.resolve(explicit);
    if (!(await stat(file).catch(() => null))) throw new SweFlowError(ErrorCodes.CONFIG_INVALID, `config file ${file} does not exist`);
  } else {
    for (const name of CANDIDATES) {
      const p = path.resolve(name);
      if (await stat(p).catch(() => null)) { file = p; break; }
    }
  }
  if (!file) return {};
  try {
    if (file.endsWith('.json')) return JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    if (file.endsWith('.ts')) {
      // Node 20 cannot import TypeScript: transpile with the compiler ts-morph ships, then import.
      const { ts } = await import('ts-morph');
      const out = ts.transpileModule(await readFile(file, 'utf8'), { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
      const url = `data:text/javascript;base64,${Buffer.from(out.outputText).toString('base64')}`;
      return ((await import(url)) as { default: Record<string, unknown> }).default;
    }
    return ((await import(pathToFileURL(file).href)) as { default: Record<string, unknown> }).default;
  } catch (cause) {
    throw new SweFlowError(ErrorCodes.CONFIG_INVALID, `could not load ${file}: ${(cause as Error).message}`, { cause });
  }
}
