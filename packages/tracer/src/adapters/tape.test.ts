import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CALLS_TAPE, tapeAdapter, tapeScriptArgs } from './tape.js';
import { runnerScript } from './runner-script.js';
import { describeAdapterOnFixture } from './runner-kit.suite.js';
import { FIXTURES_DIR } from './runner-kit.testing.js';

const TAPE_RUN = {
  fixture: 'tape-cjs',
  testFiles: ['test/parse.test.js', 'test/stats.test.js'],
  missing: { file: 'test/stats.test.js', id: 'test/stats.test.js > no such test' },
};
describeAdapterOnFixture(tapeAdapter, TAPE_RUN);

// A suite kept in a helper module that the test file requires (lukeed/klona's shape, on tape): its
// tests belong to the test file tape loaded, which is the file a selection must run.
const statsTest = readFileSync(path.join(FIXTURES_DIR, 'tape-cjs', 'test', 'stats.test.js'), 'utf8');
const seriesAt = statsTest.indexOf("test('Series summarises");
describeAdapterOnFixture(tapeAdapter, {
  ...TAPE_RUN,
  variant: {
    label: 'tests registered by a helper module the test file requires',
    devDependencies: { tape: '5.10.2' },
    files: {
      'test/helpers/averages.js': `${statsTest.slice(0, seriesAt).replace("require('../src/stats')", "require('../../src/stats')").replace("test('sum adds values'", "module.exports = function registerAverages() {\ntest('sum adds values'")}};\n`,
      'test/stats.test.js': `${statsTest.slice(0, seriesAt)
        .replace(/\ntest\('sum adds values'[\s\S]*$/, "\nrequire('./helpers/averages.js')();\n\n")}${statsTest.slice(seriesAt)}`,
    },
  },
});

describe('tape test script arguments', () => {
  it('takes files, globs and -r modules of the first tape command, not what is piped after it', () => {
    expect(tapeScriptArgs("tape -r esm 'test/**/*.js' test/extra.js | tap-spec")).toEqual({ files: ['test/**/*.js', 'test/extra.js'], requires: ['esm'] });
    expect(tapeScriptArgs('npm run lint && node_modules/.bin/tape --require=@babel/register test/index.js')).toEqual({ files: ['test/index.js'], requires: ['@babel/register'] });
    expect(tapeScriptArgs('mocha test')).toEqual({ files: [], requires: [] });
  });

  it('finds tape in another script when the test script only calls npm run', () => {
    const pkg = { scripts: { test: 'npm run tests-only', 'tests-only': "nyc tape 'test/**/*.js'", lint: 'eslint .' } };
    expect(tapeScriptArgs(runnerScript(pkg, CALLS_TAPE)).files).toEqual(['test/**/*.js']);
  });
});
