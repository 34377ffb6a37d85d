import type * as t from '@babel/types';
import { parseFunctionId, parseTestId, type FunctionInfo } from '@swe-flow/core';
import { locateFunctions, parseSource } from '@swe-flow/skeleton';
import { buildStatementInput, type StatementInput } from '@swe-flow/statements';
import type { VerifiedTask } from '@swe-flow/emitter';

/** A run's parsed original files: file -> its source and AST (`null`: it does not parse). */
type ParsedFiles = Map<string, { code: string; ast: t.File | null }>;

/** Parsed files per run, keyed by the run's `located` map (one run, one map). */
const parsedByRun = new WeakMap<Map<string, FunctionInfo[]>, ParsedFiles>();

/** Parses each original file once per run; a file read with other content is parsed again. */
function parserFor(parsed: ParsedFiles): (file: string, code: string) => t.File | undefined {
  return (file, code) => {
    const hit = parsed.get(file);
    if (hit && hit.code === code) return hit.ast ?? undefined;
    let ast: t.File | null;
    try {
      ast = parseSource(code, file);
    } catch {
      ast = null;
    }
    parsed.set(file, { code, ast });
    return ast ?? undefined;
  };
}

/**
 * What the statement writers need for a verified task: the functions' public faces and the
 * FAIL_TO_PASS tests' sources, read from the ORIGINAL files (the reference bodies go only to the
 * leak check).
 */
export async function statementInputFor(
  repo: string,
  task: VerifiedTask,
  read: (file: string) => Promise<string>,
  /**
   * Functions located per file, shared between the tasks of one run: each file is parsed (and its
   * tests and functions walked) once per run.
   */
  located: Map<string, FunctionInfo[]> = new Map(),
): Promise<StatementInput> {
  const c = task.candidate;
  const tests = task.failToPass.map((id) => ({ id, ...parseTestId(id) }));
  const files = new Set([...c.nodesToDevelop.map((id) => parseFunctionId(id).file), ...tests.map((t) => t.file)]);
  const sources: Record<string, string> = {};
  for (const file of files) sources[file] = await read(file).catch(() => '');
  let parsed = parsedByRun.get(located);
  if (!parsed) parsedByRun.set(located, (parsed = new Map()));
  const parse = parserFor(parsed);
  const wanted = new Set(c.nodesToDevelop);
  const functions: FunctionInfo[] = [];
  for (const file of new Set(c.nodesToDevelop.map((id) => parseFunctionId(id).file))) {
    let fns = located.get(file);
    if (!fns) {
      const code = sources[file] ?? '';
      fns = locateFunctions(code, file, parse(file, code) ?? parseSource(code, file));
      located.set(file, fns);
    }
    for (const fn of fns) if (wanted.has(fn.id)) functions.push(fn);
  }
  return buildStatementInput({ repo, step: c.step, instanceId: c.instanceId, functions, tests, passToPass: task.passToPass, sources, parse });
}
