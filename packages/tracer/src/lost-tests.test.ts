import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TestResult } from '@swe-flow/core';
import { duplicateIds, findLostTests, timedOutTests } from './lost-tests.js';

const result = (file: string, title: string): TestResult => ({ id: `${file} > ${title}`, file, titlePath: [title], status: 'passed', durationMs: 1 });

describe('lost tests', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('names a silent file, a file that exits the process and a shared name, each with its reason', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'swf-lost-'));
    dirs.push(root);
    await mkdir(path.join(root, 'test'));
    await writeFile(path.join(root, 'test/ok.test.js'), "test('a', () => {});");
    await writeFile(path.join(root, 'test/broken.test.js'), "throw new Error('x');");
    await writeFile(path.join(root, 'test/exit.test.js'), "test('b', () => { process.exit(0); });");
    const results = [result('test/ok.test.js', 'a'), result('test/ok.test.js', 'same'), result('test/ok.test.js', 'same'), result('test/ok.test.js', 'same')];
    const lost = await findLostTests(root, ['test/ok.test.js', 'test/exit.test.js', 'test/broken.test.js'], results);
    expect(lost.map((l) => [l.id ?? l.file, l.reason, l.count])).toEqual([
      ['test/broken.test.js', 'file-reported-no-tests', undefined],
      ['test/exit.test.js', 'calls-process-exit', undefined],
      ['test/ok.test.js > same', 'duplicate-name', 2],
    ]);
    expect(lost.every((l) => l.detail.length > 20)).toBe(true);
  });

  it('a file reported by the other run only is not lost; distinct names are no duplicates', async () => {
    expect(await findLostTests('/nonexistent', ['t.js'], [], [result('t.js', 'x')])).toEqual([]);
    expect(duplicateIds([result('t.js', 'x'), result('t.js', 'y')]).size).toBe(0);
  });
});

describe('tests a per-test limit cut', () => {
  const excluded = [
    { id: 'test/a.test.js > hang > never settles', reason: 'timed-out' as const, error: 'Error: Timeout of 4000ms exceeded.\nat x' },
    { id: 'test/b.test.js > skipped one', reason: 'excluded-by-option' as const },
  ];

  it('lists only the timed-out ones, with the file the run reported (else the id\'s) and what to do', () => {
    const traced = new Map([['test/a.test.js > hang > never settles', { ...result('src/a.test.js', 'x'), id: 'test/a.test.js > hang > never settles' }]]);
    const [lost, ...more] = timedOutTests(excluded, traced, 4000);
    expect(more).toEqual([]);
    expect(lost).toMatchObject({ file: 'src/a.test.js', id: 'test/a.test.js > hang > never settles', reason: 'timed-out', count: 1 });
    expect(lost!.detail).toContain('(4000 ms, --trace-test-timeout)');
    expect(lost!.detail).toContain('(Error: Timeout of 4000ms exceeded.)');
    const [bare] = timedOutTests(excluded, new Map(), undefined);
    expect(bare!.file).toBe('test/a.test.js');
    expect(bare!.detail).toContain("the repository's own per-test limit");
  });
});
