/**
 * Two costs the traced jest run no longer pays; one traced run of the jest-ts fixture checks both.
 *
 * 1. The traced jest run hands ts-jest instrumented files, which differ from the files on disk; in its
 * language-service mode ts-jest then makes a new program (and type checker) for every file, which made
 * the traced run of gvergnaud/ts-pattern take twice its untraced run. The untraced run already compiled
 * the repository as it is configured, so the traced run has ts-jest transpile file by file.
 *
 * What tells the two modes apart without timing anything: a `const enum` imported from another file.
 * The language service inlines its members and drops the import, so that file is never loaded; a
 * file-by-file transpile keeps the import, so it is. The test records which happened (it passes either
 * way, as the parity check requires).
 *
 * 2. Coverage: where the repository collects it (`collectCoverage: true`, as iamkun/dayjs does), jest
 * instruments every file for it in a second pass after our transformer (which cannot do it in its own),
 * doubling the traced run's CPU on dayjs' locale test. The traced run turns coverage off; the sign is the
 * coverage folder, which jest writes only when it collects.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { silentLogger } from '@swe-flow/core';
import { jestAdapter } from './jest.js';
import { copyFixture, type TempRepo } from './runner-kit.testing.js';

const FILES: Record<string, string> = {
  'jest.config.js': "module.exports = { testEnvironment: 'node', roots: ['<rootDir>/test'], testMatch: ['**/level.test.ts'], collectCoverage: true, coverageDirectory: '<rootDir>/cov', transform: { '^.+\\\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] } };\n",
  'src/level.ts': 'export const enum Level { Low = 1, High = 2 }\n(globalThis as { levelLoaded?: boolean }).levelLoaded = true;\n',
  'test/level.test.ts': [
    "import { writeFileSync } from 'node:fs';",
    "import { Level } from '../src/level';",
    "test('high is two', () => {",
    "  writeFileSync(String(process.env.LEVEL_MARK), String((globalThis as { levelLoaded?: boolean }).levelLoaded === true));",
    '  expect(Level.High).toBe(2);',
    '});',
    '',
  ].join('\n'),
};

const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => { for (const c of cleanup) await c(); });

it('the traced jest run has ts-jest transpile file by file (the imported const enum file is loaded) and collects no coverage', async () => {
  const repo: TempRepo = await copyFixture('jest-ts');
  cleanup.push(() => repo.dispose());
  for (const [rel, text] of Object.entries(FILES)) await writeFile(path.join(repo.root, rel), text);
  const work = await mkdtemp(path.join(os.tmpdir(), 'sweflow-jest-transpile-'));
  cleanup.push(() => rm(work, { recursive: true, force: true }));
  const mark = path.join(work, 'mark');
  const traced = await jestAdapter.runTraced({
    facts: { ...repo.facts, files: [...repo.facts.files, ...Object.keys(FILES)] },
    traceDir: path.join(work, 'trace'), timeoutMs: 240_000, logger: silentLogger, env: { LEVEL_MARK: mark },
  });
  expect(traced.results.find((r) => r.id === 'test/level.test.ts > high is two')?.status).toBe('passed');
  expect(await readFile(mark, 'utf8')).toBe('true');
  expect(existsSync(path.join(repo.root, 'cov')), 'jest collected coverage in the traced run').toBe(false);
}, 300_000);
