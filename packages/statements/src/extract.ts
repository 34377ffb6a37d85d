import * as t from '@babel/types';
import type { FunctionInfo } from '@swe-flow/core';
import { parseSource, traverse } from '@swe-flow/skeleton';
import type { NodePath, TraverseOptions } from '@babel/traverse';
import type { StatementFunction, StatementHelper, StatementInput, StatementTest } from './types.js';

/**
 * Helpers for the emitter: cut a `StatementInput` out of the original sources. Pure (sources in,
 * data out), so the emitter decides where the files come from.
 */

/** The public face of a located function: the signature text up to the body, and its JSDoc if any. */
export function functionFace(code: string, info: FunctionInfo, ast: t.File = parseSource(code, info.file)): StatementFunction {
  const { jsdoc, declarationStart } = declarationOf(ast, code, info.start);
  // From the start of the declaration that holds the function (`export const add = `), so the
  // signature reads as it does in the file; never past the body.
  const signature = code.slice(Math.min(declarationStart, info.start), info.bodyStart).trimEnd();
  return {
    id: info.id,
    file: info.file,
    name: info.name,
    kind: info.kind,
    signature,
    ...(jsdoc ? { jsdoc } : {}),
    async: info.async,
    generator: info.generator,
  };
}

/** The body text of a located function, for the leak check only. */
export function referenceBody(code: string, info: FunctionInfo): string {
  return code.slice(info.bodyStart, info.bodyEnd);
}

/**
 * The declaration that holds a function (walking up through `export`, `const x =`, class fields, object
 * keys, assignments) and the last `/** … *\/` block attached to it.
 */
function declarationOf(ast: t.File, code: string, start: number): { jsdoc?: string; declarationStart: number } {
  let found: string | undefined;
  let declarationStart = start;
  let cur: NodePath | null = functionPathsOf(ast).get(start) ?? null;
  while (cur) {
    declarationStart = cur.node.start ?? declarationStart;
    const comments = cur.node.leadingComments ?? [];
    const doc = [...comments].reverse().find((c) => c.type === 'CommentBlock' && c.value.startsWith('*'));
    if (doc && doc.start != null && doc.end != null) {
      found = code.slice(doc.start, doc.end);
      break;
    }
    const parent: NodePath | null = cur.parentPath;
    if (
      !parent ||
      !(
        parent.isVariableDeclarator() ||
        (parent.isVariableDeclaration() && parent.node.declarations.length === 1) ||
        parent.isExportNamedDeclaration() ||
        parent.isExportDefaultDeclaration() ||
        parent.isClassProperty() ||
        parent.isClassPrivateProperty() ||
        parent.isObjectProperty() ||
        (parent.isAssignmentExpression() && cur.key === 'right') ||
        parent.isExpressionStatement()
      )
    ) {
      break;
    }
    cur = parent;
  }
  return found === undefined ? { declarationStart } : { jsdoc: found, declarationStart };
}

/** Per parsed file: the first function (in walk order) that starts at each offset. */
const functionPathCache = new WeakMap<t.File, Map<number, NodePath>>();

/**
 * One walk per file instead of one per function (a file's functions are looked up many times in a
 * run). No scopes: only parents are read.
 */
function functionPathsOf(ast: t.File): Map<number, NodePath> {
  let byStart = functionPathCache.get(ast);
  if (byStart) return byStart;
  const found = new Map<number, NodePath>();
  traverse(ast, {
    noScope: true,
    enter(path: NodePath) {
      const start = path.node.start;
      if (start != null && !found.has(start) && path.isFunction()) found.set(start, path);
    },
  } as TraverseOptions);
  byStart = found;
  functionPathCache.set(ast, byStart);
  return byStart;
}

const CONTAINERS = new Set(['describe', 'suite', 'context', 'describeIf', 'fdescribe', 'xdescribe']);
const TESTS = new Set(['it', 'test', 'specify', 'fit', 'xit', 'xtest', 'bench']);
const MODIFIERS = new Set(['only', 'skip', 'todo', 'concurrent', 'sequential', 'serial', 'failing', 'fails', 'runIf', 'skipIf', 'each', 'for', 'cb']);

/** `describe`, `it.only`, `test.each(table)`, `t.test` (node:test subtests) → its base word. */
function calleeWord(callee: t.Node): string | undefined {
  let cur = callee;
  for (;;) {
    if (t.isCallExpression(cur)) cur = cur.callee; // `it.each(table)(…)`, `test.skipIf(cond)(…)`
    else if (t.isTaggedTemplateExpression(cur)) cur = cur.tag; // it.each`table`
    else if (t.isMemberExpression(cur) && !cur.computed && t.isIdentifier(cur.property)) {
      if (MODIFIERS.has(cur.property.name)) cur = cur.object;
      else if (TESTS.has(cur.property.name) || CONTAINERS.has(cur.property.name)) return cur.property.name; // t.test
      else return undefined;
    } else if (t.isIdentifier(cur)) return cur.name;
    else return undefined;
  }
}

function titleOf(node: t.Node | undefined): string | undefined {
  if (!node) return undefined;
  if (t.isStringLiteral(node)) return node.value;
  if (t.isTemplateLiteral(node)) return node.quasis.map((q) => q.value.cooked ?? q.value.raw).join('${}');
  if (t.isIdentifier(node) || t.isMemberExpression(node) || t.isFunction(node)) return undefined;
  return undefined;
}

/** A title may be a template (`adds %i`, `$a + $b`, `${}`): match it loosely against the reported one. */
function titleMatches(pattern: string, actual: string): boolean {
  if (pattern === actual) return true;
  if (!/%[sdifjopO#%]|\$\w+|\$\{\}/.test(pattern)) return false;
  const parts = pattern.split(/(%[sdifjopO#]|\$\{\}|\$[\w.]+)/);
  const regex = parts.map((p, i) => (i % 2 === 1 ? '.*?' : p.replace(/%%/g, '%').replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('');
  return new RegExp(`^${regex}$`, 's').test(actual);
}

interface FoundTest {
  titles: string[];
  node: t.CallExpression;
}

/** Per parsed file: its tests (read-only once collected; a file's tests are looked up many times in a run). */
const testsCache = new WeakMap<t.File, FoundTest[]>();

function collectTests(ast: t.File): FoundTest[] {
  const cached = testsCache.get(ast);
  if (cached) return cached;
  const found: FoundTest[] = [];
  const stack: string[] = [];
  const titled = new WeakSet<t.Node>();
  traverse(ast, {
    // No scopes: only nodes are read.
    noScope: true,
    CallExpression: {
      enter(path: NodePath<t.CallExpression>) {
        const word = calleeWord(path.node.callee);
        const title = titleOf(path.node.arguments[0]);
        const isContainer = word !== undefined && CONTAINERS.has(word);
        const isTest = word !== undefined && TESTS.has(word);
        if ((!isContainer && !isTest) || title === undefined) return;
        if (isTest) found.push({ titles: [...stack, title], node: path.node });
        stack.push(title); // tests can hold subtests (node:test `t.test`)
        titled.add(path.node);
      },
      exit(path: NodePath<t.CallExpression>) {
        if (titled.has(path.node)) stack.pop();
      },
    },
  } as TraverseOptions);
  testsCache.set(ast, found);
  return found;
}

/**
 * The source of one test (its `it()` / `test()` call) found by its title path; `undefined` when it
 * cannot be found. Parametrised titles (`%s`, `$name`, template literals) match loosely.
 */
export function extractTestSource(code: string, file: string, titlePath: readonly string[], ast: t.File = parseSource(code, file)): { source: string; describe?: string } | undefined {
  const tests = collectTests(ast);
  const exact = tests.filter((x) => x.titles.length === titlePath.length && x.titles.every((p, i) => titleMatches(p, titlePath[i]!)));
  // Runners sometimes drop or add a level (a file-level suite): fall back to a unique last-title match.
  const byName = exact.length > 0 ? exact : tests.filter((x) => titleMatches(x.titles[x.titles.length - 1]!, titlePath[titlePath.length - 1] ?? ''));
  const hit = byName.length === 1 || exact.length > 0 ? byName[0] : undefined;
  if (!hit) return undefined;
  const source = code.slice(hit.node.start ?? 0, hit.node.end ?? 0);
  const describe = hit.titles.slice(0, -1).join(' > ');
  return describe ? { source, describe } : { source };
}

/**
 * The helper code of a test file: its top-level declarations that are not imports and not test or
 * suite calls (fixtures, builders, constants).
 */
export function extractTestHelpers(code: string, file: string, ast: t.File = parseSource(code, file)): string {
  const parts: string[] = [];
  for (const stmt of ast.program.body) {
    if (t.isImportDeclaration(stmt)) continue;
    if (t.isExpressionStatement(stmt)) continue; // describe()/it()/hooks/setup calls
    if (t.isVariableDeclaration(stmt) && stmt.declarations.some((d) => t.isCallExpression(d.init) && t.isIdentifier(d.init.callee) && d.init.callee.name === 'require')) continue;
    parts.push(code.slice(stmt.start ?? 0, stmt.end ?? 0));
  }
  return parts.join('\n\n');
}

export interface BuildStatementInputArgs {
  repo: string;
  step: number;
  instanceId?: string;
  /** Located functions to implement and the ORIGINAL source of their files. */
  functions: readonly FunctionInfo[];
  /** Test ids of the step (FAIL_TO_PASS). */
  tests: readonly { id: string; file: string; titlePath: readonly string[] }[];
  passToPass?: readonly string[];
  /** Original file contents by repo-relative path (sources and test files). */
  sources: Readonly<Record<string, string>>;
  /**
   * Parses a file's source (`parseSource`; `undefined` when it does not parse). Pass one shared by the
   * steps of a run so that each file is parsed, and its tests and functions walked, once per run.
   */
  parse?: (file: string, code: string) => t.File | undefined;
}

/** `parseSource`, or `undefined` when the file does not parse. */
function tryParse(file: string, code: string): t.File | undefined {
  try {
    return parseSource(code, file);
  } catch {
    return undefined;
  }
}

/** Builds the statement input of one step from located functions, test ids and the original sources. */
export function buildStatementInput(args: BuildStatementInputArgs): StatementInput {
  const asts = new Map<string, t.File>();
  const parse = args.parse ?? tryParse;
  const astOf = (file: string): t.File | undefined => {
    if (!asts.has(file)) {
      const code = args.sources[file];
      if (code === undefined) return undefined;
      const ast = parse(file, code);
      if (!ast) return undefined;
      asts.set(file, ast);
    }
    return asts.get(file);
  };
  const functions: StatementFunction[] = [];
  const referenceBodies: string[] = [];
  for (const info of args.functions) {
    const code = args.sources[info.file];
    const ast = astOf(info.file);
    if (code === undefined || !ast) continue;
    functions.push(functionFace(code, info, ast));
    referenceBodies.push(referenceBody(code, info));
  }
  const tests: StatementTest[] = args.tests.map((test) => {
    const code = args.sources[test.file];
    const ast = astOf(test.file);
    const found = code !== undefined && ast ? extractTestSource(code, test.file, test.titlePath, ast) : undefined;
    return {
      id: test.id,
      file: test.file,
      titlePath: [...test.titlePath],
      source: found?.source ?? '',
      ...(found?.describe ? { describe: found.describe } : {}),
    };
  });
  const helpers: StatementHelper[] = [];
  for (const file of [...new Set(args.tests.map((x) => x.file))].sort()) {
    const code = args.sources[file];
    const ast = astOf(file);
    if (code === undefined || !ast) continue;
    const source = extractTestHelpers(code, file, ast);
    if (source.trim()) helpers.push({ file, source });
  }
  return {
    repo: args.repo,
    step: args.step,
    ...(args.instanceId ? { instanceId: args.instanceId } : {}),
    functions,
    tests,
    ...(helpers.length > 0 ? { helpers } : {}),
    ...(args.passToPass && args.passToPass.length > 0 ? { passToPass: [...args.passToPass] } : {}),
    referenceBodies,
  };
}
