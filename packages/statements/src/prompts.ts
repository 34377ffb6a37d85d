import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { ErrorCodes, SweFlowError } from '@swe-flow/core';

/**
 * Prompts live in `packages/statements/prompts/*.md`, next to both `src/` and `dist/`, so the same
 * relative URL finds them from the sources (tests) and from the build. They are read at runtime, and
 * their text is part of every request, so editing a prompt invalidates the matching cache entries.
 */
export const DEFAULT_PROMPTS_DIR = fileURLToPath(new URL('../prompts/', import.meta.url));

export type PromptName =
  | 'statement-system'
  | 'statement-user'
  | 'leak-retry'
  | 'docstring-system'
  | 'docstring-user';

const cache = new Map<string, Promise<string>>();

export function loadPrompt(name: PromptName, dir: string = DEFAULT_PROMPTS_DIR): Promise<string> {
  const path = join(dir, `${name}.md`);
  let pending = cache.get(path);
  if (!pending) {
    pending = readFile(path, 'utf8').catch((cause: unknown) => {
      cache.delete(path);
      throw new SweFlowError(ErrorCodes.PATH_MISSING, `prompt ${name} not found at ${path}; reinstall @swe-flow/statements or pass promptsDir`, { cause });
    });
    cache.set(path, pending);
  }
  return pending;
}

/** Fills `{{name}}` placeholders in one pass (values are never re-scanned). Unknown names are an error. */
export function renderPrompt(template: string, vars: Record<string, string>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_m, key: string) => {
    const value = vars[key];
    if (value === undefined) throw new SweFlowError(ErrorCodes.INTERNAL, `prompt placeholder {{${key}}} has no value`);
    return value;
  });
}
