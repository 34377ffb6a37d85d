import { describe, expect, it } from 'vitest';
import { CALLS_TAPE, tapeAdapter, tapeScriptArgs } from './tape.js';
import { runnerScript } from './runner-script.js';
import { describeAdapterOnFixture } from './runner-kit.suite.js';

describeAdapterOnFixture(tapeAdapter, {
  fixture: 'tape-cjs',
  testFiles: ['test/parse.test.js', 'test/stats.test.js'],
  missing: { file: 'test/stats.test.js', id: 'test/stats.test.js > no such test' },
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
