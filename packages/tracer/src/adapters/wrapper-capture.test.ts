import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes, silentLogger } from '@swe-flow/core';
import { detectRunner } from './index.js';
import { createJestAdapter } from './jest.js';
import { findWrappedRunners } from './wrapper-runner.js';
import { captureWrapperRunner, portableRunnerArgs, wrapperCommandLine, wrapperEnv, type WrapperRunnerOptions } from './wrapper-capture.js';
import { runPlain } from './runner-kit.suite.js';
import { copyFixture, goldenView, readExpected, type TempRepo } from './runner-kit.testing.js';

describe('a wrapper\'s runner options, made portable', () => {
  it('finds the wrapper\'s command in the test script', () => {
    expect(wrapperCommandLine('npm run lint && NODE_ENV=test kcd-scripts test --ci', 'kcd-scripts')).toBe('NODE_ENV=test kcd-scripts test --ci');
    expect(wrapperCommandLine('jest', 'kcd-scripts')).toBeUndefined();
  });
  it('drops watch flags and writes paths inside the repository as <rootDir> or relative', () => {
    const config = JSON.stringify({ rootDir: '/r', roots: ['/r/src'], transform: { x: '/r/node_modules/k/t.js' }, other: '/elsewhere/a' });
    expect(portableRunnerArgs(['--config', config, '--watch', '/r/src/a.test.ts', '--env=node'], '/r')).toEqual([
      '--config', JSON.stringify({ roots: ['<rootDir>/src'], transform: { x: '<rootDir>/node_modules/k/t.js' }, other: '/elsewhere/a' }), 'src/a.test.ts', '--env=node',
    ]);
  });
  it('keeps the variables the wrapper set or changed, not the process\'s own or npm\'s', () => {
    expect(wrapperEnv({ NODE_ENV: 'test', BABEL_ENV: 'test', PATH: '/x', npm_config_x: '1', KEEP: 'same', SWEFLOW_CAPTURE_FILE: 'f' }, { KEEP: 'same', PATH: '/y' })).toEqual({ NODE_ENV: 'test', BABEL_ENV: 'test' });
  });
});

/**
 * kentcdodds/match-sorter's shape on fixtures/jest-ts: `"test": "shop-scripts test"`, a package of
 * scripts that depends on jest and runs `require('jest').run(['--config', JSON])` with its own config
 * (roots, and ts-jest for the .ts tests); the repository has no jest config and does not name jest.
 * Without the wrapper's config, jest finds the tests but cannot compile TypeScript.
 */
describe('jest through a wrapper package (fixtures/jest-ts without its jest config)', () => {
  let repo: TempRepo;
  let options: WrapperRunnerOptions;
  beforeAll(async () => {
    repo = await copyFixture('jest-ts');
    await rm(path.join(repo.root, 'jest.config.js'));
    const pkg = { ...repo.facts.packageJson, scripts: { test: 'shop-scripts test' }, devDependencies: { 'shop-scripts': 'file:./shop-scripts', typescript: '5.9.3' } };
    await writeFile(path.join(repo.root, 'package.json'), JSON.stringify(pkg, null, 2));
    const scripts = path.join(repo.root, 'node_modules', 'shop-scripts');
    await mkdir(scripts, { recursive: true });
    await writeFile(path.join(scripts, 'package.json'), JSON.stringify({ name: 'shop-scripts', version: '3.1.0', bin: { 'shop-scripts': 'cli.js' }, dependencies: { jest: '*', 'ts-jest': '*' } }));
    await writeFile(path.join(scripts, 'cli.js'), [
      '#!/usr/bin/env node',
      "process.env.NODE_ENV = 'test';",
      "process.env.SHOP_SCRIPTS = 'on';",
      "const config = { testEnvironment: 'node', roots: [require('path').join(process.cwd(), 'test')], transform: { '^.+\\\\.ts$': [require.resolve('ts-jest'), { tsconfig: 'tsconfig.json' }] } };",
      "const watch = process.env.CI ? [] : ['--watch'];",
      "require('jest').run(['--config', JSON.stringify(config), ...watch, ...process.argv.slice(3)]);",
      '',
    ].join('\n'));
    await chmod(path.join(scripts, 'cli.js'), 0o755);
    await symlink('../shop-scripts/cli.js', path.join(repo.root, 'node_modules', '.bin', 'shop-scripts'));
    repo.facts.packageJson = pkg;
    const wrapped = findWrappedRunners(repo.root, pkg);
    expect(wrapped).toEqual([{ command: 'shop-scripts', wrapper: 'shop-scripts@3.1.0', runner: 'jest' }]);
    const r = await captureWrapperRunner(repo.root, pkg, wrapped[0]!);
    if (!r.ok) throw new Error(r.reason);
    options = r.options;
  }, 240_000);
  afterAll(async () => {
    await repo?.dispose();
  });

  it('is not detected directly, and the wrapper\'s run gives jest\'s config with portable paths and its variables', () => {
    expect(() => detectRunner(repo.facts)).toThrow(expect.objectContaining({ code: ErrorCodes.UNKNOWN_RUNNER }));
    expect(options.args[0]).toBe('--config');
    expect(options.args).toHaveLength(2);
    const config = JSON.parse(options.args[1]!) as { roots: string[]; transform: Record<string, [string, unknown]> };
    expect(config.roots).toEqual(['<rootDir>/test']);
    expect(Object.values(config.transform)[0]![0]).toMatch(/^<rootDir>\/node_modules\/ts-jest\//);
    // NODE_ENV too, unless this process has it already (vitest sets it).
    expect(options.env).toMatchObject({ SHOP_SCRIPTS: 'on' });
  });

  it('runs the suite with the wrapper\'s options, plain and traced, with the fixture\'s edges', async () => {
    const jest = createJestAdapter({ args: options.args });
    expect(await jest.listTestFiles(repo.facts)).toEqual(['test/cart.test.ts', 'test/product.test.ts']);
    const expected = await readExpected('jest-ts');
    const [id, want] = Object.entries(expected.tests)[0]!;
    const plain = await runPlain(jest, repo, { files: [], testIds: [id] });
    expect(plain.results.filter((r) => r.status !== 'skipped').map((r) => [r.id, r.status])).toEqual([[id, 'passed']]);
    const traceDir = await mkdtemp(path.join(os.tmpdir(), 'sweflow-jest-wrapped-'));
    const traced = await jest.runTraced({ facts: repo.facts, traceDir, timeoutMs: 240_000, logger: silentLogger, env: options.env });
    expect(traced.results.filter((r) => r.status === 'passed').length).toBe(Object.keys(expected.tests).length);
    const rec = traced.records.find((r) => r.testId === id);
    expect(rec, id).toBeDefined();
    expect(goldenView(rec!.edges, new Set(traced.testFiles))).toEqual({ targetCore: [...want.targetCore].sort(), coreEdges: [...want.coreEdges].sort() });
    await rm(traceDir, { recursive: true, force: true });
  }, 300_000);
});
