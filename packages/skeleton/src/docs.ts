import type { NodePath, TraverseOptions } from '@babel/traverse';
import * as t from '@babel/types';
import { FUNCTION_VISITOR_KEY, describeFunction, hasBody, traverse, type FunctionPath } from './locate.js';
import { parseSource } from './parse.js';
import { applyInsertions, type Insertion } from './insertions.js';

export interface DocInsertion extends Insertion {
  id: string;
  file: string;
}

export type DocSkipReason = 'not-found' | 'has-doc' | 'inline' | 'empty';

export interface DocPlan {
  insertions: DocInsertion[];
  skipped: Array<{ id: string; reason: DocSkipReason }>;
}

/**
 * The node a doc comment belongs before: the statement or member that introduces the function
 * (`export function f`, `const f = () => …`, a class field, an object property), or null when the
 * function is an inline expression (a callback argument) where a doc block would not read as one.
 */
function anchorOf(path: FunctionPath): NodePath | null {
  const node = path.node;
  const parent = path.parentPath;
  if (!parent) return null;
  if (t.isFunctionDeclaration(node)) {
    return parent.isExportNamedDeclaration() || parent.isExportDefaultDeclaration() ? parent : path;
  }
  if (t.isClassMethod(node) || t.isClassPrivateMethod(node) || t.isObjectMethod(node)) return path;
  if (parent.isClassProperty() || parent.isClassPrivateProperty()) return parent;
  if (parent.isObjectProperty() && parent.node.value === node) return parent;
  if (parent.isExportDefaultDeclaration()) return parent;
  if (parent.isVariableDeclarator() && parent.node.init === node) {
    const decl = parent.parentPath;
    if (!decl?.isVariableDeclaration() || decl.node.declarations.length !== 1) return null;
    return decl.parentPath?.isExportNamedDeclaration() ? decl.parentPath : decl;
  }
  if (parent.isAssignmentExpression() && parent.node.right === node && parent.parentPath?.isExpressionStatement()) {
    return parent.parentPath;
  }
  return null;
}

function hasDocComment(...nodes: t.Node[]): boolean {
  return nodes.some((n) => (n.leadingComments ?? []).some((c) => c.type === 'CommentBlock' && c.value.startsWith('*')));
}

function docBlock(doc: string, indent: string, eol: string, atLineStart: boolean): string {
  const lines = doc
    .replace(/\*\//g, '*\\/')
    .replace(/\r\n?/g, '\n')
    .trim()
    .split('\n')
    .map((l) => l.trimEnd());
  if (!atLineStart) return `/** ${lines.join(' ')} */ `;
  const body = lines.map((l) => (l ? `${indent} * ${l}` : `${indent} *`)).join(eol);
  return `/**${eol}${body}${eol}${indent} */${eol}${indent}`;
}

/** Where doc comments go, as insertions on the original source (ids from `locateFunctions`). */
export function planDocComments(code: string, file: string, docs: Readonly<Record<string, string>>, ast?: t.File): DocPlan {
  const wanted = new Set(Object.keys(docs));
  const insertions: DocInsertion[] = [];
  const skipped: DocPlan['skipped'] = [];
  if (wanted.size === 0) return { insertions, skipped };
  const eol = code.includes('\r\n') ? '\r\n' : '\n';
  const seen = new Set<string>();
  const anchored = new Set<number>();
  traverse(ast ?? parseSource(code, file), {
    [FUNCTION_VISITOR_KEY](path: FunctionPath) {
      if (!hasBody(path)) return;
      const info = describeFunction(path, file);
      if (!wanted.has(info.id)) return;
      seen.add(info.id);
      const doc = docs[info.id] ?? '';
      if (!doc.trim()) return void skipped.push({ id: info.id, reason: 'empty' });
      const anchor = anchorOf(path);
      if (!anchor || anchor.node.start == null) return void skipped.push({ id: info.id, reason: 'inline' });
      if (hasDocComment(anchor.node, path.node) || anchored.has(anchor.node.start)) {
        return void skipped.push({ id: info.id, reason: 'has-doc' });
      }
      const at = anchor.node.start;
      const lineStart = code.lastIndexOf('\n', at - 1) + 1;
      const before = code.slice(lineStart, at);
      const atLineStart = /^[ \t]*$/.test(before);
      anchored.add(at);
      insertions.push({ id: info.id, file, insertAt: at, text: docBlock(doc, atLineStart ? before : '', eol, atLineStart) });
    },
  } as TraverseOptions);
  for (const id of wanted) if (!seen.has(id)) skipped.push({ id, reason: 'not-found' });
  insertions.sort((a, b) => a.insertAt - b.insertAt);
  return { insertions, skipped };
}

/**
 * Inserts a JSDoc block before each function in `docs` that has none, indented like the line it
 * precedes; everything else stays byte-identical. Inline callbacks and documented functions are left.
 */
export function insertDocComments(code: string, file: string, docs: Readonly<Record<string, string>>): string {
  return applyInsertions(code, planDocComments(code, file, docs).insertions);
}
