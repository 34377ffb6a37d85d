/**
 * Older vitest majors for real: a repository written here, with a TypeScript vitest config, nested
 * describes and a top-level test, installed with vitest 0.34 (the oldest supported), 1 and 2 from the registry, traced, then one test
 * rerun through the adapter's plain command. vitest 1 files every test under an anonymous suite; ids,
 * recorder attribution and the `-t` filter must all agree with vitest 2 and 4 regardless.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execLocal, traceWithInfo, vitestAdapter, type TraceRunInfo } from '../src/index.js';

const FILES: Record<string, string> = {
  'vitest.config.ts': `import { defineConfig } from 'vitest/config';
export default defineConfig({ test: { include: ['spec/**/*.check.ts'] } });
`,
  'src/math.ts': `export function square(n: number): number {
  return n * n;
}
export function sumOfSquares(values: number[]): number {
  return values.reduce((acc, v) => acc + square(v), 0);
}
`,
  'spec/math.check.ts': `import { describe, expect, it } from 'vitest';
import { square, sumOfSquares } from '../src/math';

describe('math', () => {
  describe('square', () => {
    it('squares 3', () => expect(square(3)).toBe(9));
  });
  it('sums squares', () => expect(sumOfSquares([1, 2])).toBe(5));
});

it('top level', () => expect(square(-2)).toBe(4));
`,
};

describe.each(['0.34.6', '1.6.1', '2.1.9'])('vitest %s', (version) => {
  let root: string;
  let info: TraceRunInfo;

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), `swf-vitest-${version}-`));
    await writeFile(path.join(root, 'package.json'), JSON.stringify({ name: 'majors', private: true, type: 'module', devDependencies: { vitest: version } }));
    for (const [file, text] of Object.entries(FILES)) {
      await mkdir(path.dirname(path.join(root, file)), { recursive: true });
      await writeFile(path.join(root, file), text);
    }
    await execa('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: root });
    info = await traceWithInfo({ root, runner: 'vitest', timeoutMs: 240_000 });
  }, 400_000);

  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('loads the TypeScript config (custom include) and gives the same ids as vitest 4, without an empty title', () => {
    expect(info.trace.tests.map((t) => t.id)).toEqual(['spec/math.check.ts > math > square > squares 3', 'spec/math.check.ts > math > sums squares', 'spec/math.check.ts > top level']);
    expect(info.trace.tests.every((t) => t.status === 'passed')).toBe(true);
  });

  it("attributes calls to each test (the recorder's ids match the reporter's)", () => {
    const callees = (id: string) => info.trace.tests.find((t) => t.id === id)!.edges.map(([, callee]) => callee.replace(/:\d+:\d+:/, ':'));
    expect(callees('spec/math.check.ts > math > sums squares')).toEqual(expect.arrayContaining(['src/math.ts:sumOfSquares', 'src/math.ts:square']));
    expect(callees('spec/math.check.ts > math > square > squares 3')).toContain('src/math.ts:square');
    expect(callees('spec/math.check.ts > math > square > squares 3')).not.toContain('src/math.ts:sumOfSquares');
    expect(callees('spec/math.check.ts > top level')).toContain('src/math.ts:square');
  });

  it('reruns exactly the selected tests with the plain command', async () => {
    const ids = ['spec/math.check.ts > math > square > squares 3', 'spec/math.check.ts > top level'];
    await mkdir(path.join(root, '.swe-flow'), { recursive: true });
    const spec = vitestAdapter.plainCommand({ resultFile: '.swe-flow/sel.json', selection: { files: ['spec/math.check.ts'], testIds: ids } });
    const res = await execLocal(root, spec, 120_000);
    expect(res.timedOut).toBe(false);
    const results = vitestAdapter.parseResults(await readFile(path.join(root, '.swe-flow/sel.json'), 'utf8'), root);
    const ran = results.filter((r) => r.status !== 'skipped').map((r) => `${r.id}: ${r.status}`).sort();
    expect(ran).toEqual(ids.map((id) => `${id}: passed`));
  });
});
