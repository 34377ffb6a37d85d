import MagicString from 'magic-string';
import type { NodePath, TraverseOptions } from '@babel/traverse';
import * as t from '@babel/types';
import { ErrorCodes, SweFlowError, parseFunctionId, type FunctionInfo } from '@swe-flow/core';
import { FUNCTION_VISITOR_KEY, describeFunction, hasBody, traverse, type FunctionPath } from './locate.js';
import { parseSource } from './parse.js';
import { addInsertions, type Insertion } from './insertions.js';

/** How the `throw` style's error message starts (`Not implemented: <name>`): lets a runner's failure be told to come from a stub. */
export const STUB_ERROR_PREFIX = 'Not implemented: ';

/**
 * `throw` (default): the body throws `Error("Not implemented: <name>")`.
 * `return-undefined`: the body returns `undefined` (constructors and setters get an empty body).
 */
export type StubStyle = 'throw' | 'return-undefined';

export interface StubOptions {
  style?: StubStyle;
  /** A parse of `code` to reuse (must come from `parseSource(code, file)`). */
  ast?: t.File;
  /**
   * Insertions on the original source (return-type pins, doc comments) applied in the same pass.
   * Those that fall inside a removed body are dropped with it (see `droppedInsertions`).
   */
  insertions?: readonly Insertion[];
}

export interface UnusedImport {
  /** The local binding name. */
  local: string;
  /** The imported name (`default`, `*` for a namespace import, or the exported name). */
  imported: string;
  source: string;
}

export interface StubResult {
  code: string;
  /** Ids whose bodies were replaced, in source order. */
  stubbed: string[];
  /** Ids that were targets but sat inside another target's removed body: gone with their parent. */
  stubbedByParent: string[];
  /** Ids of this file that name no function with a body (stale id, overload signature, typo). */
  notFound: string[];
  /** Ids of other files: ignored. */
  otherFiles: string[];
  /** Imports whose every use was inside a removed body (a `noUnusedLocals` check would now fail). */
  unusedImports: UnusedImport[];
  /** Module-level, non-exported declarations whose every use was inside a removed body. */
  unusedLocals: string[];
  /** Insertions dropped because they fell inside a removed body. */
  droppedInsertions: Insertion[];
}

interface Located {
  info: FunctionInfo;
  path: FunctionPath;
}

interface Removal {
  id: string;
  /** Replaced range [start, end) of the original source. */
  start: number;
  end: number;
  text: string;
}

const NEWLINE = /\r?\n/;

function lineStartOf(code: string, offset: number): number {
  return code.lastIndexOf('\n', offset - 1) + 1;
}

function indentAt(code: string, offset: number): string {
  const start = lineStartOf(code, offset);
  return /^[ \t]*/.exec(code.slice(start, offset))![0];
}

/** Whether only whitespace precedes `offset` on its line. */
function startsLine(code: string, offset: number): boolean {
  return /^[ \t]*$/.test(code.slice(lineStartOf(code, offset), offset));
}

function stubStatement(info: FunctionInfo, style: StubStyle, typescript: boolean): string {
  if (style === 'throw') return `throw new Error(${JSON.stringify(`${STUB_ERROR_PREFIX}${info.name}`)});`;
  if (info.kind === 'constructor' || info.kind === 'setter') return '';
  return typescript ? 'return undefined as any;' : 'return undefined;';
}

/** The first statement `super(...);` at the top level of a constructor body, if any. */
function leadingSuperCall(body: t.BlockStatement): t.Statement | undefined {
  return body.body.find(
    (s) => t.isExpressionStatement(s) && t.isCallExpression(s.expression) && t.isSuper(s.expression.callee),
  );
}

function isDerivedConstructor(path: FunctionPath): boolean {
  const node = path.node;
  if (!t.isClassMethod(node) || node.kind !== 'constructor') return false;
  const cls = path.findParent((p) => p.isClass()) as NodePath<t.Class> | null;
  return !!cls?.node.superClass;
}

/**
 * The range of the original source a stub replaces, and the replacement text. Block bodies keep
 * their braces and layout (one line stays one line); expression bodies become block bodies.
 */
function planRemoval(code: string, { info, path }: Located, style: StubStyle, typescript: boolean): Removal {
  const stmt = stubStatement(info, style, typescript);
  const body = path.node.body;
  if (!t.isBlockStatement(body)) {
    const extra = body.extra as { parenthesized?: boolean; parenStart?: number } | undefined;
    const start = extra?.parenthesized && typeof extra.parenStart === 'number' ? extra.parenStart : info.bodyStart;
    return { id: info.id, start, end: info.end, text: stmt ? `{ ${stmt} }` : '{}' };
  }
  const open = info.bodyStart;
  const close = info.bodyEnd - 1; // the closing brace
  const original = code.slice(open, info.bodyEnd);
  const eol = original.includes('\r\n') ? '\r\n' : '\n';
  const multiline = NEWLINE.test(original);
  const closeIndent = startsLine(code, close) ? indentAt(code, close) : indentAt(code, open);
  const first = body.body[0] ?? null;
  let unit = '  ';
  if (first?.start != null && startsLine(code, first.start)) {
    const firstIndent = indentAt(code, first.start);
    if (firstIndent.length > closeIndent.length && firstIndent.startsWith(closeIndent)) {
      unit = firstIndent.slice(closeIndent.length);
    }
  }
  const inner = closeIndent + unit;
  let start = open + 1;
  if (isDerivedConstructor(path)) {
    const sup = leadingSuperCall(body);
    if (sup?.end != null) start = sup.end;
  }
  const kept = start > open + 1;
  let text: string;
  if (!stmt) text = multiline && kept ? `${eol}${closeIndent}` : kept ? ' ' : '';
  else if (multiline) text = `${eol}${inner}${stmt}${eol}${closeIndent}`;
  else text = ` ${stmt} `;
  // `super(a)` without a semicolon (minified code) must not run into the stub on the same line.
  if (kept && stmt && code[start - 1] !== ';') text = `;${text}`;
  return { id: info.id, start, end: close, text };
}

/** Functions of a parse, per file name (ids embed it); a reused parse is traversed once. */
const locatedCache = new WeakMap<t.File, Map<string, Located[]>>();

function locateWithPaths(ast: t.File, file: string): Located[] {
  let byFile = locatedCache.get(ast);
  if (!byFile) locatedCache.set(ast, (byFile = new Map()));
  const cached = byFile.get(file);
  if (cached) return cached;
  const out: Located[] = [];
  traverse(ast, {
    [FUNCTION_VISITOR_KEY](path: FunctionPath) {
      if (hasBody(path)) out.push({ info: describeFunction(path, file), path });
    },
  } as TraverseOptions);
  out.sort((a, b) => a.info.start - b.info.start);
  byFile.set(file, out);
  return out;
}

function inside(ranges: readonly { start: number; end: number }[], pos: number): boolean {
  return ranges.some((r) => pos >= r.start && pos < r.end);
}

/** Leftmost identifier of a type-position entity name (`A.B.C` → `A`). */
function leftmost(node: t.Node | null | undefined): t.Identifier | null {
  let n: t.Node | null | undefined = node;
  while (n) {
    if (t.isIdentifier(n)) return n;
    if (t.isTSQualifiedName(n)) n = n.left;
    else if (t.isMemberExpression(n)) n = n.object;
    else return null;
  }
  return null;
}

/**
 * Babel's scope counts value references only; TypeScript type positions and JSX element names are
 * collected here by name. Shadowing in type positions is ignored (rare; errs towards "still used").
 */
function typeAndJsxReferences(ast: t.File): Map<string, number[]> {
  const refs = new Map<string, number[]>();
  const add = (id: t.Identifier | t.JSXIdentifier | null) => {
    if (!id || id.start == null) return;
    const list = refs.get(id.name) ?? [];
    list.push(id.start);
    refs.set(id.name, list);
  };
  traverse(ast, {
    TSTypeReference(p) {
      add(leftmost(p.node.typeName));
    },
    TSTypeQuery(p) {
      if (!t.isTSImportType(p.node.exprName)) add(leftmost(p.node.exprName));
    },
    // `extends`/`implements` clauses of interfaces and classes (Babel 7's node for both).
    TSExpressionWithTypeArguments(p) {
      add(leftmost(p.node.expression as t.Node));
    },
    JSXOpeningElement(p) {
      const name = p.node.name;
      if (t.isJSXMemberExpression(name)) {
        let object: t.Node = name.object;
        while (t.isJSXMemberExpression(object)) object = object.object;
        if (t.isJSXIdentifier(object)) add(object);
      } else if (t.isJSXIdentifier(name) && !/^[a-z]/.test(name.name)) {
        add(name); // lower-case names are intrinsic elements, not bindings
      }
    },
  } as TraverseOptions);
  return refs;
}

/** A module-level binding and where it is used (value, type and JSX references). */
interface ModuleBinding {
  name: string;
  uses: number[];
  /** Set for imports. */
  import?: UnusedImport;
  exported: boolean;
}

/** Module-level bindings of a parse, in scope order; they do not depend on what is stubbed. */
const bindingsCache = new WeakMap<t.File, ModuleBinding[]>();

function moduleBindings(ast: t.File): ModuleBinding[] {
  const cached = bindingsCache.get(ast);
  if (cached) return cached;
  const out: ModuleBinding[] = [];
  const typeRefs = typeAndJsxReferences(ast);
  traverse(ast, {
    Program(program) {
      for (const [name, binding] of Object.entries(program.scope.bindings)) {
        const uses = binding.referencePaths.map((r) => r.node.start).filter((s): s is number => s != null);
        uses.push(...(typeRefs.get(name) ?? []));
        const path = binding.path;
        if (binding.kind === 'module') {
          const decl = path.parentPath?.node;
          const source = t.isImportDeclaration(decl) ? decl.source.value : '';
          const spec = path.node;
          const imported = t.isImportDefaultSpecifier(spec)
            ? 'default'
            : t.isImportNamespaceSpecifier(spec)
              ? '*'
              : t.isImportSpecifier(spec)
                ? t.isIdentifier(spec.imported)
                  ? spec.imported.name
                  : spec.imported.value
                : name;
          out.push({ name, uses, import: { local: name, imported, source }, exported: false });
          continue;
        }
        const exported =
          path.parentPath?.isExportNamedDeclaration() ||
          path.parentPath?.isExportDefaultDeclaration() ||
          path.parentPath?.parentPath?.isExportNamedDeclaration();
        out.push({ name, uses, exported: !!exported });
      }
      program.stop();
    },
  } as TraverseOptions);
  bindingsCache.set(ast, out);
  return out;
}

function findUnused(ast: t.File, removed: readonly Removal[]): { unusedImports: UnusedImport[]; unusedLocals: string[] } {
  const unusedImports: UnusedImport[] = [];
  const unusedLocals: string[] = [];
  if (removed.length === 0) return { unusedImports, unusedLocals };
  for (const b of moduleBindings(ast)) {
    if (b.uses.length === 0 || !b.uses.every((s) => inside(removed, s))) continue;
    if (b.import) unusedImports.push({ ...b.import });
    else if (!b.exported) unusedLocals.push(b.name);
  }
  return { unusedImports, unusedLocals };
}

/**
 * Replaces the bodies of the functions with the given ids (ids from `locateFunctions` on this same
 * source) by a stub, all in one magic-string pass: everything outside the replaced ranges is
 * byte-identical. Signatures, types, decorators and comments outside the bodies stay. Derived-class
 * constructors keep everything up to and including their first top-level `super(...);`.
 */
export function stubFunctions(code: string, file: string, ids: Iterable<string>, options: StubOptions = {}): StubResult {
  const style = options.style ?? 'throw';
  if (style !== 'throw' && style !== 'return-undefined') {
    throw new SweFlowError(ErrorCodes.INPUT_INVALID, `unknown stub style "${String(style)}"; use "throw" or "return-undefined"`);
  }
  const typescript = /\.(c|m)?tsx?$/.test(file);
  const wanted = new Set<string>();
  const otherFiles: string[] = [];
  for (const id of ids) {
    let idFile: string;
    try {
      idFile = parseFunctionId(id).file;
    } catch (cause) {
      throw new SweFlowError(ErrorCodes.INPUT_INVALID, `"${id}" is not a function id; pass ids from locateFunctions`, { cause });
    }
    if (idFile === file) wanted.add(id);
    else otherFiles.push(id);
  }
  const ast = options.ast ?? parseSource(code, file);
  const located = wanted.size > 0 ? locateWithPaths(ast, file) : [];
  const found = new Set(located.map((l) => l.info.id));
  const notFound = [...wanted].filter((id) => !found.has(id));

  const removals: Removal[] = [];
  const stubbed: string[] = [];
  const stubbedByParent: string[] = [];
  for (const l of located) {
    if (!wanted.has(l.info.id)) continue;
    // Outer functions come first (sorted by start), so a nested target meets its parent's removal.
    if (removals.some((r) => l.info.start >= r.start && l.info.end <= r.end)) {
      stubbedByParent.push(l.info.id);
      continue;
    }
    removals.push(planRemoval(code, l, style, typescript));
    stubbed.push(l.info.id);
  }

  const ms = new MagicString(code);
  const kept: Insertion[] = [];
  const droppedInsertions: Insertion[] = [];
  for (const ins of options.insertions ?? []) {
    if (removals.some((r) => ins.insertAt > r.start && ins.insertAt < r.end)) droppedInsertions.push(ins);
    else kept.push(ins);
  }
  addInsertions(ms, kept);
  try {
    for (const r of removals) {
      if (r.start === r.end) ms.appendLeft(r.start, r.text);
      else ms.overwrite(r.start, r.end, r.text, { contentOnly: true });
    }
  } catch (cause) {
    throw new SweFlowError(ErrorCodes.STUB_FAILED, `could not stub functions in ${file}: ${(cause as Error).message}`, {
      cause,
      details: { file },
    });
  }
  const { unusedImports, unusedLocals } = findUnused(ast, removals);
  return {
    code: removals.length === 0 && kept.length === 0 ? code : ms.toString(),
    stubbed,
    stubbedByParent,
    notFound,
    otherFiles,
    unusedImports,
    unusedLocals,
    droppedInsertions,
  };
}
