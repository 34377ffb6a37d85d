import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import type { ScheduleJson, ScheduleStep, TraceJson } from '@swe-flow/core';
import { locateFunctions } from '@swe-flow/skeleton';
import { buildImportGraph, affectedTestFiles, countPatchTokens, emitCandidates } from '../src/index.js';

const files: Record<string, string> = {
  'package.json': '{"name":"tiny","type":"module"}\n',
  'src/math.js': [
    'export function square(x) {',
    '  const y = x * x;',
    '  return y;',
    '}',
    '',
    'export const sumOfSquares = (xs) => xs.map((x) => square(x)).reduce((a, b) => a + b, 0);',
    '',
  ].join('\n'),
  'src/text.js': 'export function shout(s) {\n  return String(s).toUpperCase() + "!";\n}\n',
  'test/math.test.js': "import { square, sumOfSquares } from '../src/math.js';\n",
  'test/text.test.js': "import { shout } from '../src/text.js';\n",
};

async function makeRepo(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'swf-emit-'));
  for (const [f, c] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, f)), { recursive: true });
    await writeFile(path.join(dir, f), c);
  }
  return dir;
}

function idOf(file: string, name: string): string {
  const fn = locateFunctions(files[file]!, file).find((f) => f.name === name);
  if (!fn) throw new Error(`no ${name}`);
  return fn.id;
}

function step(n: number, testIds: string[], nodes: string[]): ScheduleStep {
  return { step: n, testIds, targetCore: nodes, dependentCore: [], nodesToDevelop: nodes, reusedNodes: [], subgraph: [] };
}

describe('emitCandidates', () => {
  it('writes deterministic base/reference commits whose diff restores exactly the stubbed bodies', async () => {
    const square = idOf('src/math.js', 'square');
    const sum = idOf('src/math.js', 'sumOfSquares');
    const sumInner = idOf('src/math.js', 'sumOfSquares/<anonymous>');
    const shout = idOf('src/text.js', 'shout');
    const schedule = {
      schemaVersion: 1,
      options: {},
      steps: [
        step(1, ['test/math.test.js > square'], [square]),
        step(2, ['test/math.test.js > sum'], [sum, sumInner]),
        step(3, ['test/text.test.js > shout'], [shout]),
      ],
      skipped: [],
      stats: {} as ScheduleJson['stats'],
    } satisfies ScheduleJson;
    const trace = { moduleLoadFunctions: [] } as unknown as TraceJson;
    const run = async () => {
      const root = await makeRepo();
      const out = await mkdtemp(path.join(os.tmpdir(), 'swf-emit-out-'));
      return emitCandidates({
        repoName: 'acme/tiny', sourceRoot: root, files: Object.keys(files), trace, schedule,
        modes: ['isolated', 'incremental'], taskRepoDir: path.join(out, 'task-repo.git'), minPatchTokens: 5,
      });
    };
    const first = await run();
    const second = await run();
    expect(first.candidates.map((c) => [c.baseCommit, c.referenceCommit])).toEqual(second.candidates.map((c) => [c.baseCommit, c.referenceCommit]));
    expect(first.candidates.map((c) => c.instanceId)).toEqual([
      'acme__tiny-isolated-1', 'acme__tiny-isolated-2', 'acme__tiny-isolated-3',
      'acme__tiny-incremental-1', 'acme__tiny-incremental-2', 'acme__tiny-incremental-3',
    ]);
    const git = first.taskRepo.gitDir;
    const show = async (rev: string) => (await execa('git', ['--git-dir', git, 'show', rev])).stdout;

    // Isolated step 1: only `square` stubbed; the reference tree is the original.
    const iso1 = first.candidates[0]!;
    const base1 = await show(`${iso1.baseCommit}:src/math.js`);
    expect(base1).toContain('Not implemented: square');
    expect(base1).toContain('xs.map((x) => square(x))');
    expect(await first.taskRepo.treeOf(iso1.referenceCommit)).toBe(await first.taskRepo.treeOf(first.originalCommit));
    expect(iso1.changedFiles).toEqual(['src/math.js']);
    expect(iso1.failToPass).toEqual(['test/math.test.js > square']);
    expect(iso1.passToPass).toEqual([]);
    expect(first.candidates[2]!.passToPass).toEqual(['test/math.test.js > square', 'test/math.test.js > sum']);

    // The patch applies to base with `git apply --check` and yields the reference.
    const wt = await mkdtemp(path.join(os.tmpdir(), 'swf-emit-wt-'));
    await execa('git', ['clone', '-q', git, wt]);
    await execa('git', ['checkout', '-q', iso1.baseCommit], { cwd: wt });
    await writeFile(path.join(wt, 'p.diff'), iso1.patch);
    await execa('git', ['apply', '--check', 'p.diff'], { cwd: wt });
    await execa('git', ['apply', 'p.diff'], { cwd: wt });
    await execa('rm', ['p.diff'], { cwd: wt });
    expect((await execa('git', ['diff', '--stat', iso1.referenceCommit], { cwd: wt })).stdout).toBe('');

    // Incremental: a linear history; step k's reference is step k+1's base; the last reference is the original tree.
    const inc = first.candidates.filter((c) => c.mode === 'incremental');
    expect(inc[0]!.referenceCommit).toBe(inc[1]!.baseCommit);
    expect(inc[1]!.referenceCommit).toBe(inc[2]!.baseCommit);
    expect(await first.taskRepo.treeOf(inc[2]!.referenceCommit)).toBe(await first.taskRepo.treeOf(first.originalCommit));
    const incBase1 = await show(`${inc[0]!.baseCommit}:src/text.js`);
    expect(incBase1).toContain('Not implemented: shout');
    const parents = (await execa('git', ['--git-dir', git, 'rev-list', '--parents', '-n', '1', inc[2]!.referenceCommit])).stdout.split(' ');
    expect(parents[1]).toBe(inc[2]!.baseCommit);
  });

  it('rejects steps whose patch is too small and steps that would stub a module-load function', async () => {
    const root = await makeRepo();
    const out = await mkdtemp(path.join(os.tmpdir(), 'swf-emit-out-'));
    const square = idOf('src/math.js', 'square');
    const shout = idOf('src/text.js', 'shout');
    const schedule = { schemaVersion: 1, options: {}, steps: [step(1, ['t > a'], [square]), step(2, ['t > b'], [shout])], skipped: [], stats: {} } as unknown as ScheduleJson;
    const trace = { moduleLoadFunctions: [shout] } as unknown as TraceJson;
    const result = await emitCandidates({ repoName: 'acme/tiny', sourceRoot: root, files: Object.keys(files), trace, schedule, modes: ['isolated'], taskRepoDir: path.join(out, 'r.git'), minPatchTokens: 1000 });
    expect(result.candidates).toEqual([]);
    expect(result.rejects.map((r) => [r.step, r.reason])).toEqual([[1, 'patch-too-small'], [2, 'module-load-stub']]);
  });
});

describe('patch tokens and affected files', () => {
  it('counts only added tokens', () => {
    expect(countPatchTokens('+++ b/x\n+  return a + b;\n-  old stuff here\n')).toBe(5);
  });
  it('finds test files that import a changed file transitively, through .js specifiers of .ts files', () => {
    const sources = new Map([
      ['src/a.ts', "export const a = 1;"],
      ['src/b.ts', "import { a } from './a.js'; export const b = a;"],
      ['src/c.ts', "export const c = 3;"],
      ['test/b.test.ts', "import { b } from '../src/b.js';"],
      ['test/c.test.ts', "import { c } from '../src/c';"],
      ['test/self.test.ts', "import x from 'tiny/sub';"],
    ]);
    const graph = buildImportGraph(sources, new Set(sources.keys()), ['tiny']);
    expect([...affectedTestFiles(graph, ['test/b.test.ts', 'test/c.test.ts', 'test/self.test.ts'], new Set(['src/a.ts']))].sort())
      .toEqual(['test/b.test.ts', 'test/self.test.ts']);
  });
});

describe('return-type pins', () => {
  it('pins the inferred return type of a stubbed TypeScript function in base only; the reference stays original', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'swf-emit-pin-'));
    const code = 'export function total(xs: number[]) {\n  return xs.reduce((a, b) => a + b, 0);\n}\n';
    await writeFile(path.join(dir, 'calc.ts'), code);
    const id = locateFunctions(code, 'calc.ts').find((f) => f.name === 'total')!.id;
    const inner = locateFunctions(code, 'calc.ts').find((f) => f.name === 'total/<anonymous>')!.id;
    const schedule = { schemaVersion: 1, options: {}, steps: [step(1, ['t > total'], [id, inner])], skipped: [], stats: {} } as unknown as ScheduleJson;
    const out = await mkdtemp(path.join(os.tmpdir(), 'swf-emit-pin-out-'));
    const result = await emitCandidates({ repoName: 'a/b', sourceRoot: dir, files: ['calc.ts'], trace: { moduleLoadFunctions: [] } as unknown as TraceJson, schedule, modes: ['isolated'], taskRepoDir: path.join(out, 'r.git'), minPatchTokens: 1 });
    const c = result.candidates[0]!;
    expect(await result.taskRepo.readFile(c.baseCommit, 'calc.ts')).toContain('export function total(xs: number[]): number {');
    expect(await result.taskRepo.readFile(c.referenceCommit, 'calc.ts')).toBe(code);
  });
});

describe('doc comments', () => {
  it('go into base and reference alike, so the patch holds only the implementation', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'swf-emit-doc-'));
    const code = 'export function twice(n) {\n  const doubled = n * 2;\n  return doubled;\n}\n';
    await writeFile(path.join(dir, 'm.js'), code);
    const id = locateFunctions(code, 'm.js')[0]!.id;
    const schedule = { schemaVersion: 1, options: {}, steps: [step(1, ['t > twice'], [id])], skipped: [], stats: {} } as unknown as ScheduleJson;
    const out = await mkdtemp(path.join(os.tmpdir(), 'swf-emit-doc-out-'));
    const result = await emitCandidates({
      repoName: 'a/b', sourceRoot: dir, files: ['m.js'], trace: { moduleLoadFunctions: [] } as unknown as TraceJson, schedule,
      modes: ['isolated', 'incremental'], taskRepoDir: path.join(out, 'r.git'), minPatchTokens: 1, docComments: { [id]: 'Doubles a number.\n@param n the number' },
    });
    for (const c of result.candidates) {
      const base = await result.taskRepo.readFile(c.baseCommit, 'm.js');
      const reference = await result.taskRepo.readFile(c.referenceCommit, 'm.js');
      expect(base).toContain('/**\n * Doubles a number.\n * @param n the number\n */\nexport function twice(n) {');
      expect(reference).toContain(' * Doubles a number.');
      expect(base).toContain('Not implemented: twice');
      expect(c.patch).not.toContain('Doubles');
      expect(c.originalCommit).not.toBe(c.baseCommit);
    }
    // The untouched source stays reachable as `original`; `documented` sits on top of it.
    expect(await result.taskRepo.readFile('original', 'm.js')).toBe(code);
  });
});
