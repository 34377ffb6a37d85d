/**
 * The oldest supported majors, installed from the registry into a copy of each runner's fixture: the
 * shared adapter suite must give the same test ids, verdicts and edges (the fixture's expected.json) as
 * on the newest majors the fixtures pin (jest 30, mocha 11). Only what the old runner needs differs:
 * jest 22 takes its transformer as a plain path (no options tuple), its TypeScript through ts-jest 23,
 * a TS-only test pattern, and has never heard of node:timers/promises; mocha 5 reads `test/mocha.opts`,
 * not `.mocharc.json`; ava 3 is CommonJS (its TAP reporter is patched through CommonJS compilation, not
 * module hooks) and needs nothing else.
 */
import { avaAdapter } from './ava.js';
import { jestAdapter } from './jest.js';
import { mochaAdapter } from './mocha.js';
import { describeAdapterOnFixture, FIXTURE_RUNS } from './runner-kit.suite.js';

describeAdapterOnFixture(jestAdapter, {
  ...FIXTURE_RUNS['jest-ts'],
  variant: {
    label: 'jest 22 (jasmine2, setupTestFrameworkScriptFile, string transform)',
    devDependencies: { jest: '22.4.4', 'ts-jest': '23.10.5', typescript: '4.9.5', '@types/jest': '23.3.14' },
    files: {
      'jest.config.js': `module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: { '^node:timers/promises$': '<rootDir>/test/timers-shim.js' },
  transform: { '^.+\\\\.ts$': 'ts-jest' },
  globals: { 'ts-jest': { isolatedModules: true, tsConfig: { target: 'es2019', module: 'commonjs', esModuleInterop: true } } },
};
`,
      'test/timers-shim.js': `// jest 22 predates node:timers/promises: the one function the fixture uses.
module.exports = { setTimeout: (ms, value) => new Promise((resolve) => setTimeout(() => resolve(value), ms)) };
`,
    },
  },
});

describeAdapterOnFixture(mochaAdapter, {
  ...FIXTURE_RUNS['mocha-cjs'],
  variant: {
    label: 'mocha 5 (test/mocha.opts, no root hook plugins)',
    devDependencies: { mocha: '5.2.0' },
    remove: ['.mocharc.json'],
    files: { 'test/mocha.opts': 'test/**/*.test.js\n' },
  },
});

describeAdapterOnFixture(avaAdapter, {
  ...FIXTURE_RUNS['ava-esm'],
  variant: { label: 'ava 3 (CommonJS reporters)', devDependencies: { ava: '3.15.0' } },
});
