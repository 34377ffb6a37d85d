import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseFunctionId, type FunctionInfo, type RdgJson, type TraceJson } from '@swe-flow/core';
import { functionUnits, stubTargetsOf } from '@swe-flow/scheduler';
import { locateFunctions } from '@swe-flow/skeleton';

/** Non-blank lines of a function body, without the lines that hold only its braces (a one-line body counts 1). */
function bodyLines(code: string, fn: Pick<FunctionInfo, 'bodyStart' | 'bodyEnd' | 'expressionBody'>): number {
  let text = code.slice(fn.bodyStart, fn.bodyEnd);
  if (!fn.expressionBody) text = text.replace(/^\{/, '').replace(/\}$/, '');
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '').length;
  return Math.max(1, lines);
}

/** Located functions of one file of the traced copy, read once; undefined when the file cannot be read or parsed. */
export class SourceIndex {
  private readonly files = new Map<string, Promise<{ code: string; byId: Map<string, FunctionInfo> } | undefined>>();

  constructor(private readonly root: string) {}

  file(file: string) {
    let entry = this.files.get(file);
    if (!entry) {
      entry = readFile(path.join(this.root, file), 'utf8').then(
        (code) => {
          try {
            return { code, byId: new Map(locateFunctions(code, file).map((f) => [f.id, f])) };
          } catch {
            return undefined;
          }
        },
        () => undefined,
      );
      this.files.set(file, entry);
    }
    return entry;
  }
}

/**
 * The lines each core node of the RDG adds when a step develops it: the non-blank body lines of what
 * stubbing it replaces (the unit, or a factory's inner functions, outermost only), read from the
 * traced copy of the repository (`trace.root`). Where a file cannot be read, the manifest's line span
 * stands in (`endLine - line - 1`, at least 1).
 */
export async function unitLines(trace: TraceJson, rdg: RdgJson): Promise<Record<string, number>> {
  const units = functionUnits(trace.functions);
  const moduleLoad = new Set(trace.moduleLoadFunctions);
  const manifest = new Map(Object.values(trace.functions ?? {}).flat().map((f) => [f.id, f]));
  const sources = new SourceIndex(trace.root);
  const out: Record<string, number> = {};
  for (const { id, role } of rdg.merged.nodes) {
    if (role !== 'core') continue;
    const located: FunctionInfo[] = [];
    let estimate = 0;
    for (const target of stubTargetsOf(id, units, moduleLoad)) {
      const source = await sources.file(parseFunctionId(target).file);
      const fn = source?.byId.get(target);
      if (source && fn) located.push(fn);
      else {
        const m = manifest.get(target);
        estimate += m ? Math.max(1, m.endLine - m.line - 1) : 1;
      }
    }
    // A target nested in another target's body goes with it: count the outermost only.
    const outermost = located.filter((f) => !located.some((g) => g !== f && g.file === f.file && g.bodyStart <= f.start && f.end <= g.bodyEnd));
    let lines = estimate;
    for (const f of outermost) lines += bodyLines((await sources.file(f.file))!.code, f);
    out[id] = lines;
  }
  return out;
}
