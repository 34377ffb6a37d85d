import { describe, expect, it } from 'vitest';
import { DIFFICULTY_SCORE_BANDS, DIFFICULTY_THRESHOLDS } from '@swe-flow/emitter';
import { renderCard } from '../src/card.js';

describe('the dataset card', () => {
  it("explains difficulty with emitter's thresholds and bands (not a copy that can drift)", () => {
    const card = renderCard({
      name: 'x', description: 'd', version: '1.0.0', generator: 'swe-flow 0', splits: {}, dataFiles: {}, columns: [], repos: [], splitOf: new Map(), dropped: [],
    });
    expect(card).toContain(`added lines (≥ ${DIFFICULTY_THRESHOLDS.added_lines[0]}, ≥ ${DIFFICULTY_THRESHOLDS.added_lines[1]})`);
    expect(card).toContain(`distinct callers (≥ ${DIFFICULTY_THRESHOLDS.callers[0]}, ≥ ${DIFFICULTY_THRESHOLDS.callers[1]})`);
    expect(card).toContain(`easy ≤ ${DIFFICULTY_SCORE_BANDS.easyAtMost}, medium ${DIFFICULTY_SCORE_BANDS.easyAtMost + 1}–${DIFFICULTY_SCORE_BANDS.hardAtLeast - 1}, hard ≥ ${DIFFICULTY_SCORE_BANDS.hardAtLeast}.`);
  });
});
