import * as t from '@babel/types';
import { parseSource, SOURCE_FILE_PATTERN, traverse } from '@swe-flow/skeleton';

const RESOLVE_EXTS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs', '.json'];

/** Resolves a relative specifier against the repo's file set; null when it leaves the repo or is unknown. */
export function resolveRelative(fromFile: string, spec: string, files: ReadonlySet<string>): string | null {
  const dir = fromFile.includes('/') ? fromFile.slice(0, fromFile.lastIndexOf('/')) : '';
  const parts = (dir ? `${dir}/${spec}` : spec).split('/');
  const out: string[] = [];
  for (const p of parts) {
    if (p === '' || p === '.') continue;
    if (p === '..') { if (out.length === 0) return null; out.pop(); } else out.push(p);
  }
  const base = out.join('/');
  const candidates = [base, ...RESOLVE_EXTS.map((e) => base + e), ...RESOLVE_EXTS.map((e) => `${base}/index${e}`)];
  // ESM TypeScript writes `./x.js` for `./x.ts`.
  const m = /\.(m|c)?js$/.exec(base);
  if (m) {
    const stem = base.slice(0, -m[0].length);
    candidates.push(`${stem}.${m[1] ?? ''}ts`, `${stem}.tsx`);
  }
  return candidates.find((c) => files.has(c)) ?? null;
}

export interface ImportGraph {
  /** file → files it imports (resolved, repo-relative). */
  imports: Map<string, Set<string>>;
  /** Files with an import we could not resolve inside the repo that may still be the repo's own code. */
  uncertain: Set<string>;
}

/**
 * The static import graph of the repo's own source files: `import`, `export … from`, `require()`
 * and `import()` with string literals. Bare specifiers that name the package itself, or that look
 * like path aliases (`@/`, `~/`, `#`), make a file uncertain: it is then treated as affected by any change.
 */
export function buildImportGraph(
  sources: ReadonlyMap<string, string>,
  allFiles: ReadonlySet<string>,
  selfNames: readonly string[] = [],
): ImportGraph {
  const imports = new Map<string, Set<string>>();
  const uncertain = new Set<string>();
  for (const [file, code] of sources) {
    if (!SOURCE_FILE_PATTERN.test(file)) continue;
    const deps = new Set<string>();
    imports.set(file, deps);
    let ast: t.File;
    try {
      ast = parseSource(code, file);
    } catch {
      uncertain.add(file);
      continue;
    }
    const add = (spec: string) => {
      if (spec.startsWith('.')) {
        const resolved = resolveRelative(file, spec, allFiles);
        if (resolved) deps.add(resolved);
      } else if (selfNames.some((n) => spec === n || spec.startsWith(`${n}/`)) || /^(@\/|~\/|#)/.test(spec)) {
        uncertain.add(file);
      }
    };
    traverse(ast, {
      ImportDeclaration(p) { add(p.node.source.value); },
      ExportNamedDeclaration(p) { if (p.node.source) add(p.node.source.value); },
      ExportAllDeclaration(p) { add(p.node.source.value); },
      CallExpression(p) {
        const { callee, arguments: args } = p.node;
        const first = args[0];
        if (!t.isStringLiteral(first)) return;
        if ((t.isIdentifier(callee, { name: 'require' }) || t.isImport(callee)) ||
          (t.isMemberExpression(callee) && t.isIdentifier(callee.property) && ['mock', 'doMock', 'requireActual', 'importActual'].includes(callee.property.name))) {
          add(first.value);
        }
      },
    });
  }
  return { imports, uncertain };
}

/** The files among `testFiles` that import, directly or transitively, one of `changed`. */
export function affectedTestFiles(graph: ImportGraph, testFiles: readonly string[], changed: ReadonlySet<string>): Set<string> {
  // Walk the reversed graph from the changed files: everything reached imports a changed file.
  const importers = new Map<string, string[]>();
  for (const [file, deps] of graph.imports) {
    for (const dep of deps) {
      const list = importers.get(dep);
      if (list) list.push(file);
      else importers.set(dep, [file]);
    }
  }
  const reached = new Set<string>([...changed, ...graph.uncertain]);
  const queue = [...reached];
  while (queue.length > 0) {
    const file = queue.pop()!;
    for (const importer of importers.get(file) ?? []) {
      if (!reached.has(importer)) {
        reached.add(importer);
        queue.push(importer);
      }
    }
  }
  return new Set(testFiles.filter((f) => reached.has(f)));
}
