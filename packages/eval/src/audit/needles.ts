/**
 * What the audit looks for: the reference bodies of a task's functions. Taken from the task itself,
 * not from the schedule: every function of a file the patch changes whose body in the reference is
 * not in the base (the stubbed ones; for a factory unit, its inner functions and the whole outer
 * body). Bodies shorter than a minimum token count are left out (one-liners shared with other code
 * would be found everywhere) and listed as such.
 */
import { createRequire } from 'node:module';
import { locateFunctions } from '@swe-flow/skeleton';
import type { DatasetRow } from '@swe-flow/core';
import { TaskRepo } from '@swe-flow/emitter';

const require = createRequire(import.meta.url);
export const AUDIT_SCAN_SCRIPT = require.resolve('../../runtime/audit-scan.cjs');
const scanner = require(AUDIT_SCAN_SCRIPT) as {
  normalize(t: string): string;
  countTokens(t: string): number;
  matcher(needles: ReadonlyArray<{ id: string; text: string }>): (latin1Text: string | ScannedBlob) => string[];
};
/** A text searched for many tasks' needles: its bytes, the same as latin1 text, and its normalized text when first asked for. */
export interface ScannedBlob {
  bytes: Uint8Array;
  text: string;
  normalized(text: string): string;
}
export const normalizeCode = scanner.normalize;
export const countCodeTokens = scanner.countTokens;
/** Which of `needles` a text (decoded as latin1, as the scanner reads files) holds. */
export const needleMatcher = scanner.matcher;

/** Default minimum size of a body the audit looks for, in code tokens. */
export const DEFAULT_MIN_TOKENS = 12;

export interface Needle {
  /** Function id (as in nodes_to_develop when the function is one of them) or `<file>:<line>:<col>:<name>`. */
  id: string;
  text: string;
  tokens: number;
}

export interface TaskNeedles {
  needles: Needle[];
  /** Changed bodies too short to search for. */
  short: string[];
  /** Changed files whose functions could not be located (not parseable), with the reason. */
  unreadable: Array<{ file: string; reason: string }>;
}

/** The files a unified diff changes (new side). */
export function patchFiles(patch: string): string[] {
  const files = new Set<string>();
  for (const m of patch.matchAll(/^diff --git a\/(.+?) b\/(.+)$/gm)) files.add(m[2]!);
  return [...files];
}

type NeedleTask = Pick<DatasetRow, 'patch' | 'base_commit' | 'reference_commit'>;

/** The needles of one task, read from its task repository (a `TaskRepo`, or the path of one). */
export async function taskNeedles(taskRepo: string | TaskRepo, row: NeedleTask, minTokens = DEFAULT_MIN_TOKENS): Promise<TaskNeedles> {
  const [found] = await tasksNeedles(taskRepo, [row], minTokens);
  return found!;
}

/**
 * The needles of many tasks (one entry per task, in order): every file they change read by one git
 * process, and each distinct reference text parsed once (isolated tasks share the original's files).
 */
export async function tasksNeedles(taskRepo: string | TaskRepo, rows: readonly NeedleTask[], minTokens = DEFAULT_MIN_TOKENS): Promise<TaskNeedles[]> {
  if (typeof taskRepo !== 'string') return needlesFrom(taskRepo, rows, minTokens);
  const repo = await TaskRepo.open(taskRepo);
  try {
    return await needlesFrom(repo, rows, minTokens);
  } finally {
    await repo.dispose();
  }
}

/** Parses and normalizations of texts already seen, by file and text. */
class TextMemo {
  private readonly located = new Map<string, ReturnType<typeof locateFunctions> | Error>();
  private readonly normalized = new Map<string, string>();

  locate(reference: string, file: string): ReturnType<typeof locateFunctions> {
    const key = `${file}\0${reference}`;
    let got = this.located.get(key);
    if (got === undefined) {
      try {
        got = locateFunctions(reference, file);
      } catch (error) {
        got = error as Error;
      }
      this.located.set(key, got);
    }
    if (got instanceof Error) throw got;
    return got;
  }

  normalize(text: string): string {
    let norm = this.normalized.get(text);
    if (norm === undefined) {
      norm = normalizeCode(text);
      this.normalized.set(text, norm);
    }
    return norm;
  }
}

async function needlesFrom(repo: TaskRepo, rows: readonly NeedleTask[], minTokens: number): Promise<TaskNeedles[]> {
  const files = rows.map((row) => patchFiles(row.patch));
  const texts = await repo.readFilesIfPresent(rows.flatMap((row, i) => files[i]!.flatMap((file) => [[row.reference_commit, file] as const, [row.base_commit, file] as const])));
  const memo = new TextMemo();
  let at = 0;
  return rows.map((_, i) => {
    const out: TaskNeedles = { needles: [], short: [], unreadable: [] };
    for (const file of files[i]!) {
      const reference = texts[at++];
      const baseText = texts[at++];
      if (reference !== undefined) needlesOfFile(file, reference, baseText ?? '', minTokens, memo, out);
    }
    return out;
  });
}

/** The bodies `reference` has and `base` has not, in `out`: long ones as needles, short ones listed. */
function needlesOfFile(file: string, reference: string, baseText: string, minTokens: number, memo: TextMemo, out: TaskNeedles): void {
  const base = memo.normalize(baseText);
  let located;
  try {
    located = memo.locate(reference, file);
  } catch (error) {
    out.unreadable.push({ file, reason: (error as Error).message });
    return;
  }
  for (const fn of located) {
    const text = reference.slice(fn.bodyStart, fn.bodyEnd);
    const norm = normalizeCode(text);
    if (norm === '' || base.includes(norm)) continue;
    const tokens = countCodeTokens(text);
    if (tokens < minTokens) out.short.push(fn.id);
    else out.needles.push({ id: fn.id, text, tokens });
  }
}
