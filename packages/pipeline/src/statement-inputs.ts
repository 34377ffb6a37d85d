import * as t from '@babel/types';
import { parseFunctionId, parseTestId, type FunctionInfo } from '@swe-flow/core';
import { locateFunctions, parseSource, traverse } from '@swe-flow/skeleton';
import type { StatementFunction, StatementInput, StatementTest } from '@swe-flow/statements';
import type { VerifiedTask } from '@swe-flow/emitter';

const TEST_CALLS = new Set(['it', 'test', 'specify', 'serial']);
const SUITE_CALLS = new Set(['describe', 'suite', 'context']);

function calleeName(callee: t.Node): string | undefined {
  if (t.isIdentifier(callee)) return callee.name;
  if (t.isMemberExpression(callee) && t.isIdentifier(callee.property)) {
    // it.only / test.serial / t.test / describe.skip
    if (['only', 'skip', 'concurrent', 'sequential', 'todo', 'failing', 'serial'].includes(callee.property.name)) {
      const inner = calleeName(callee.object);
      return inner === 'test' && callee.property.name === 'serial' ? 'test' : inner;
    }
    return callee.property.name;
  }
  return undefined;
}

function titleOf(node: t.Node | undefined): string | undefined {
  if (t.isStringLiteral(node)) return node.value;
  if (t.isTemplateLiteral(node) && node.expressions.length === 0) return node.quasis.map((q) => q.value.cooked ?? '').join('');
  return undefined;
}

/** The source text of each test call (`it(...)`, `test(...)`), keyed by its title path joined with ` > `. */
export function findTestSources(code: string, file: string): Map<string, string> {
  const out = new Map<string, string>();
  let ast: t.File;
  try {
    ast = parseSource(code, file);
  } catch {
    return out;
  }
  const stack: string[] = [];
  const visit = (node: t.Node): void => {
    if (t.isCallExpression(node)) {
      const name = calleeName(node.callee);
      const title = titleOf(node.arguments[0] as t.Node | undefined);
      if (name && title !== undefined && (TEST_CALLS.has(name) || SUITE_CALLS.has(name))) {
        stack.push(title);
        const key = stack.join(' > ');
        if (!out.has(key) && node.start != null && node.end != null) out.set(key, code.slice(node.start, node.end));
        for (const arg of node.arguments.slice(1)) visit(arg);
        stack.pop();
        return;
      }
    }
    for (const key of t.VISITOR_KEYS[node.type] ?? []) {
      const child = (node as unknown as Record<string, unknown>)[key];
      if (Array.isArray(child)) for (const c of child) { if (c && typeof c === 'object' && 'type' in c) visit(c as t.Node); }
      else if (child && typeof child === 'object' && 'type' in child) visit(child as t.Node);
    }
  };
  visit(ast.program);
  void traverse;
  return out;
}

/** The JSDoc block right above a function (or the declaration it starts), if any. */
export function jsdocAbove(code: string, fn: Pick<FunctionInfo, 'start'>): string | undefined {
  const lineStart = code.lastIndexOf('\n', fn.start - 1) + 1;
  const before = code.slice(0, lineStart).trimEnd();
  if (!before.endsWith('*/')) return undefined;
  const open = before.lastIndexOf('/**');
  if (open < 0) return undefined;
  const comment = before.slice(open);
  return comment.includes('*/') && comment.indexOf('*/') === comment.length - 2 ? comment : undefined;
}

export interface SourceReader {
  (file: string): Promise<string>;
}

/** Builds what the statement writers need from a verified task: public signatures and test sources only. */
export async function statementInputFor(repo: string, task: VerifiedTask, read: SourceReader): Promise<StatementInput> {
  const c = task.candidate;
  const byFile = new Map<string, string[]>();
  for (const id of c.nodesToDevelop) {
    const { file } = parseFunctionId(id);
    byFile.set(file, [...(byFile.get(file) ?? []), id]);
  }
  const functions: StatementFunction[] = [];
  const referenceBodies: string[] = [];
  for (const [file, ids] of byFile) {
    const code = await read(file);
    const located = new Map(locateFunctions(code, file).map((f) => [f.id, f]));
    for (const id of ids) {
      const fn = located.get(id);
      if (!fn) continue;
      const jsdoc = jsdocAbove(code, fn);
      functions.push({
        id, file, name: fn.name, kind: fn.kind,
        signature: code.slice(fn.start, fn.bodyStart).trim().replace(/=>\s*$/, '=>').trim(),
        ...(jsdoc ? { jsdoc } : {}),
        async: fn.async, generator: fn.generator,
      });
      referenceBodies.push(code.slice(fn.bodyStart, fn.bodyEnd));
    }
  }
  const tests: StatementTest[] = [];
  const sourcesByFile = new Map<string, Map<string, string>>();
  for (const id of task.failToPass) {
    const { file, titlePath } = parseTestId(id);
    let sources = sourcesByFile.get(file);
    if (!sources) {
      sources = findTestSources(await read(file).catch(() => ''), file);
      sourcesByFile.set(file, sources);
    }
    const source = sources.get(titlePath.join(' > ')) ?? '';
    tests.push({ id, file, titlePath, source, ...(titlePath.length > 1 ? { describe: titlePath.slice(0, -1).join(' > ') } : {}) });
  }
  return { repo, step: c.step, instanceId: c.instanceId, functions, tests, passToPass: task.passToPass, referenceBodies };
}
