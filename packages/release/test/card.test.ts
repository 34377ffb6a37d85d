import { describe, expect, it } from 'vitest';
import { DIFFICULTY_SCORE_BANDS, DIFFICULTY_THRESHOLDS } from '@swe-flow/emitter';
import { publicMessage, renderCard } from '../src/card.js';

describe('the dataset card', () => {
  it("explains difficulty with emitter's thresholds and bands (not a copy that can drift)", () => {
    const card = renderCard({
      name: 'x', description: 'd', version: '1.0.0', generator: 'swe-flow 0', splits: {}, dataFiles: {}, columns: [], repos: [], splitOf: new Map(), dropped: [],
    });
    expect(card).toContain(`added lines (≥ ${DIFFICULTY_THRESHOLDS.added_lines[0]}, ≥ ${DIFFICULTY_THRESHOLDS.added_lines[1]})`);
    expect(card).toContain(`distinct callers (≥ ${DIFFICULTY_THRESHOLDS.callers[0]}, ≥ ${DIFFICULTY_THRESHOLDS.callers[1]})`);
    expect(card).toContain(`easy ≤ ${DIFFICULTY_SCORE_BANDS.easyAtMost}, medium ${DIFFICULTY_SCORE_BANDS.easyAtMost + 1}–${DIFFICULTY_SCORE_BANDS.hardAtLeast - 1}, hard ≥ ${DIFFICULTY_SCORE_BANDS.hardAtLeast}.`);
  });

  it('quotes a failure without the builder\'s folders, so the card does not depend on where it was built', () => {
    const dir = '/tmp/my.rel';
    const message = `ava reported no tests in ${dir}/.build/o__slug-82c1f75a/synth/.work/repo; check the runner config\nstack`;
    expect(publicMessage(message, dir)).toBe('ava reported no tests in the repository; check the runner config');
    expect(publicMessage(`see ${dir}/.build/o__slug-1/synth/logs/install.log`, `${dir}/`)).toBe('see .build/o__slug-1/synth/logs/install.log');
    expect(publicMessage('/tmp/myXrel/x', dir)).toBe('/tmp/myXrel/x'); // the folder's name, not a pattern
    const failed = { schemaVersion: 1, key: 'k', name: 'o/slug', url: 'u', commit: null, package: null, status: 'failed', code: 'SWEFLOW_NO_TESTS', message, license: 'MIT', rows: 0, rejects: 0, durationMs: 1, synthDir: 's' } as const;
    const card = renderCard({ name: 'x', description: 'd', version: '1.0.0', generator: 'swe-flow 0', splits: {}, dataFiles: {}, columns: [], repos: [failed], splitOf: new Map(), dropped: [], dir });
    expect(card).toContain('| o/slug | SWEFLOW_NO_TESTS | ava reported no tests in the repository; check the runner config |');
    expect(card).not.toContain(dir);
  });

  it('counts added lines as the difficulty does: non-blank + lines only', () => {
    const row = (patch: string) => ({ patch, FAIL_TO_PASS: ['t'], nodes_to_develop: ['f'], difficulty: 'easy' }) as never;
    const patch = ['--- a/x.js', '+++ b/x.js', '@@ -1 +1,5 @@', '+a', '+', '+   ', '+b', ' c'].join('\n');
    const card = renderCard({
      name: 'x', description: 'd', version: '1.0.0', generator: 'swe-flow 0', splits: { train: [row(patch)] }, dataFiles: {}, columns: [], repos: [], splitOf: new Map(), dropped: [],
    });
    expect(card).toContain('Added lines per task: median 2, max 2.');
  });
});

