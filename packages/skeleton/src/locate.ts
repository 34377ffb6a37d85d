import * as traverseNs from '@babel/traverse';
import type { NodePath, TraverseOptions } from '@babel/traverse';
import * as t from '@babel/types';
import { formatFunctionId, type FunctionInfo, type FunctionKind } from '@swe-flow/core';
import { parseSource } from './parse.js';

type TraverseFn = (parent: t.Node, opts: TraverseOptions) => void;
// @babel/traverse is CommonJS; under ESM its function arrives as `default` (or `default.default`).
const traverseAny = traverseNs as unknown as { default: TraverseFn | { default: TraverseFn } };
export const traverse: TraverseFn =
  typeof traverseAny.default === 'function' ? traverseAny.default : traverseAny.default.default;

/** Babel node types that are functions with bodies we can trace and stub. */
export type FunctionPath = NodePath<
  t.FunctionDeclaration | t.FunctionExpression | t.ArrowFunctionExpression | t.ObjectMethod | t.ClassMethod | t.ClassPrivateMethod
>;

export const FUNCTION_VISITOR_KEY =
  'FunctionDeclaration|FunctionExpression|ArrowFunctionExpression|ObjectMethod|ClassMethod|ClassPrivateMethod';

function keyName(key: t.Node, computed: boolean): string {
  if (!computed) {
    if (t.isIdentifier(key)) return key.name;
    if (t.isPrivateName(key)) return `#${key.id.name}`;
    if (t.isStringLiteral(key)) return key.value;
    if (t.isNumericLiteral(key)) return String(key.value);
  }
  if (t.isStringLiteral(key)) return key.value;
  if (t.isMemberExpression(key) && t.isIdentifier(key.object) && t.isIdentifier(key.property)) {
    return `[${key.object.name}.${key.property.name}]`;
  }
  return '[computed]';
}

function className(path: NodePath): string {
  const cls = path.findParent((p) => p.isClass()) as NodePath<t.Class> | null;
  if (!cls) return '<class>';
  if (cls.node.id) return cls.node.id.name;
  const parent = cls.parentPath;
  if (parent?.isVariableDeclarator() && t.isIdentifier(parent.node.id)) return parent.node.id.name;
  if (parent?.isExportDefaultDeclaration()) return 'default';
  return '<class>';
}

function objectName(objectPath: NodePath | null): string {
  const parent = objectPath?.parentPath;
  if (parent?.isVariableDeclarator() && t.isIdentifier(parent.node.id)) return parent.node.id.name;
  if (parent?.isAssignmentExpression()) return memberText(parent.node.left);
  if (parent?.isObjectProperty()) return keyName(parent.node.key, parent.node.computed);
  if (parent?.isExportDefaultDeclaration()) return 'default';
  return '<object>';
}

function memberText(node: t.Node): string {
  if (t.isIdentifier(node)) return node.name;
  if (t.isThisExpression(node)) return 'this';
  if (t.isMemberExpression(node) && !node.computed) return `${memberText(node.object)}.${keyName(node.property, false)}`;
  if (t.isMemberExpression(node)) return `${memberText(node.object)}[computed]`;
  return '<expr>';
}

/** The name a function carries on its own, without its enclosing function's prefix. */
function ownName(path: FunctionPath): { name: string; kind: FunctionKind; isStatic: boolean } {
  const node = path.node;
  if (t.isClassMethod(node) || t.isClassPrivateMethod(node)) {
    const cls = className(path);
    const key = keyName(node.key, 'computed' in node ? !!node.computed : false);
    const isStatic = node.static;
    const sep = isStatic ? '.' : '#';
    if (node.kind === 'constructor') return { name: `${cls}#constructor`, kind: 'constructor', isStatic: false };
    if (node.kind === 'get') return { name: `${cls}${sep}get:${key}`, kind: 'getter', isStatic };
    if (node.kind === 'set') return { name: `${cls}${sep}set:${key}`, kind: 'setter', isStatic };
    return { name: `${cls}${sep}${key}`, kind: 'method', isStatic };
  }
  if (t.isObjectMethod(node)) {
    const obj = objectName(path.parentPath);
    const key = keyName(node.key, node.computed);
    if (node.kind === 'get') return { name: `${obj}.get:${key}`, kind: 'getter', isStatic: false };
    if (node.kind === 'set') return { name: `${obj}.set:${key}`, kind: 'setter', isStatic: false };
    return { name: `${obj}.${key}`, kind: 'object-method', isStatic: false };
  }
  if (t.isFunctionDeclaration(node)) {
    return { name: node.id?.name ?? 'default', kind: 'declaration', isStatic: false };
  }
  const kind: FunctionKind = t.isArrowFunctionExpression(node) ? 'arrow' : 'expression';
  const parent = path.parentPath;
  if (parent.isClassProperty() || parent.isClassPrivateProperty()) {
    const cls = className(parent);
    const key = keyName(parent.node.key, 'computed' in parent.node ? !!parent.node.computed : false);
    return { name: `${cls}${parent.node.static ? '.' : '#'}${key}`, kind: 'class-field', isStatic: !!parent.node.static };
  }
  if (t.isFunctionExpression(node) && node.id) return { name: node.id.name, kind, isStatic: false };
  if (parent.isVariableDeclarator() && t.isIdentifier(parent.node.id)) return { name: parent.node.id.name, kind, isStatic: false };
  if (parent.isObjectProperty() && parent.node.value === node) {
    return { name: `${objectName(parent.parentPath)}.${keyName(parent.node.key, parent.node.computed)}`, kind: 'object-method', isStatic: false };
  }
  if (parent.isAssignmentExpression() && parent.node.right === node) return { name: memberText(parent.node.left), kind, isStatic: false };
  if (parent.isExportDefaultDeclaration()) return { name: 'default', kind, isStatic: false };
  if (parent.isAssignmentPattern() && parent.node.right === node && t.isIdentifier(parent.node.left)) {
    return { name: parent.node.left.name, kind, isStatic: false };
  }
  return { name: '<anonymous>', kind, isStatic: false };
}

/**
 * The qualified name: the function's own name, prefixed by the names of the functions it is nested
 * in (`outer/inner`). Class and object members carry their container's name already.
 */
export function qualifiedName(path: FunctionPath): { name: string; kind: FunctionKind; isStatic: boolean } {
  const own = ownName(path);
  const enclosing = path.getFunctionParent() as FunctionPath | null;
  if (!enclosing) return own;
  return { ...own, name: `${qualifiedName(enclosing).name}/${own.name}` };
}

/** Everything the tracer and the stubber need to know about one function, computed one way. */
export function describeFunction(path: FunctionPath, file: string): FunctionInfo {
  const node = path.node;
  const loc = node.loc;
  if (!loc || node.start == null || node.end == null || node.body.start == null || node.body.end == null) {
    throw new Error(`function without location in ${file}`);
  }
  const { name, kind, isStatic } = qualifiedName(path);
  const line = loc.start.line;
  const column = loc.start.column + 1;
  return {
    id: formatFunctionId({ file, line, column, name }),
    file,
    name,
    kind,
    line,
    column,
    endLine: loc.end.line,
    async: !!node.async,
    generator: !!node.generator,
    static: isStatic,
    start: node.start,
    end: node.end,
    bodyStart: node.body.start,
    bodyEnd: node.body.end,
    expressionBody: !t.isBlockStatement(node.body),
  };
}

/** Whether a function node has a body we can instrument or stub (not an overload or `declare`). */
export function hasBody(path: FunctionPath): boolean {
  const node = path.node as t.Node & { body?: t.Node | null; declare?: boolean };
  if (!node.body) return false;
  if (t.isTSDeclareMethod(node) || t.isTSDeclareFunction(node)) return false;
  if ((t.isClassMethod(node) || t.isClassPrivateMethod(node)) && (node as t.ClassMethod).abstract) return false;
  return !node.declare;
}

/** All functions with bodies in a file, in source order. */
export function locateFunctions(code: string, file: string, ast: t.File = parseSource(code, file)): FunctionInfo[] {
  const out: FunctionInfo[] = [];
  traverse(ast, {
    // Names and kinds come from parents only: building scopes was most of the walk's cost.
    noScope: true,
    [FUNCTION_VISITOR_KEY](path: FunctionPath) {
      if (hasBody(path)) out.push(describeFunction(path, file));
    },
  } as TraverseOptions);
  out.sort((a, b) => a.start - b.start);
  return out;
}
