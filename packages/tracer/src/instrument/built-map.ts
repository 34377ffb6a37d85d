/**
 * Build output the tests run (a `dist/` compiled from `src/`), mapped back to the repository's own
 * sources: each function of a built file is given the id of the source function it was compiled from,
 * so the trace names source functions (the ones a task stubs) although the tests ran the built copies.
 * Two maps: the build's own source maps (`//# sourceMappingURL=`, inline or a file), or, for a plain
 * transpile without maps (config `builtSources`), the file of the same relative path in the folder it
 * was built from, functions matched by qualified name in order.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { originalPositionFor, TraceMap } from '@jridgewell/trace-mapping';
import type { FunctionInfo } from '@swe-flow/core';
import { locateFunctions } from '@swe-flow/skeleton';

/** A folder of build output the tests read, and how its files map back to the sources. */
export interface BuiltOutputDir {
  /** Repo-relative folder the build writes (`dist`, `lib/cjs`). */
  dir: string;
  /** `source-map`: the build's own maps; `same-names`: the file of the same path under `from`. */
  map: 'source-map' | 'same-names';
  /** `same-names`: the repo-relative folder its files are built from. */
  from?: string;
}

/** How the traced runs' instrumenter learns the build output (JSON list of `BuiltOutputDir`). */
export const BUILT_OUTPUT_ENV = 'SWEFLOW_BUILT_OUTPUT';

export function builtOutputFromEnv(): BuiltOutputDir[] {
  const text = process.env[BUILT_OUTPUT_ENV];
  if (!text) return [];
  try {
    const parsed = JSON.parse(text) as unknown;
    return Array.isArray(parsed) ? (parsed as BuiltOutputDir[]) : [];
  } catch {
    return [];
  }
}

export function builtDirOf(relFile: string, dirs: readonly BuiltOutputDir[]): BuiltOutputDir | undefined {
  return dirs.find((d) => relFile.startsWith(`${d.dir.replace(/\/+$/, '')}/`));
}

/** A built file's functions, mapped to the source file it was built from. */
export interface BuiltFileMap {
  /** Repo-relative source file. */
  source: string;
  /** The source function a built function was compiled from, when one is found. */
  idOf(built: FunctionInfo): string | undefined;
}

/** Test code compiled with the rest stays a test file of its own (the runner runs the built copy by its path). */
const TEST_SOURCE = /(^|\/)(test|tests|__tests__|spec|specs)\/|\.(test|spec)\.[cm]?[jt]sx?$/;

const SOURCE_EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs'];

const qualifiedName = (f: FunctionInfo) => f.name;

const sourceFunctionCache = new Map<string, FunctionInfo[]>();

/** The functions of a source file (located once per process). */
export function sourceFunctionsOf(root: string, rel: string): FunctionInfo[] | undefined {
  const abs = path.join(root, rel);
  const cached = sourceFunctionCache.get(abs);
  if (cached) return cached;
  let code: string;
  try {
    code = readFileSync(abs, 'utf8');
  } catch {
    return undefined;
  }
  const fns = locateFunctions(code, rel);
  sourceFunctionCache.set(abs, fns);
  return fns;
}

/** The source map a built file names (inline data URL or a file next to it), or undefined. */
export function readSourceMap(code: string, absFile: string): { map: TraceMap; mapDir: string } | undefined {
  const m = /\/\/[#@]\s*sourceMappingURL=([^\s'"]+)\s*$/m.exec(code.slice(-4096)) ?? /\/\/[#@]\s*sourceMappingURL=([^\s'"]+)/.exec(code);
  let text: string | undefined;
  let mapDir = path.dirname(absFile);
  if (m) {
    const url = m[1]!;
    if (url.startsWith('data:')) {
      const comma = url.indexOf(',');
      const payload = url.slice(comma + 1);
      text = /;base64$/.test(url.slice(0, comma)) ? Buffer.from(payload, 'base64').toString('utf8') : decodeURIComponent(payload);
    } else {
      const file = path.resolve(mapDir, decodeURIComponent(url));
      text = readOr(file);
      mapDir = path.dirname(file);
    }
  } else if (existsSync(`${absFile}.map`)) {
    text = readOr(`${absFile}.map`);
  }
  if (!text) return undefined;
  try {
    return { map: new TraceMap(text), mapDir };
  } catch {
    return undefined;
  }
}

function readOr(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** The nearest source function of the same qualified name to a mapped position (within a few lines). */
function nearestByName(candidates: readonly FunctionInfo[], name: string, line: number, column: number): FunctionInfo | undefined {
  let best: FunctionInfo | undefined;
  let bestScore = Infinity;
  for (const f of candidates) {
    if (qualifiedName(f) !== name) continue;
    const score = Math.abs(f.line - line) * 1000 + Math.abs(f.column - column);
    if (score < bestScore) {
      best = f;
      bestScore = score;
    }
  }
  return best && Math.abs(best.line - line) <= 3 ? best : undefined;
}

/** Through the build's source map: the source file most of the file's functions map to. */
export function mapBySourceMap(code: string, absFile: string, root: string): BuiltFileMap | undefined {
  const read = readSourceMap(code, absFile);
  if (!read) return undefined;
  const built = locateFunctions(code, path.relative(root, absFile).split(path.sep).join('/'));
  const positions = new Map<FunctionInfo, { source: string; line: number; column: number }>();
  const votes = new Map<string, number>();
  for (const b of built) {
    const p = originalPositionFor(read.map, { line: b.line, column: Math.max(0, b.column - 1) });
    if (p.source === null || p.line === null) continue;
    const source = path.relative(root, path.resolve(read.mapDir, p.source)).split(path.sep).join('/');
    if (source.startsWith('..')) continue;
    positions.set(b, { source, line: p.line, column: (p.column ?? 0) + 1 });
    votes.set(source, (votes.get(source) ?? 0) + 1);
  }
  const source = [...votes].sort((a, b) => b[1] - a[1])[0]?.[0];
  if (source === undefined) return undefined;
  const fns = sourceFunctionsOf(root, source);
  if (!fns) return undefined;
  const ids = new Map<string, string>();
  for (const [b, p] of positions) {
    if (p.source !== source) continue;
    const hit = nearestByName(fns, qualifiedName(b), p.line, p.column);
    if (hit) ids.set(b.id, hit.id);
  }
  return { source, idOf: (b) => ids.get(b.id) };
}

/** The file of the same relative path (any source extension) under the folder it was built from. */
export function sameNameSource(relFile: string, dir: BuiltOutputDir, exists: (rel: string) => boolean): string | undefined {
  if (!dir.from) return undefined;
  const inner = relFile.slice(dir.dir.replace(/\/+$/, '').length + 1).replace(/\.[cm]?[jt]sx?$/, '');
  const base = `${dir.from.replace(/\/+$/, '')}/${inner}`;
  return SOURCE_EXTENSIONS.map((ext) => base + ext).find(exists);
}

/** A plain transpile: functions matched by qualified name and their order among functions of that name. */
function mapBySameNames(code: string, relFile: string, root: string, dir: BuiltOutputDir): BuiltFileMap | undefined {
  const source = sameNameSource(relFile, dir, (rel) => existsSync(path.join(root, rel)));
  const fns = source ? sourceFunctionsOf(root, source) : undefined;
  if (!source || !fns) return undefined;
  const byName = new Map<string, FunctionInfo[]>();
  for (const f of fns) byName.set(qualifiedName(f), [...(byName.get(qualifiedName(f)) ?? []), f]);
  const seen = new Map<string, number>();
  const ids = new Map<string, string>();
  for (const b of locateFunctions(code, relFile)) {
    const name = qualifiedName(b);
    const k = seen.get(name) ?? 0;
    seen.set(name, k + 1);
    const hit = byName.get(name)?.[k];
    if (hit) ids.set(b.id, hit.id);
  }
  return { source, idOf: (b) => ids.get(b.id) };
}

/**
 * The map of a built file back to its source, or undefined when it has none (its functions then stay
 * unrecorded) or when its source is test code (it is then instrumented as the file it is).
 */
export function mapBuiltFile(code: string, absFile: string, root: string, dir: BuiltOutputDir): BuiltFileMap | undefined {
  const rel = path.relative(root, absFile).split(path.sep).join('/');
  const mapped = dir.map === 'same-names' ? mapBySameNames(code, rel, root, dir) : mapBySourceMap(code, absFile, root);
  return mapped;
}

/** Whether a built file's source is test code (kept as a test file under its built path). */
export function isTestSource(source: string): boolean {
  return TEST_SOURCE.test(source);
}
