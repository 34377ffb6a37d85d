import { parseFunctionId, parseTestId, type FunctionInfo } from '@swe-flow/core';
import { locateFunctions } from '@swe-flow/skeleton';
import { buildStatementInput, type StatementInput } from '@swe-flow/statements';
import type { VerifiedTask } from '@swe-flow/emitter';

/**
 * What the statement writers need for a verified task: the functions' public faces and the
 * FAIL_TO_PASS tests' sources, read from the ORIGINAL files (the reference bodies go only to the
 * leak check).
 */
export async function statementInputFor(
  repo: string,
  task: VerifiedTask,
  read: (file: string) => Promise<string>,
  /** Functions located per file, shared between the tasks of one run (each file is parsed once). */
  located: Map<string, FunctionInfo[]> = new Map(),
): Promise<StatementInput> {
  const c = task.candidate;
  const tests = task.failToPass.map((id) => ({ id, ...parseTestId(id) }));
  const files = new Set([...c.nodesToDevelop.map((id) => parseFunctionId(id).file), ...tests.map((t) => t.file)]);
  const sources: Record<string, string> = {};
  for (const file of files) sources[file] = await read(file).catch(() => '');
  const wanted = new Set(c.nodesToDevelop);
  const functions: FunctionInfo[] = [];
  for (const file of new Set(c.nodesToDevelop.map((id) => parseFunctionId(id).file))) {
    let fns = located.get(file);
    if (!fns) {
      fns = locateFunctions(sources[file] ?? '', file);
      located.set(file, fns);
    }
    for (const fn of fns) if (wanted.has(fn.id)) functions.push(fn);
  }
  return buildStatementInput({ repo, step: c.step, instanceId: c.instanceId, functions, tests, passToPass: task.passToPass, sources });
}
