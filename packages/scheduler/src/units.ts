import { parseFunctionId, type Edge, type FunctionManifestEntry, type TraceJson } from '@swe-flow/core';
import { compareStrings } from './order.js';

/**
 * Named units of work. A task asks for something a developer would be asked to write: a named
 * function, method or class member. Every function of the trace's manifest belongs to one unit:
 *
 * - the chain of a function is the function and the functions it is nested in, innermost first;
 * - its unit is the **outermost** function of that chain whose own name is stable (a declaration,
 *   a variable, a class member, an object-literal method or property of a named object, an
 *   assignment target; not `<anonymous>`, not a member of `<object>`/`<class>`, not `[computed]`);
 *   an anonymous callback is developed with the function that holds it, and so is a named helper
 *   nested in another named function;
 * - a function with no stably named function in its chain (an IIFE, a module-level callback) is its
 *   own unit and is *anonymous*: it is never developed on its own.
 *
 * Nesting is read from the manifest: the enclosing function `P` of `B` is the innermost function of
 * the same file whose qualified name followed by `/` begins `B`'s name and whose lines enclose `B`'s.
 */
export interface FunctionUnits {
  /** Function id → its unit's id, for every function that is not its own unit. */
  unitOf: ReadonlyMap<string, string>;
  /** Unit id → every function of the manifest it holds, itself included (only units holding more than themselves). */
  members: ReadonlyMap<string, readonly string[]>;
  /** Units without a stable name anywhere in their chain. */
  anonymous: ReadonlySet<string>;
}

const UNSTABLE = /<anonymous>|<object>|<class>|<expr>|\[computed\]/;

/** Whether a function's own name (its last segment) is one a developer would recognise and that stays the same. */
export function isStableName(ownName: string): boolean {
  return ownName.length > 0 && !UNSTABLE.test(ownName);
}

interface Located {
  id: string;
  name: string;
  line: number;
  column: number;
  endLine: number;
  parent: Located | null;
  ownName: string;
}

/** Parent links of one file's functions (source order, innermost enclosing function). */
function nestFile(entries: readonly FunctionManifestEntry[]): Located[] {
  const sorted = entries
    .map((e): Located => ({ id: e.id, name: e.name, line: e.line, column: e.column, endLine: e.endLine, parent: null, ownName: e.name }))
    .sort((a, b) => a.line - b.line || a.column - b.column);
  const open: Located[] = [];
  for (const f of sorted) {
    while (open.length > 0 && open[open.length - 1]!.endLine < f.line) open.pop();
    for (let i = open.length - 1; i >= 0; i--) {
      const p = open[i]!;
      if (p.endLine >= f.endLine && f.name.startsWith(`${p.name}/`) && (p.line < f.line || p.column < f.column)) {
        f.parent = p;
        f.ownName = f.name.slice(p.name.length + 1);
        break;
      }
    }
    open.push(f);
  }
  return sorted;
}

/** The unit of one located function: the outermost stably named function of its chain, or itself (anonymous). */
function unitOfLocated(f: Located): { unit: Located; anonymous: boolean } {
  let unit: Located | null = null;
  for (let p: Located | null = f; p; p = p.parent) if (isStableName(p.ownName)) unit = p;
  return unit ? { unit, anonymous: false } : { unit: f, anonymous: true };
}

/** The units of every function in a trace's manifest (`trace.functions`). Pure and deterministic. */
export function functionUnits(functions: TraceJson['functions'] | undefined): FunctionUnits {
  const unitOf = new Map<string, string>();
  const members = new Map<string, string[]>();
  const anonymous = new Set<string>();
  for (const file of Object.keys(functions ?? {}).sort(compareStrings)) {
    for (const f of nestFile(functions![file]!)) {
      const { unit, anonymous: anon } = unitOfLocated(f);
      if (anon) anonymous.add(unit.id);
      if (unit === f) continue;
      unitOf.set(f.id, unit.id);
      let list = members.get(unit.id);
      if (!list) members.set(unit.id, (list = [unit.id]));
      list.push(f.id);
    }
  }
  for (const list of members.values()) list.sort(compareStrings);
  return { unitOf, members, anonymous };
}

/** Whether a function id looks anonymous by its name alone (for ids the manifest does not list). */
export function isAnonymousId(id: string): boolean {
  try {
    return !parseFunctionId(id).name.split('/').some(isStableName);
  } catch {
    return false;
  }
}

/**
 * The trace with every edge end mapped onto its unit: edges inside one unit disappear, parallel edges
 * are summed, and `moduleLoadFunctions` lists the units all of whose traced functions ran at module
 * load (a factory whose inner callbacks run in tests is a unit to develop, not a frozen one).
 */
export function traceOnUnits(trace: TraceJson, units: FunctionUnits): TraceJson {
  if (units.unitOf.size === 0) return trace;
  const map = (id: string): string => units.unitOf.get(id) ?? id;
  const mapEdges = (edges: readonly Edge[]): Edge[] => {
    const sums = new Map<string, Edge>();
    const out: Edge[] = [];
    for (const [a, b, c] of edges) {
      const ua = map(a);
      const ub = map(b);
      if (ua === ub && (ua !== a || ub !== b)) continue;
      const key = `${ua}\u0000${ub}`;
      const seen = sums.get(key);
      if (seen) seen[2] += c;
      else {
        const e: Edge = [ua, ub, c];
        sums.set(key, e);
        out.push(e);
      }
    }
    return out;
  };
  return {
    ...trace,
    moduleLoadFunctions: unitModuleLoad(trace, units),
    files: trace.files.map((f) => ({ ...f, setupEdges: mapEdges(f.setupEdges) })),
    tests: trace.tests.map((t) => ({ ...t, edges: mapEdges(t.edges) })),
  };
}

/** Units whose every traced function (and every listed one) ran at module load. */
function unitModuleLoad(trace: TraceJson, units: FunctionUnits): string[] {
  const loaded = new Set(trace.moduleLoadFunctions);
  const traced = new Set<string>();
  const note = (edges: readonly Edge[]): void => {
    for (const [a, b] of edges) {
      traced.add(a);
      traced.add(b);
    }
  };
  for (const f of trace.files) note(f.setupEdges);
  for (const t of trace.tests) note(t.edges);
  const out = new Set<string>();
  for (const id of loaded) {
    const unit = units.unitOf.get(id) ?? id;
    const members = units.members.get(unit) ?? [unit];
    if (members.every((m) => loaded.has(m) || !traced.has(m))) out.add(unit);
  }
  return [...out].sort(compareStrings);
}

/**
 * What a step that develops `unit` changes in the source: the unit itself, or, when the unit runs
 * at module load (a factory whose body must stay), every function nested in it that does not.
 */
export function stubTargetsOf(unit: string, units: FunctionUnits, moduleLoad: ReadonlySet<string>): string[] {
  if (!moduleLoad.has(unit)) return [unit];
  return (units.members.get(unit) ?? []).filter((m) => m !== unit && !moduleLoad.has(m));
}

/** Every function whose code a step developing `unit` replaces (the stub targets and everything nested in them). */
export function changedByUnit(unit: string, units: FunctionUnits, moduleLoad: ReadonlySet<string>): string[] {
  return (units.members.get(unit) ?? [unit]).filter((m) => !moduleLoad.has(m));
}
