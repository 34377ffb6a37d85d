import path from 'node:path';

export type Overlap = 'same' | 'out-inside-source' | 'source-inside-out';

/** Whether `child` is `parent` or lies below it (both absolute, normalised). */
function within(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * How an output folder overlaps a source folder (both absolute, symlinks already resolved), or null.
 * Pure: callers resolve real paths first, so `./repo` and a symlink to it compare equal.
 */
export function overlapOf(source: string, out: string): Overlap | null {
  const s = path.resolve(source);
  const o = path.resolve(out);
  if (s === o) return 'same';
  if (within(o, s)) return 'out-inside-source';
  if (within(s, o)) return 'source-inside-out';
  return null;
}

/** The sentence that says what is wrong with an overlap, for an error message. */
export function describeOverlap(kind: Overlap, source: string, out: string): string {
  switch (kind) {
    case 'same':
      return `--out ${out} is the source ${source} itself`;
    case 'out-inside-source':
      return `--out ${out} lies inside the source ${source}`;
    case 'source-inside-out':
      return `--out ${out} contains the source ${source}`;
  }
}
