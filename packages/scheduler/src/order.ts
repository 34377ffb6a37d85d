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
  private index: Map<string, number> | undefined;

  /** `unique` may repeat values; pass `sorted: true` when it is already sorted and unique. */
  constructor(unique: Iterable<string>, options: { sorted?: boolean; indexed?: boolean } = {}) {
    // The default sort compares UTF-16 code units, like compareStrings, without a JS callback.
    this.values = options.sorted ? Array.from(unique) : Array.from(new Set(unique)).sort();
    if (options.indexed !== false) this.buildIndex();
  }

  private buildIndex(): Map<string, number> {
    const index = new Map<string, number>();
    for (let i = 0; i < this.values.length; i++) index.set(this.values[i]!, i);
    this.index = index;
    return index;
  }

  get size(): number {
    return this.values.length;
  }

  /** The rank of a string, or -1 when it is not in the universe (binary search when not indexed). */
  rank(value: string): number {
    if (this.index) {
      const r = this.index.get(value);
      return r === undefined ? -1 : r;
    }
    let lo = 0;
    let hi = this.values.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = this.values[mid]!;
      if (v === value) return mid;
      if (v < value) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  value(rank: number): string {
    return this.values[rank]!;
  }

  /** Strings of ranks that are already sorted ascending. */
  valuesOf(sortedRanks: ArrayLike<number>): string[] {
    const out = new Array<string>(sortedRanks.length);
    for (let i = 0; i < sortedRanks.length; i++) out[i] = this.values[sortedRanks[i]!]!;
    return out;
  }

  /** Strings of the given ranks, sorted (ranks are sorted numerically first; the input is not modified). */
  sortedValues(ranks: ArrayLike<number>): string[] {
    const copy = Int32Array.from(ranks).sort();
    const out = new Array<string>(copy.length);
    for (let i = 0; i < copy.length; i++) out[i] = this.values[copy[i]!]!;
    return out;
  }
}


/**
 * Hands out typed-array views carved from large chunks, so that tens of thousands of small arrays do
 * not each allocate their own backing store. Views stay valid when a new chunk is started.
 */
export class Int32Pool {
  private chunk: Int32Array;
  private used = 0;
  constructor(private readonly chunkSize = 1 << 20) {
    this.chunk = new Int32Array(chunkSize);
  }
  /** A view holding a copy of `values[0..length)`. */
  copy(values: ArrayLike<number>, length = values.length): Int32Array {
    if (this.used + length > this.chunk.length) {
      this.chunk = new Int32Array(Math.max(this.chunkSize, length));
      this.used = 0;
    }
    const view = this.chunk.subarray(this.used, this.used + length);
    for (let i = 0; i < length; i++) view[i] = values[i]!;
    this.used += length;
    return view;
  }
}

export class Float64Pool {
  private chunk: Float64Array;
  private used = 0;
  constructor(private readonly chunkSize = 1 << 20) {
    this.chunk = new Float64Array(chunkSize);
  }
  copy(values: Float64Array, length = values.length): Float64Array {
    if (this.used + length > this.chunk.length) {
      this.chunk = new Float64Array(Math.max(this.chunkSize, length));
      this.used = 0;
    }
    const view = this.chunk.subarray(this.used, this.used + length);
    view.set(values.subarray(0, length));
    this.used += length;
    return view;
  }
}
