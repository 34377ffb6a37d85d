import type { DatasetRow, DifficultyEvidence } from '@swe-flow/core';

/**
 * Difficulty from evidence. Each measure of a task gets a level 0, 1 or 2 by the thresholds below
 * (a value at or above the first threshold is level 1, at or above the second level 2); the score is
 * the sum of the levels, the added lines counted twice (the size of the change is the best single
 * predictor of the time a task takes a developer). easy: score ≤ 3; medium: 4–7; hard: ≥ 8 (of 14).
 * The same table is in the dataset row schema (`difficulty_evidence`) and the release's dataset card.
 */
export const DIFFICULTY_THRESHOLDS = {
  added_lines: [15, 50],
  functions: [2, 5],
  files: [2, 3],
  fail_to_pass: [3, 10],
  call_depth: [3, 5],
  callers: [3, 10],
} as const satisfies Record<string, readonly [number, number]>;

export const DIFFICULTY_WEIGHTS: Record<keyof typeof DIFFICULTY_THRESHOLDS, number> = {
  added_lines: 2,
  functions: 1,
  files: 1,
  fail_to_pass: 1,
  call_depth: 1,
  callers: 1,
};

/** easy at or below the first, hard at or above the second. */
export const DIFFICULTY_SCORE_BANDS = { easyAtMost: 3, hardAtLeast: 8 } as const;

/** Non-blank lines the patch adds (`+` lines, not the `+++` header). */
export function addedLines(patch: string): number {
  let n = 0;
  for (const line of patch.split('\n')) if (line.startsWith('+') && !line.startsWith('+++') && line.slice(1).trim() !== '') n++;
  return n;
}

function level(value: number, [one, two]: readonly [number, number]): number {
  return value >= two ? 2 : value >= one ? 1 : 0;
}

/** The evidence of one task and its score. */
export function difficultyEvidence(measures: Omit<DifficultyEvidence, 'score'>): DifficultyEvidence {
  let score = 0;
  for (const key of Object.keys(DIFFICULTY_THRESHOLDS) as (keyof typeof DIFFICULTY_THRESHOLDS)[]) {
    score += DIFFICULTY_WEIGHTS[key] * level(measures[key], DIFFICULTY_THRESHOLDS[key]);
  }
  return { ...measures, score };
}

export function difficultyOf(evidence: Pick<DifficultyEvidence, 'score'>): DatasetRow['difficulty'] {
  if (evidence.score <= DIFFICULTY_SCORE_BANDS.easyAtMost) return 'easy';
  if (evidence.score >= DIFFICULTY_SCORE_BANDS.hardAtLeast) return 'hard';
  return 'medium';
}
