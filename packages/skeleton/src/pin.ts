import { createRequire } from 'node:module';
import type * as TsMorph from 'ts-morph';
import type {
  ArrowFunction,
  CompilerOptions,
  ConstructorDeclaration,
  FunctionDeclaration,
  FunctionExpression,
  GetAccessorDeclaration,
  MethodDeclaration,
  Node,
  Project,
  SetAccessorDeclaration,
  SourceFile,
} from 'ts-morph';
import { parseFunctionId } from '@swe-flow/core';
import { locateFunctions } from './locate.js';
import { applyInsertions, type Insertion } from './insertions.js';

/** A return-type annotation to insert at an offset of the original source. */
export interface ReturnTypePin extends Insertion {
  id: string;
  file: string;
}

export interface SourceText {
  /** Repo-relative POSIX path, as in function ids. */
  path: string;
  code: string;
}

export type PinSkipReason =
  | 'not-typescript'
  | 'not-found'
  | 'explicit-return-type'
  | 'no-return-type' // constructors and setters cannot carry one
  | 'nested-in-target' // inside another target's body: stubbed with its parent, no pin needed
  | 'any'
  | 'import-type'
  | 'too-long'
  | 'anonymous-type'
  | 'does-not-check';

export interface PinOptions {
  /**
   * A ts-morph Project to use (e.g. one made from the repo's tsconfig by the caller). Each file is
   * looked up at `<rootDir>/<path>` and (re)created there when missing or different. Without it, an
   * in-memory project with `compilerOptions`.
   */
  project?: Project;
  /** Absolute directory the repo-relative paths are resolved against in the project (default `/`). */
  rootDir?: string;
  compilerOptions?: CompilerOptions;
  /** Longest annotation text to insert (default 160 characters). */
  maxLength?: number;
  /**
   * Skip targets nested in another target's body (default true): they disappear with the parent.
   * Pass false when computing pins once for a whole repository and slicing them per step.
   */
  skipNested?: boolean;
  /** Type-check the pinned files and drop pins that do not resolve where they stand (default true). */
  verify?: boolean;
  onSkip?: (id: string, reason: PinSkipReason, typeText?: string) => void;
}

const TS_FILE = /\.(c|m)?tsx?$/;

let loaded: typeof TsMorph | undefined;

/** ts-morph, and TypeScript under it, load on first use: a JavaScript-only run never pays for them. */
function morph(): typeof TsMorph {
  return (loaded ??= createRequire(import.meta.url)('ts-morph') as typeof TsMorph);
}

function defaultOptions(): CompilerOptions {
  const { ts } = morph();
  return {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    strict: true,
    allowJs: true,
    skipLibCheck: true,
    noEmit: true,
    jsx: ts.JsxEmit.Preserve,
    experimentalDecorators: false,
  };
}

type FunctionLike =
  | FunctionDeclaration
  | FunctionExpression
  | ArrowFunction
  | MethodDeclaration
  | GetAccessorDeclaration
  | SetAccessorDeclaration
  | ConstructorDeclaration;

function isFunctionLike(node: Node): node is FunctionLike {
  const { Node } = morph();
  return (
    Node.isFunctionDeclaration(node) ||
    Node.isFunctionExpression(node) ||
    Node.isArrowFunction(node) ||
    Node.isMethodDeclaration(node) ||
    Node.isGetAccessorDeclaration(node) ||
    Node.isSetAccessorDeclaration(node) ||
    Node.isConstructorDeclaration(node)
  );
}

/** Start of the body as Babel reports it: parentheses around an expression body are not part of it. */
function bodyStartOf(fn: FunctionLike): number | undefined {
  let body: Node | undefined = fn.getBody();
  while (body && morph().Node.isParenthesizedExpression(body)) body = body.getExpression();
  return body?.getStart();
}

/** Function-like nodes with a body, keyed by `end:bodyStart` — the same numbers Babel reports. */
function indexFunctions(sf: SourceFile): Map<string, FunctionLike> {
  const out = new Map<string, FunctionLike>();
  sf.forEachDescendant((node) => {
    if (!isFunctionLike(node)) return;
    const start = bodyStartOf(node);
    if (start !== undefined) out.set(`${node.getEnd()}:${start}`, node);
  });
  return out;
}

function planPin(
  fn: FunctionLike,
  maxLength: number,
): { insertions: Insertion[]; text?: string } | { skip: PinSkipReason; text?: string } {
  const { Node, SyntaxKind, ts } = morph();
  if (Node.isConstructorDeclaration(fn) || Node.isSetAccessorDeclaration(fn)) return { skip: 'no-return-type' };
  if (fn.getReturnTypeNode()) return { skip: 'explicit-return-type' };
  const type = fn.getReturnType();
  const text = type.getText(fn, ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.UseAliasDefinedOutsideCurrentScope);
  if (type.isAny()) return { skip: 'any', text };
  if (text.includes('import(')) return { skip: 'import-type', text };
  if (text.length > maxLength) return { skip: 'too-long', text };
  if (/__type|__object|\.\.\./.test(text)) return { skip: 'anonymous-type', text };
  const annotation = `: ${text}`;
  const close = fn.getFirstChildByKind(SyntaxKind.CloseParenToken);
  if (close) return { insertions: [{ insertAt: close.getEnd(), text: annotation }], text };
  // `x => ...`: a single parameter without parentheses needs them to carry an annotation.
  const param = fn.getParameters()[0];
  if (!param) return { skip: 'anonymous-type', text };
  return {
    insertions: [
      { insertAt: param.getStart(), text: '(' },
      { insertAt: param.getEnd(), text: `)${annotation}` },
    ],
    text,
  };
}

function projectPath(rootDir: string, path: string): string {
  return `${rootDir.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

/**
 * For each target TypeScript function without an explicit return type, the type checker's inferred
 * return type as an annotation to insert, where it prints cleanly: no `import(...)` types, no `any`,
 * no anonymous or overlong types, and (with `verify`) only annotations that type-check where they
 * stand. Apply the pins to the reference and the base alike, so the patch holds only bodies.
 * Offsets are in the original `code` of each file; ids come from `locateFunctions` on it.
 */
export function computeReturnTypePins(
  files: readonly SourceText[],
  ids: Iterable<string>,
  options: PinOptions = {},
): ReturnTypePin[] {
  const maxLength = options.maxLength ?? 160;
  const skip = options.onSkip ?? (() => {});
  const byFile = new Map<string, Set<string>>();
  for (const id of ids) {
    const file = parseFunctionId(id).file;
    const set = byFile.get(file) ?? new Set<string>();
    set.add(id);
    byFile.set(file, set);
  }
  const project =
    options.project ??
    new (morph().Project)({
      useInMemoryFileSystem: true,
      compilerOptions: { ...defaultOptions(), ...options.compilerOptions },
    });
  const sourceFiles = new Map<string, SourceFile>();
  for (const f of files) {
    const p = projectPath(options.rootDir ?? '/', f.path);
    const existing = project.getSourceFile(p);
    if (existing && existing.getFullText() === f.code) sourceFiles.set(f.path, existing);
    else sourceFiles.set(f.path, project.createSourceFile(p, f.code, { overwrite: true }));
  }

  const pins: ReturnTypePin[] = [];
  for (const f of files) {
    const wanted = byFile.get(f.path);
    if (!wanted) continue;
    if (!TS_FILE.test(f.path)) {
      for (const id of wanted) skip(id, 'not-typescript');
      continue;
    }
    const sf = sourceFiles.get(f.path)!;
    const index = indexFunctions(sf);
    const infos = new Map(locateFunctions(f.code, f.path).map((i) => [i.id, i]));
    const targets = [...wanted].map((id) => infos.get(id)).filter((i) => i !== undefined);
    for (const id of wanted) {
      const info = infos.get(id);
      const fn = info && index.get(`${info.end}:${info.bodyStart}`);
      if (!info || !fn) {
        skip(id, 'not-found');
        continue;
      }
      if (options.skipNested !== false && targets.some((o) => o !== info && o.bodyStart <= info.start && info.end <= o.end)) {
        skip(id, 'nested-in-target');
        continue;
      }
      const plan = planPin(fn, maxLength);
      if ('skip' in plan) skip(id, plan.skip, plan.text);
      else for (const ins of plan.insertions) pins.push({ id, file: f.path, ...ins });
    }
  }
  for (const id of [...byFile.entries()].filter(([file]) => !sourceFiles.has(file)).flatMap(([, s]) => [...s])) {
    skip(id, 'not-found');
  }
  if (options.verify === false || pins.length === 0) return pins;
  return verifyPins(files, sourceFiles, pins, skip);
}

/**
 * Applies the pins in the project, type-checks each pinned file, and drops every pin whose
 * annotation carries a diagnostic (e.g. a type declared inside the function body, out of scope at
 * the signature). The project's files are restored afterwards.
 */
function verifyPins(
  files: readonly SourceText[],
  sourceFiles: Map<string, SourceFile>,
  pins: ReturnTypePin[],
  skip: NonNullable<PinOptions['onSkip']>,
): ReturnTypePin[] {
  const bad = new Set<string>();
  for (const f of files) {
    const filePins = pins.filter((p) => p.file === f.path);
    if (filePins.length === 0) continue;
    const sf = sourceFiles.get(f.path)!;
    // Where each pin's text lands in the pinned file: insertions before it shift it right.
    const order = filePins.map((p, i) => ({ p, i })).sort((a, b) => a.p.insertAt - b.p.insertAt || a.i - b.i);
    let shift = 0;
    const spans = order.map(({ p }) => {
      const start = p.insertAt + shift;
      shift += p.text.length;
      return { id: p.id, start, end: start + p.text.length };
    });
    sf.replaceWithText(applyInsertions(f.code, filePins));
    try {
      for (const d of sf.getPreEmitDiagnostics()) {
        const start = d.getStart();
        if (start === undefined) continue;
        for (const s of spans) if (start >= s.start && start < s.end) bad.add(s.id);
      }
    } finally {
      sf.replaceWithText(f.code);
    }
  }
  for (const id of bad) {
    const annotation = pins.find((p) => p.id === id && /^\)?: /.test(p.text))?.text;
    skip(id, 'does-not-check', annotation?.replace(/^\)?: /, ''));
  }
  return pins.filter((p) => !bad.has(p.id));
}

/** Convenience: the pinned text of every file that received a pin. */
export function pinReturnTypes(
  files: readonly SourceText[],
  ids: Iterable<string>,
  options: PinOptions = {},
): Map<string, string> {
  const pins = computeReturnTypePins(files, ids, options);
  const out = new Map<string, string>();
  for (const f of files) {
    const filePins = pins.filter((p) => p.file === f.path);
    if (filePins.length > 0) out.set(f.path, applyInsertions(f.code, filePins));
  }
  return out;
}
