import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatTestId } from '@swe-flow/core';
import { createVitestAdapter, findVitestBin, parseVitestJson, vitestAdapter } from './vitest.js';
import { isTimeoutError } from '../test-exclusions.js';

const selection = (files: string[], titles: string[][]) => ({
  files,
  testIds: titles.map((t) => formatTestId(files[0]!, t)),
});

describe('vitest adapter in a workspace package', () => {
  it('runs in the package folder with every path of the command relative to it', () => {
    const adapter = createVitestAdapter({ packageDir: 'packages/greet/' });
    const spec = adapter.plainCommand({ resultFile: '.swe-flow/results.json', selection: selection(['packages/greet/src/a.test.ts'], [['a', 'b']]) });
    expect(spec.cwd).toBe('packages/greet');
    expect(spec.command).toBe('../../node_modules/.bin/vitest');
    expect(spec.args).toEqual(['run', '--reporter=json', '--outputFile=../../.swe-flow/results.json', '-t', '^ ?(?:a b)$', 'src/a.test.ts']);
  });

  it('uses the vitest entry it is given (a package-local install)', () => {
    const adapter = createVitestAdapter({ packageDir: 'packages/greet', vitestBin: 'packages/greet/node_modules/vitest/vitest.mjs' });
    const spec = adapter.plainCommand({ resultFile: '.swe-flow/r.json', selection: { files: [], testIds: [] } });
    expect(spec.args.slice(0, 2)).toEqual(['node_modules/vitest/vitest.mjs', 'run']);
  });

  it('keeps the root adapter unchanged: no cwd, root-relative paths', () => {
    const spec = vitestAdapter.plainCommand({ resultFile: '.swe-flow/r.json', selection: { files: ['test/x.test.ts'], testIds: [] } });
    expect(spec.cwd).toBeUndefined();
    // No path into the vitest package: the link the package manager made from vitest's `bin`.
    expect(spec.command).toBe('node_modules/.bin/vitest');
    expect(spec.args).toEqual(['run', '--reporter=json', '--outputFile=.swe-flow/r.json', 'test/x.test.ts']);
  });

  it('refuses a package folder outside the repository', () => {
    expect(() => createVitestAdapter({ packageDir: '../elsewhere' })).toThrow(/outside the repository/);
  });

  it("finds vitest in the package first, then in each parent folder, at its package.json's bin", async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'swf-vbin-'));
    const put = async (dir: string, bin: string) => {
      await mkdir(path.join(root, dir), { recursive: true });
      await writeFile(path.join(root, dir, 'package.json'), JSON.stringify({ name: 'vitest', version: '3.2.4', bin: { vitest: bin } }));
    };
    await mkdir(path.join(root, 'packages/a/src'), { recursive: true });
    expect(() => findVitestBin(root, 'packages/a')).toThrow(/not installed/);
    await put('node_modules/vitest', './vitest.mjs');
    expect(findVitestBin(root, 'packages/a')).toBe('node_modules/vitest/vitest.mjs');
    await put('packages/node_modules/vitest', './vitest.mjs');
    expect(findVitestBin(root, 'packages/a')).toBe('packages/node_modules/vitest/vitest.mjs');
    await put('packages/a/node_modules/vitest', 'bin/other-entry.js');
    expect(findVitestBin(root, 'packages/a')).toBe('packages/a/node_modules/vitest/bin/other-entry.js');
  });

  it('gives vitest 1 results (anonymous file-level suite) the same ids as vitest 2 and 4', () => {
    const text = JSON.stringify({
      testResults: [
        {
          name: '/repo/test/a.test.ts',
          assertionResults: [
            { ancestorTitles: ['', 'outer'], title: 'inner', status: 'passed' },
            { ancestorTitles: [''], title: 'top', status: 'failed', failureMessages: ['boom'] },
          ],
        },
      ],
    });
    expect(parseVitestJson(text, '/repo').map((r) => r.id)).toEqual(['test/a.test.ts > outer > inner', 'test/a.test.ts > top']);
    // The name filter still matches vitest 1's full names, which start with the anonymous suite's space.
    const { args } = vitestAdapter.plainCommand({ resultFile: 'r.json', selection: { files: [], testIds: ['test/a.test.ts > outer > inner'] } });
    const re = new RegExp(args[args.indexOf('-t') + 1]!);
    expect(re.test(' outer inner')).toBe(true);
    expect(re.test('outer inner')).toBe(true);
    expect(re.test('x outer inner')).toBe(false);
  });

  it('tells a test its time limit cut (vitest reports it as STACK_TRACE_ERROR) from a failed one', () => {
    const text = JSON.stringify({
      testResults: [
        {
          name: '/repo/test/a.test.ts',
          assertionResults: [
            { ancestorTitles: [], title: 'hangs', status: 'failed', failureMessages: ['Error: STACK_TRACE_ERROR\n    at test/a.test.ts:3:3'] },
            { ancestorTitles: [], title: 'fails', status: 'failed', failureMessages: ['AssertionError: expected 3 to equal 4'] },
          ],
        },
      ],
    });
    const [hangs, fails] = parseVitestJson(text, '/repo');
    expect(isTimeoutError(hangs!.error)).toBe(true);
    expect(hangs!.error).toContain('STACK_TRACE_ERROR');
    expect(isTimeoutError(fails!.error)).toBe(false);
  });

  it('parses results into ids relative to the repository root, not the package', () => {
    const root = '/repo';
    const text = JSON.stringify({
      testResults: [{ name: '/repo/packages/greet/src/a.test.ts', assertionResults: [{ ancestorTitles: ['a'], title: 'b', status: 'passed', duration: 1.4 }] }],
    });
    expect(parseVitestJson(text, root)).toEqual([
      { id: 'packages/greet/src/a.test.ts > a > b', file: 'packages/greet/src/a.test.ts', titlePath: ['a', 'b'], status: 'passed', durationMs: 1 },
    ]);
  });
});
