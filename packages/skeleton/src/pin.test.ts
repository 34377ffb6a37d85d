import { describe, expect, it } from 'vitest';
import { Project, ts } from 'ts-morph';
import {
  applyInsertions,
  computeReturnTypePins,
  locateFunctions,
  pinReturnTypes,
  stubFunctions,
  type PinSkipReason,
  type SourceText,
} from './index.js';

const GEO = `export interface Point { x: number; y: number }
export function origin() { return { x: 0, y: 0 } as Point; }
export function area(r: number) { return Math.PI * r * r; }
export const double = (n: number) => n * 2;
export class Box<T> {
  constructor(private items: T[]) {}
  first() { return this.items[0]; }
  get size() { return this.items.length; }
  async load() { return this.items; }
  *each() { yield* this.items; }
}
export function explicit(): string { return 'x'; }
export function local() { class Hidden { v = 1; } return new Hidden(); }
export const inc: (n: number) => number = n => n + 1;
export function big() {
  return { alpha: 1, beta: 'b', gamma: true, delta: [1], epsilon: { zeta: 1, eta: 'x', theta: [true], iota: null, kappa: 1n } };
}
`;
const MAKE = `import { origin } from './geo.js';
export function twice() { return [origin(), origin()]; }
`;
const USE = `import { origin, area, double, Box, inc } from './geo.js';
const p: { x: number } = origin();
const a: number = area(2) + double(3) + inc(1);
const b = new Box([1, 2]);
const f: number | undefined = b.first();
const s: number = b.size;
export async function go(): Promise<number[]> { return b.load(); }
const e: number[] = [...b.each()];
export const all = [p, a, f, s, e];
`;
const FILES: SourceText[] = [
  { path: 'src/geo.ts', code: GEO },
  { path: 'src/make.ts', code: MAKE },
  { path: 'src/use.ts', code: USE },
];
const OPTIONS = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  strict: true,
  noEmit: true,
};

/** Real type-checker diagnostics of a set of files, as `file:line: message`. */
function diagnostics(files: SourceText[]): string[] {
  const project = new Project({ useInMemoryFileSystem: true, compilerOptions: OPTIONS });
  for (const f of files) project.createSourceFile(`/${f.path}`, f.code);
  return project.getPreEmitDiagnostics().map((d) => {
    const message = ts.flattenDiagnosticMessageText(d.getMessageText() as string | ts.DiagnosticMessageChain, ' ');
    return `${d.getSourceFile()?.getBaseName()}:${d.getLineNumber()}: ${message}`;
  });
}

function idsOf(file: SourceText): string[] {
  return locateFunctions(file.code, file.path).map((f) => f.id);
}

const targets = [...idsOf(FILES[0]!), ...idsOf(FILES[1]!)];

describe('computeReturnTypePins', () => {
  it('pins inferred return types where they print cleanly, and says why it skips the rest', () => {
    const skipped: Array<[string, PinSkipReason]> = [];
    const texts: Record<string, string | undefined> = {};
    const pins = computeReturnTypePins(FILES, targets, {
      compilerOptions: OPTIONS,
      maxLength: 80,
      onSkip: (id, reason, text) => {
        const name = id.replace(/^.*:\d+:\d+:/, '');
        skipped.push([name, reason]);
        texts[name] = text;
      },
    });
    const pinned = applyInsertions(GEO, pins.filter((p) => p.file === 'src/geo.ts'));
    expect(pinned).toContain('export function origin(): Point {');
    expect(pinned).toContain('export function area(r: number): number {');
    expect(pinned).toContain('export const double = (n: number): number => n * 2;');
    expect(pinned).toContain('first(): T {');
    expect(pinned).toContain('get size(): number {');
    expect(pinned).toContain('async load(): Promise<T[]> {');
    expect(pinned).toContain('*each(): Generator<T, void, unknown> {');
    expect(pinned).toContain('export const inc: (n: number) => number = (n): number => n + 1;');
    expect(new Map(skipped)).toEqual(
      new Map<string, PinSkipReason>([
        ['Box#constructor', 'no-return-type'],
        ['explicit', 'explicit-return-type'],
        ['local', 'does-not-check'],
        ['big', 'too-long'],
        // \`Point\` is not imported into make.ts: the annotation would not resolve there.
        ['twice', 'does-not-check'],
      ]),
    );
    expect(texts).toMatchObject({ twice: 'Point[]', local: 'Hidden' });
    // Outside the insertions the text is unchanged: removing them gives the original back.
    let restored = pinned;
    for (const p of [...pins].filter((x) => x.file === 'src/geo.ts').sort((a, b) => b.insertAt - a.insertAt)) {
      const at = p.insertAt + pins.filter((q) => q.file === 'src/geo.ts' && q.insertAt < p.insertAt).reduce((n, q) => n + q.text.length, 0);
      expect(restored.slice(at, at + p.text.length)).toBe(p.text);
      restored = restored.slice(0, at) + restored.slice(at + p.text.length);
    }
    expect(restored).toBe(GEO);
  });

  it('makes callers type-check again after stubbing (real diagnostics before and after)', () => {
    expect(diagnostics(FILES)).toEqual([]);
    const geoIds = idsOf(FILES[0]!);

    const bare = stubFunctions(GEO, 'src/geo.ts', geoIds);
    const broken = diagnostics([{ path: 'src/geo.ts', code: bare.code }, FILES[1]!, FILES[2]!]);
    expect(broken.filter((d) => d.startsWith('use.ts')).length).toBeGreaterThanOrEqual(4);

    const pins = computeReturnTypePins(FILES, geoIds, { compilerOptions: OPTIONS });
    const base = stubFunctions(GEO, 'src/geo.ts', geoIds, { insertions: pins });
    expect(base.droppedInsertions).toEqual([]);
    const reference = applyInsertions(GEO, pins);
    expect(diagnostics([{ path: 'src/geo.ts', code: base.code }, FILES[1]!, FILES[2]!])).toEqual([]);
    expect(diagnostics([{ path: 'src/geo.ts', code: reference }, FILES[1]!, FILES[2]!])).toEqual([]);
    // Base and reference differ only inside bodies: their signatures line up line by line.
    const signatures = (code: string) => locateFunctions(code, 'src/geo.ts').map((f) => code.slice(f.start, f.bodyStart));
    expect(signatures(base.code)).toEqual(signatures(reference));
    expect(signatures(reference)).toContain('function area(r: number): number ');
    // The stub still locates to the same ids as the original (pins move no line).
    expect(locateFunctions(base.code, 'src/geo.ts').map((f) => f.line)).toEqual(
      locateFunctions(GEO, 'src/geo.ts').map((f) => f.line),
    );
  });

  it('skips JavaScript files and unknown ids, and pinReturnTypes returns only changed files', () => {
    const skipped: string[] = [];
    const js: SourceText = { path: 'lib/a.js', code: 'export function f() { return 1; }\n' };
    const pins = computeReturnTypePins([js, ...FILES], [...idsOf(js), 'src/geo.ts:99:1:ghost', 'nowhere.ts:1:1:x'], {
      onSkip: (id, reason) => skipped.push(`${id}=${reason}`),
    });
    expect(pins).toEqual([]);
    expect(skipped.sort()).toEqual(['lib/a.js:1:8:f=not-typescript', 'nowhere.ts:1:1:x=not-found', 'src/geo.ts:99:1:ghost=not-found']);
    const out = pinReturnTypes(FILES, idsOf(FILES[0]!).filter((id) => id.endsWith(':area')), { compilerOptions: OPTIONS });
    expect([...out.keys()]).toEqual(['src/geo.ts']);
    expect(out.get('src/geo.ts')).toBe(GEO.replace('area(r: number) {', 'area(r: number): number {'));
  });

  it('works in a caller-provided project under a root directory and leaves its files as they were', () => {
    const project = new Project({ useInMemoryFileSystem: true, compilerOptions: OPTIONS });
    for (const f of FILES) project.createSourceFile(`/repo/${f.path}`, f.code);
    const pins = computeReturnTypePins(FILES, idsOf(FILES[0]!), { project, rootDir: '/repo/' });
    expect(pins.map((p) => p.text)).toContain(': Point');
    expect(project.getSourceFiles().map((sf) => sf.getFilePath()).sort()).toEqual(FILES.map((f) => `/repo/${f.path}`).sort());
    for (const f of FILES) expect(project.getSourceFileOrThrow(`/repo/${f.path}`).getFullText()).toBe(f.code);
  });

  it('does not pin a function that goes away with its stubbed parent', () => {
    const src: SourceText = { path: 'n.ts', code: 'export function outer(n: number) {\n  const inner = (k: number) => k * 2;\n  return inner(n);\n}\n' };
    const [outer, inner] = idsOf(src);
    const reasons: string[] = [];
    const both = computeReturnTypePins([src], [outer!, inner!], { onSkip: (id, r) => reasons.push(`${id}=${r}`) });
    expect(both.map((p) => `${p.id}${p.text}`)).toEqual([`${outer}: number`]);
    expect(reasons).toEqual([`${inner}=nested-in-target`]);
    const all = computeReturnTypePins([src], [outer!, inner!], { skipNested: false });
    expect(all.map((p) => p.id)).toEqual([outer, inner]);
    const alone = computeReturnTypePins([src], [inner!]);
    expect(applyInsertions(src.code, alone)).toContain('const inner = (k: number): number => k * 2;');
  });
});
