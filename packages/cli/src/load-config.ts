import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ErrorCodes, parseSynthConfig, SweFlowError } from '@swe-flow/core';

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
  let loaded: unknown;
  try {
    if (file.endsWith('.json')) loaded = JSON.parse(await readFile(file, 'utf8'));
    else if (file.endsWith('.ts')) loaded = await importTypeScript(file);
    else loaded = await importModule(pathToFileURL(file).href, file);
  } catch (cause) {
    if (cause instanceof SweFlowError) throw cause;
    throw new SweFlowError(ErrorCodes.CONFIG_INVALID, `could not load ${file}: ${(cause as Error).message}`, { cause, details: { file } });
  }
  if (typeof loaded !== 'object' || loaded === null || Array.isArray(loaded)) {
    throw new SweFlowError(ErrorCodes.CONFIG_INVALID, `${file} must hold one object of options (got ${Array.isArray(loaded) ? 'an array' : typeof loaded}); see \`swe-flow synth --help\``, { details: { file } });
  }
  // Validated here too, so that a problem names the file it is in (flags are validated with it later).
  const checked = parseSynthConfig(loaded);
  if (!checked.ok) {
    throw new SweFlowError(ErrorCodes.CONFIG_INVALID, `${file} has invalid options:\n  ${checked.problems.join('\n  ')}\nfix them (the JSON Schema is @swe-flow/core/schema/config.schema.json)`, { details: { file, problems: checked.problems } });
  }
  return loaded as Record<string, unknown>;
}

/** A module's default export; a module without one is a config mistake, not an empty config. */
async function importModule(url: string, file: string): Promise<unknown> {
  const mod = (await import(url)) as { default?: unknown };
  if (!('default' in mod) || mod.default === undefined) {
    throw new SweFlowError(ErrorCodes.CONFIG_INVALID, `${file} has no default export: write \`export default { ... }\` with the options`, { details: { file } });
  }
  return mod.default;
}

/** Node 20 cannot import TypeScript: transpile with the compiler ts-morph ships (syntax checked), then import. */
async function importTypeScript(file: string): Promise<unknown> {
  const { ts } = await import('ts-morph');
  const source = await readFile(file, 'utf8');
  const out = ts.transpileModule(source, { fileName: file, reportDiagnostics: true, compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
  const errors = (out.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length) {
    const first = errors[0]!;
    const where = first.file && first.start !== undefined ? first.file.getLineAndCharacterOfPosition(first.start) : undefined;
    const text = ts.flattenDiagnosticMessageText(first.messageText, '\n');
    throw new SweFlowError(ErrorCodes.CONFIG_INVALID, `${file}${where ? `:${where.line + 1}:${where.character + 1}` : ''} has a syntax error: ${text}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}; fix it or use swe-flow.config.json`, { details: { file } });
  }
  const url = `data:text/javascript;base64,${Buffer.from(out.outputText).toString('base64')}`;
  return importModule(url, file);
}
