import { describe, expect, it } from 'vitest';
import { CALLS_JASMINE, jasmineAdapter, jasmineScriptArgs, noSpecFilesMessage } from './jasmine.js';
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

describe('jasmine without spec files', () => {
  it('says when the specs are started by the repository’s own code (no config, no script calls the CLI)', () => {
    const jsdocLike = { root: '/r', files: ['Herebyfile.js', 'packages/a/test/specs/a.js'], packageJson: { name: 'x', scripts: { test: 'node_modules/.bin/hereby test' }, devDependencies: { jasmine: '^7.0.0' } } };
    expect(noSpecFilesMessage(jsdocLike)).toMatch(/no spec\/support\/jasmine\.json and no script starts jasmine's CLI \(the test script is `node_modules\/\.bin\/hereby test`\).*own code.*add a jasmine config/);
    const configured = { ...jsdocLike, files: [...jsdocLike.files, 'spec/support/jasmine.json'] };
    expect(noSpecFilesMessage(configured)).toMatch(/check spec_dir and spec_files in the jasmine config$/);
  });
});
