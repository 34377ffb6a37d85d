/**
 * Deterministic ordering helpers. Every sort in the scheduler compares strings by UTF-16 code units
 * (`<`), never with `localeCompare`, so output does not depend on the machine's locale.
 */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Interns strings to integers whose order equals the strings' sort order: sorting the integers sorts
 * the strings. Build it once from the full universe of ids, then work on integers and typed arrays.
 */
export class SortedInterner {
  readonly values: string[];
  private readonly index: Map<string, number>;

  constructor(unique: Iterable<string>) {
    this.values = Array.from(new Set(unique)).sort(compareStrings);
    this.index = new Map();
    for (let i = 0; i < this.values.length; i++) this.index.set(this.values[i]!, i);
  }

  get size(): number {
    return this.values.length;
  }

  /** The rank of a string, or -1 when it is not in the universe. */
  rank(value: string): number {
    const r = this.index.get(value);
    return r === undefined ? -1 : r;
  }

  value(rank: number): string {
    return this.values[rank]!;
  }

  /** Strings of the given ranks, sorted (ranks are sorted numerically first; the input is not modified). */
  sortedValues(ranks: ArrayLike<number>): string[] {
    const copy = Int32Array.from(ranks).sort();
    const out = new Array<string>(copy.length);
    for (let i = 0; i < copy.length; i++) out[i] = this.values[copy[i]!]!;
    return out;
  }
}

/** Sorts `[a, b]` rank pairs and drops duplicates; returns them as string pairs. */
export function sortedPairs(pairs: Float64Array | number[], count: number, width: number, interner: SortedInterner): [string, string][] {
  const keys = new Float64Array(count);
  for (let i = 0; i < count; i++) keys[i] = pairs[2 * i]! * width + pairs[2 * i + 1]!;
  keys.sort();
  const out: [string, string][] = [];
  let last = -1;
  for (let i = 0; i < count; i++) {
    const key = keys[i]!;
    if (key === last) continue;
    last = key;
    const a = Math.floor(key / width);
    out.push([interner.value(a), interner.value(key - a * width)]);
  }
  return out;
}
