import { describe, expect, it } from 'vitest';
import { CALLS_JASMINE, jasmineAdapter, jasmineScriptArgs } from './jasmine.js';
import { runnerScript } from './runner-script.js';
import { describeAdapterOnFixture } from './runner-kit.suite.js';

describeAdapterOnFixture(jasmineAdapter, {
  fixture: 'jasmine-cjs',
  testFiles: ['spec/invoice.spec.js', 'spec/money.spec.js'],
  missing: { file: 'spec/money.spec.js', id: 'spec/money.spec.js > money > no such spec' },
});

describe('jasmine script arguments', () => {
  it('reads the arguments of the script that runs jasmine, the test script first', () => {
    expect(jasmineScriptArgs("c8 --reporter=text jasmine 'spec/*spec.js' --config=spec/jasmine.json && echo ok")).toEqual(['spec/*spec.js', '--config=spec/jasmine.json']);
    const pkg = { scripts: { test: 'npm run lint && npm run unit', unit: 'jasmine --helper=spec/helpers/*.js', lint: 'eslint .' } };
    expect(runnerScript(pkg, CALLS_JASMINE)).toBe('jasmine --helper=spec/helpers/*.js');
    expect(runnerScript({ scripts: { test: 'karma start' } }, CALLS_JASMINE)).toBe('');
  });
});
