/**
 * The instrumenting transform: Babel source to source on the repository's ORIGINAL code. Function ids
 * come from `@swe-flow/skeleton`'s locator, computed on the pristine AST before anything changes, so
 * they always equal the ids the stubber computes. TypeScript syntax is kept (the runner's own
 * transformer compiles afterwards). See README.md, "How instrumented code looks".
 */
import { transformFromAstSync } from '@babel/core';
import * as generatorNs from '@babel/generator';
import * as traverseNs from '@babel/traverse';
import type { NodePath } from '@babel/traverse';
import * as t from '@babel/types';
import type { FunctionInfo } from '@swe-flow/core';
import { describeFunction, hasBody, parseSource, type FunctionPath } from '@swe-flow/skeleton';
import { builtDirOf, builtOutputFromEnv, isTestSource, mapBuiltFile, mapBySourceMap, sourceFunctionsOf, type BuiltFileMap, type BuiltOutputDir } from './built-map.js';
import { relativeSourcePath, shouldInstrument, type InstrumentFilter } from './filter.js';

export interface InstrumentOptions {
  /** Absolute repository root; ids use paths relative to it. */
  root: string;
  /** Source map of `code` (when `code` is itself generated); the output map is composed with it. */
  inputSourceMap?: object | null;
  /** Extra exclusions (build output detected for this repository, for example). */
  exclude?: InstrumentFilter;
  /**
   * Build output the tests run, mapped back to the sources (default: `SWEFLOW_BUILT_OUTPUT` of the
   * environment, which traced runs set): a built file's functions are recorded under the ids of the
   * source functions they were compiled from.
   */
  builtOutput?: readonly BuiltOutputDir[];
}

export interface InstrumentResult {
  code: string;
  map: SourceMapObject | null;
  /** Every function of the file with a body, in source order (the manifest), instrumented or not. */
  functions: FunctionInfo[];
  /** Repo-relative POSIX path. */
  file: string;
}

export interface SourceMapObject {
  version: number;
  sources: string[];
  names: string[];
  mappings: string;
  file?: string;
  sourcesContent?: (string | null)[];
}

/** The global the recorder installs (runtime/recorder.cjs). */
export const RECORDER_GLOBAL = '__SWEFLOW__';
const BASE = '__sfB';
const MODULE_PREV = '__sfM';
const PREV = '__sfp';
const VALUE = '__sfv';
const BUCKET = '__sfb';
const MODULE_VALUE = '__sfMv';

type GenerateFn = (ast: t.Node, opts: Record<string, unknown>, code: string) => { code: string; map: SourceMapObject | null };
// @babel/generator is CommonJS: under ESM its function arrives as `generate` (or `default`).
const generatorAny = generatorNs as unknown as { generate?: GenerateFn; default: GenerateFn | { default: GenerateFn } };
const generate: GenerateFn =
  generatorAny.generate ?? (typeof generatorAny.default === 'function' ? generatorAny.default : generatorAny.default.default);

// @babel/traverse is CommonJS: under ESM `NodePath` arrives as a named export (or on `default`).
const traverseAny = traverseNs as unknown as { NodePath?: typeof NodePath; default: { NodePath: typeof NodePath } };
const NodePathClass: typeof NodePath = traverseAny.NodePath ?? traverseAny.default.NodePath;

/** Used when the code runs without the recorder: the same hot API, doing nothing. */
const NOOP_RECORDER =
  '{c:-1,ml:0,b:null,f:function(){return 0},e:function(){return -1},s:function(p,v){return v},r:function(i,p){return p},m:function(){return -1},me:function(){},ms:function(p,v){return v},mr:function(){return -1},ai:function(s){return s}}';

interface FunctionWork {
  path: FunctionPath;
  info: FunctionInfo;
  index: number;
  suspends: (t.AwaitExpression | t.YieldExpression)[];
  catches: t.CatchClause[];
  finalizers: t.BlockStatement[];
  forAwaits: NodePath<t.ForOfStatement>[];
}

function rec(): t.Identifier {
  return t.identifier(RECORDER_GLOBAL);
}

function call(method: string, args: t.Expression[]): t.CallExpression {
  return t.callExpression(t.memberExpression(rec(), t.identifier(method)), args);
}

function idExpr(index: number): t.Expression {
  return t.binaryExpression('+', t.identifier(BASE), t.numericLiteral(index));
}

/** Replaces a node's content in place, so every reference to it (paths, parents) stays valid. */
function morph(node: t.Node, replacement: t.Node): void {
  const target = node as unknown as Record<string, unknown>;
  for (const key of Object.keys(target)) delete target[key];
  Object.assign(target, replacement);
}

/** `__sfp = __SWEFLOW__.r(ID, __sfp)`: after a resume (or an exception that skipped the resume). */
function resumeStatement(index: number): t.Statement {
  return t.expressionStatement(t.assignmentExpression('=', t.identifier(PREV), resumeCall(index)));
}

/** Resuming from the event loop restores the edge bucket the function started in (its test). */
function resumeCall(index: number): t.CallExpression {
  return call('r', [idExpr(index), t.identifier(PREV), t.identifier(BUCKET)]);
}

function containsSuperCall(node: t.Node): boolean {
  let found = false;
  const visit = (n: t.Node | null | undefined): void => {
    if (!n || found) return;
    if (t.isCallExpression(n) && t.isSuper(n.callee)) {
      found = true;
      return;
    }
    // `super()` cannot appear inside nested non-arrow functions or classes of the constructor.
    if ((t.isFunction(n) && !t.isArrowFunctionExpression(n)) || t.isClass(n)) return;
    for (const key of t.VISITOR_KEYS[n.type] ?? []) {
      const child = (n as unknown as Record<string, unknown>)[key];
      if (Array.isArray(child)) for (const c of child) visit(c as t.Node);
      else if (child && typeof child === 'object') visit(child as t.Node);
    }
  };
  visit(node);
  return found;
}

function isDerivedConstructor(path: FunctionPath): boolean {
  const node = path.node;
  if (!(t.isClassMethod(node) && node.kind === 'constructor')) return false;
  const cls = path.findParent((p) => p.isClass()) as NodePath<t.Class> | null;
  return !!cls?.node.superClass;
}

function instrumentFunction(work: FunctionWork): void {
  const node = work.path.node;
  const { index } = work;
  const suspending = !!node.async || !!node.generator;

  // Expression-bodied arrows become blocks.
  if (!t.isBlockStatement(node.body)) {
    const expr = node.body as t.Expression;
    (node as t.ArrowFunctionExpression).body = t.blockStatement([t.returnStatement(expr)]);
    (node as t.ArrowFunctionExpression).expression = false;
  }
  const body = node.body as t.BlockStatement;

  if (suspending) {
    for (const s of work.suspends) {
      // `await E` -> `(__sfv = await __SWEFLOW__.s(__sfp, E), __sfp = __SWEFLOW__.r(ID, __sfp), __sfv)`:
      // E runs with this function current; the caller gets control back with itself current.
      const inner = { ...s } as t.AwaitExpression | t.YieldExpression;
      const arg = inner.argument ?? t.identifier('undefined');
      inner.argument = call('s', [t.identifier(PREV), arg as t.Expression]);
      morph(
        s,
        t.sequenceExpression([
          t.assignmentExpression('=', t.identifier(VALUE), inner),
          t.assignmentExpression('=', t.identifier(PREV), resumeCall(index)),
          t.identifier(VALUE),
        ]),
      );
    }
    // A rejected await (or a throw into a generator) skips the resume: fix up where control lands.
    for (const c of work.catches) c.body.body.unshift(resumeStatement(index));
    for (const f of work.finalizers) f.body.unshift(resumeStatement(index));
    // `for await`: its implicit awaits suspend through an iterator wrapper; the body and the code
    // after the loop resume.
    for (const loopPath of work.forAwaits) {
      const loop = loopPath.node;
      loop.right = call('ai', [loop.right, t.arrowFunctionExpression([], t.identifier(PREV))]);
      if (t.isBlockStatement(loop.body)) loop.body.body.unshift(resumeStatement(index));
      else loop.body = t.blockStatement([resumeStatement(index), loop.body]);
      const labeled = loopPath.parentPath?.isLabeledStatement() ? loopPath.parentPath.node : null;
      const target: t.Statement = labeled ?? loop;
      morph(target, t.blockStatement([{ ...target } as t.Statement, resumeStatement(index)]));
    }
  }

  let head: t.Statement[] = [];
  let rest = body.body;
  if (isDerivedConstructor(work.path)) {
    // Everything up to and including `super(...)` stays outside the try: class fields initialise
    // right after it, and `super()` inside a block would change nothing but scoping of the head.
    const k = rest.findIndex((s) => containsSuperCall(s));
    if (k < 0) return; // super() only in nested positions: leave this constructor uninstrumented
    head = rest.slice(0, k + 1);
    rest = rest.slice(k + 1);
  }

  const enter = t.variableDeclaration(suspending ? 'let' : 'const', [
    t.variableDeclarator(t.identifier(PREV), call('e', [idExpr(index)])),
    ...(suspending
      ? [t.variableDeclarator(t.identifier(VALUE)), t.variableDeclarator(t.identifier(BUCKET), t.memberExpression(rec(), t.identifier('b')))]
      : []),
  ]);
  // Sync: restore the caller. Suspending: only when still current (else a resume was skipped and
  // whoever is current now is right).
  const restoreValue = suspending
    ? t.conditionalExpression(
        t.binaryExpression('===', t.memberExpression(rec(), t.identifier('c')), idExpr(index)),
        t.identifier(PREV),
        t.memberExpression(rec(), t.identifier('c')),
      )
    : t.identifier(PREV);
  const restore = t.expressionStatement(t.assignmentExpression('=', t.memberExpression(rec(), t.identifier('c')), restoreValue));
  // In derived constructors the enter goes before `super(...)` (allowed: it does not touch `this`), so
  // the parent constructor and the super arguments are charged to this constructor.
  body.body = [enter, ...head, t.tryStatement(t.blockStatement(rest), null, t.blockStatement([restore]))];
}

/** Where a node sits, as @babel/traverse would make its path: parent node, container, list key, key. */
interface WalkFrame {
  node: t.Node;
  parentNode: t.Node;
  parent: WalkFrame | undefined;
  container: unknown;
  /** `undefined` for the program, `null` for other single children (as @babel/traverse sets it). */
  listKey: string | null | undefined;
  key: string | number;
  path?: NodePath;
}

/** The node's NodePath, made (with its ancestors') exactly as @babel/traverse makes it during a walk. */
function pathOf(frame: WalkFrame): NodePath {
  if (frame.path) return frame.path;
  const parentPath = frame.parent ? pathOf(frame.parent) : undefined;
  frame.path = NodePathClass.get({
    parentPath,
    parent: frame.parentNode,
    container: frame.container,
    listKey: frame.listKey,
    key: frame.key,
  } as never) as unknown as NodePath;
  return frame.path;
}

/** Locates every function (ids from the shared locator) and instruments those with bodies. */
export function instrumentSource(code: string, absFile: string, options: InstrumentOptions): InstrumentResult | null {
  const file = relativeSourcePath(options.root, absFile);
  if (file === undefined) return null;
  const dirs = options.builtOutput ?? builtOutputFromEnv();
  const built = dirs.length > 0 ? builtDirOf(file, dirs) : undefined;
  if (built) return instrumentBuilt(code, absFile, file, built, options);
  if (!shouldInstrument(file, absFile, options.exclude)) return null;
  const self = compiledByAnotherHook(code, absFile, file, options.root);
  if (self) {
    const out = instrumentFile(code, absFile, file, options, self);
    return out ? { ...out, functions: sourceFunctionsOf(options.root, file) ?? [] } : null;
  }
  return instrumentFile(code, absFile, file, options);
}

/**
 * Code another require hook compiled before ours (`mocha -r @babel/register`, ts-node): it carries an
 * inline source map back to the file itself. Its functions are then recorded under the ids of the file's
 * own functions (the ones a task stubs), not at the compiled positions, which no source file has.
 */
function compiledByAnotherHook(code: string, absFile: string, file: string, root: string): BuiltFileMap | undefined {
  if (!code.includes('sourceMappingURL=data:')) return undefined;
  const map = mapBySourceMap(code, absFile, root);
  return map && map.source === file ? map : undefined;
}

/**
 * A file of build output: its functions recorded under the ids of the source functions they were built
 * from (the manifest is the source file's); built test code as the file it is; nothing without a map.
 */
function instrumentBuilt(code: string, absFile: string, file: string, dir: BuiltOutputDir, options: InstrumentOptions): InstrumentResult | null {
  if (!/\.[cm]?jsx?$/.test(file)) return null;
  const map = mapBuiltFile(code, absFile, options.root, dir);
  if (!map) return null;
  if (isTestSource(map.source)) return instrumentFile(code, absFile, file, options);
  const out = instrumentFile(code, absFile, file, options, map);
  return out ? { ...out, file: map.source, functions: sourceFunctionsOf(options.root, map.source) ?? [] } : null;
}

/** Top-level await: the module stops loading while suspended and resumes as the module node (innermost first). */
function instrumentTopLevelAwaits(awaits: t.AwaitExpression[]): void {
  for (const a of [...awaits].reverse()) {
    const inner = { ...a } as t.AwaitExpression;
    inner.argument = call('ms', [t.identifier(MODULE_PREV), inner.argument]);
    morph(
      a,
      t.sequenceExpression([
        t.assignmentExpression('=', t.identifier(MODULE_VALUE), inner),
        t.assignmentExpression('=', t.identifier(MODULE_PREV), call('mr', [t.identifier(BASE)])),
        t.identifier(MODULE_VALUE),
      ]),
    );
  }
}

function instrumentFile(code: string, absFile: string, file: string, options: InstrumentOptions, remap?: BuiltFileMap): InstrumentResult | null {
  const ast = parseSource(code, file);

  // Pass 1, on the pristine AST: ids, and what belongs to which function.
  const works: FunctionWork[] = [];
  const topLevelAwaits: t.AwaitExpression[] = [];
  const byNode = new Map<t.Node, FunctionWork>();
  // Every node is visited as @babel/traverse would (pre-order, the same nodes, the same order), but
  // a NodePath is made only for functions, `for await` loops and their ancestors: paths for every
  // node were most of the cost of this pass.
  const enclosing: t.Node[] = []; // the functions around the current node, innermost last
  const owner = (): FunctionWork | undefined => {
    const fn = enclosing[enclosing.length - 1];
    return fn ? byNode.get(fn) : undefined;
  };
  const visit = (frame: WalkFrame): void => {
    const node = frame.node;
    // Map every original node to the absolute file (the parser tagged them with the relative path).
    if (node.loc) node.loc.filename = undefined as unknown as string;
    switch (node.type) {
      case 'FunctionDeclaration':
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
      case 'ObjectMethod':
      case 'ClassMethod':
      case 'ClassPrivateMethod': {
        const path = pathOf(frame) as FunctionPath;
        if (!hasBody(path)) break;
        const described = describeFunction(path, file);
        // Built code: only functions compiled from a source function are recorded, under its id.
        const mappedId = remap ? remap.idOf(described) : described.id;
        if (mappedId === undefined) break;
        const work: FunctionWork = {
          path,
          info: mappedId === described.id ? described : { ...described, id: mappedId },
          index: 0,
          suspends: [],
          catches: [],
          finalizers: [],
          forAwaits: [],
        };
        works.push(work);
        byNode.set(node, work);
        break;
      }
      case 'AwaitExpression':
        if (enclosing.length === 0) topLevelAwaits.push(node);
        else owner()?.suspends.push(node);
        break;
      case 'YieldExpression':
        owner()?.suspends.push(node);
        break;
      case 'CatchClause':
        owner()?.catches.push(node);
        break;
      case 'TryStatement':
        if (node.finalizer) owner()?.finalizers.push(node.finalizer);
        break;
      case 'ForOfStatement':
        if (node.await) owner()?.forAwaits.push(pathOf(frame) as NodePath<t.ForOfStatement>);
        break;
      default:
        break;
    }
    const isFunction = t.isFunction(node);
    if (isFunction) enclosing.push(node);
    const keys = t.VISITOR_KEYS[node.type];
    if (keys) {
      const fields = node as unknown as Record<string, unknown>;
      for (const key of keys) {
        const prop = fields[key];
        if (!prop) continue;
        if (Array.isArray(prop)) {
          for (let i = 0; i < prop.length; i++) {
            const child = prop[i] as t.Node | null;
            if (child) visit({ node: child, parentNode: node, parent: frame, container: prop, listKey: key, key: i });
          }
        } else {
          visit({ node: prop as t.Node, parentNode: node, parent: frame, container: node, listKey: null, key });
        }
      }
    }
    if (isFunction) enclosing.pop();
  };
  // @babel/traverse on a File starts at its program (the File node itself is not visited).
  visit({ node: ast.program, parentNode: ast, parent: undefined, container: ast, listKey: undefined, key: 'program' });

  works.sort((a, b) => a.info.start - b.info.start);
  works.forEach((w, i) => (w.index = i + 1));
  const functions = works.map((w) => w.info);

  // Pass 2: rewrite. Inner suspends first (post-order), so nested awaits keep their own wrappers.
  for (const w of works) w.suspends.reverse();
  for (const w of works) instrumentFunction(w);

  instrumentTopLevelAwaits(topLevelAwaits);

  const program = ast.program;
  // The recorder is read as a bare global, never through `globalThis`: a module may declare its own
  // `var globalThis` (object-inspect's tests do), which is hoisted and still undefined here.
  const prelude = parseStatements(
    `var ${BASE} = (typeof ${RECORDER_GLOBAL} !== "undefined" && ${RECORDER_GLOBAL} || (Function("return this")().${RECORDER_GLOBAL} = ${NOOP_RECORDER})).f(${JSON.stringify(file)}, ${JSON.stringify(functions.map((f) => f.id))}${remap ? `, ${JSON.stringify(remap.source)}` : ''});\n` +
      `var ${MODULE_PREV} = ${RECORDER_GLOBAL}.m(${BASE})${topLevelAwaits.length > 0 ? `, ${MODULE_VALUE}` : ''};`,
  );
  program.body.unshift(...prelude);
  program.body.push(t.expressionStatement(call('me', [t.identifier(MODULE_PREV)])));

  const out = print(ast, code, absFile, options.inputSourceMap ?? undefined);
  return out ? { ...out, functions, file } : null;
}

/**
 * The generator options @babel/core derives for `transformFromAstSync` with the options below
 * (transformation/normalize-opts.js), so printing directly gives byte-identical code and map.
 */
function generatorOptions(absFile: string): Record<string, unknown> {
  return {
    filename: absFile,
    auxiliaryCommentBefore: undefined,
    auxiliaryCommentAfter: undefined,
    retainLines: false,
    comments: true,
    shouldPrintComment: undefined,
    compact: false,
    minified: undefined,
    sourceMaps: true,
    sourceRoot: undefined,
    sourceFileName: absFile,
    jsescOption: { minimal: true },
    inputSourceMap: undefined,
  };
}

/**
 * Prints the rewritten AST with a source map. Without an input source map, @babel/core only adds a
 * whole-program scope crawl and a no-op block-hoist traversal before calling the generator: the
 * generator is called directly. With one (given, or a `sourceMappingURL` comment that @babel/core
 * would read and strip), @babel/core does the work (map composition, comment extraction).
 */
function print(ast: t.File, code: string, absFile: string, inputSourceMap: object | undefined): { code: string; map: SourceMapObject | null } | null {
  if (inputSourceMap === undefined && !code.includes('sourceMappingURL')) {
    const out = generate(ast, generatorOptions(absFile), code);
    return out.code ? { code: out.code, map: out.map ?? null } : null;
  }
  const out = transformFromAstSync(ast, code, {
    configFile: false,
    babelrc: false,
    filename: absFile,
    sourceFileName: absFile,
    sourceMaps: true,
    inputSourceMap: inputSourceMap as never,
    code: true,
    ast: false,
    cloneInputAst: false,
    compact: false,
    retainLines: false,
    generatorOpts: { jsescOption: { minimal: true } },
  } as never);
  if (!out?.code) return null;
  return { code: out.code, map: (out.map as SourceMapObject | null) ?? null };
}

/** Generated statements carry no locations, so they map to nothing. */
function parseStatements(source: string): t.Statement[] {
  const body = parseSource(source, 'prelude.js').program.body;
  for (const node of body) t.removePropertiesDeep(node);
  return body;
}
