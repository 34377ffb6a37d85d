import { parseFunctionId, type DatasetRow } from '@swe-flow/core';
import { isAnonymousId } from '@swe-flow/scheduler';
import { checkStatement } from '@swe-flow/statements';

/** The shape of a run's tasks: what a dataset user judges them by. In summary.json (`tasks`) and summary.md. */
export interface TaskShape {
  /** Rows per difficulty. */
  difficulty: { easy: number; medium: number; hard: number };
  /** Medians over the rows. */
  median: { addedLines: number; failToPass: number; functions: number; files: number; callDepth: number; callers: number };
  /** Rows whose every function to implement has no stable name (0 with named units). */
  onlyAnonymous: number;
  /** Steps the size floor merged into a neighbour. */
  mergedBelowFloor: number;
  /** Statement checks over every row: rows checked and rows that failed (those are rejected). */
  statementChecks: { checked: number; failed: number };
}

function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The statement check of one row (functions named, FAIL_TO_PASS listed, length budget). */
export function checkRowStatement(row: Pick<DatasetRow, 'problem_statement' | 'nodes_to_develop' | 'FAIL_TO_PASS'>) {
  const functions = row.nodes_to_develop.map((id) => {
    const name = parseFunctionId(id).name;
    return { name, kind: name.endsWith('#constructor') ? ('constructor' as const) : ('method' as const) };
  });
  return checkStatement(row.problem_statement, { functions, failToPass: row.FAIL_TO_PASS });
}

export function taskShapeOf(rows: readonly DatasetRow[], extra: { mergedBelowFloor: number; statementChecks: TaskShape['statementChecks'] }): TaskShape {
  const ev = rows.map((r) => r.difficulty_evidence);
  const pick = (f: (e: NonNullable<DatasetRow['difficulty_evidence']>) => number) => median(ev.flatMap((e) => (e ? [f(e)] : [])));
  return {
    difficulty: {
      easy: rows.filter((r) => r.difficulty === 'easy').length,
      medium: rows.filter((r) => r.difficulty === 'medium').length,
      hard: rows.filter((r) => r.difficulty === 'hard').length,
    },
    median: {
      addedLines: pick((e) => e.added_lines),
      failToPass: median(rows.map((r) => r.FAIL_TO_PASS.length)),
      functions: median(rows.map((r) => r.nodes_to_develop.length)),
      files: pick((e) => e.files),
      callDepth: pick((e) => e.call_depth),
      callers: pick((e) => e.callers),
    },
    onlyAnonymous: rows.filter((r) => r.nodes_to_develop.length > 0 && r.nodes_to_develop.every(isAnonymousId)).length,
    ...extra,
  };
}

export function renderTaskShape(t: TaskShape | undefined): string[] {
  if (!t) return [];
  return [
    '## Tasks',
    '',
    `Difficulty: ${t.difficulty.easy} easy, ${t.difficulty.medium} medium, ${t.difficulty.hard} hard (from the evidence in each row's \`difficulty_evidence\`). Per task (median): ${t.median.addedLines} added lines, ${t.median.functions} functions, ${t.median.files} files, ${t.median.failToPass} FAIL_TO_PASS tests, call depth ${t.median.callDepth}, ${t.median.callers} distinct callers.`,
    `Rows with only anonymous functions to implement: ${t.onlyAnonymous}. Steps merged into a neighbour by the size floor: ${t.mergedBelowFloor}. Statement checks: ${t.statementChecks.checked - t.statementChecks.failed}/${t.statementChecks.checked} rows passed${t.statementChecks.failed ? ` (${t.statementChecks.failed} rejected as statement-check-failed)` : ''}.`,
    '',
  ];
}
