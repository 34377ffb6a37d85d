import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { uvuAdapter, uvuScriptArgs } from './uvu.js';
import { describeAdapterOnFixture, FIXTURE_RUNS } from './runner-kit.suite.js';
import { FIXTURES_DIR } from './runner-kit.testing.js';
import { esmPackageEnv } from './runner-kit.js';

describeAdapterOnFixture(uvuAdapter, FIXTURE_RUNS['uvu-esm']);

// lukeed/clsx, dequal, klona: ES module syntax in plain .js files, loaded by the `esm` package
// (`uvu -r esm test`), which compiles them itself: no `_compile` patch and no module hook sees them.
// esm's parser predates `??`: the one use in the fixture is spelled out.
const slugSource = readFileSync(path.join(FIXTURES_DIR, 'uvu-esm', 'src', 'slug.js'), 'utf8').replace('this.taken.get(base) ?? 0', '(this.taken.has(base) ? this.taken.get(base) : 0)');
// A folder import, as clsx's tests do (`from '../src'`): only esm resolves it, so every run, also one
// of selected files, must load esm.
const textTest = readFileSync(path.join(FIXTURES_DIR, 'uvu-esm', 'test', 'text.test.js'), 'utf8').replace("from '../src/text.js'", "from '../src'");
describeAdapterOnFixture(uvuAdapter, {
  ...FIXTURE_RUNS['uvu-esm'],
  variant: {
    label: 'the esm package (uvu -r esm, no "type": "module")',
    devDependencies: { uvu: '0.5.6', esm: '3.2.25' },
    files: {
      'package.json': `${JSON.stringify({ name: 'fixture-uvu-esm-package', version: '1.0.0', private: true, scripts: { test: 'uvu -r esm test' }, devDependencies: { uvu: '0.5.6', esm: '3.2.25' } }, null, 2)}\n`,
      'src/slug.js': slugSource,
      'src/index.js': "export * from './text.js';\nexport * from './slug.js';\n",
      'test/text.test.js': textTest,
    },
  },
});

// lukeed/klona: the suites live in helper modules (`test/suites/*.js`, left out with `-i suites`) that
// export a function the entry file calls. Their tests belong to the entry file uvu loaded: running the
// helper alone registers nothing, so verification would get no result at all.
const slugTest = readFileSync(path.join(FIXTURES_DIR, 'uvu-esm', 'test', 'slug.test.js'), 'utf8');
const registryAt = slugTest.indexOf("const Registry = suite('SlugRegistry');");
describeAdapterOnFixture(uvuAdapter, {
  ...FIXTURE_RUNS['uvu-esm'],
  variant: {
    label: 'a suite kept in a helper module the test file imports',
    devDependencies: { uvu: '0.5.6' },
    files: {
      'package.json': `${JSON.stringify({ name: 'fixture-uvu-suites', version: '1.0.0', private: true, type: 'module', scripts: { test: 'uvu test -i suites' }, devDependencies: { uvu: '0.5.6' } }, null, 2)}\n`,
      'test/suites/slugify.js': `${slugTest.slice(0, registryAt).replace("from '../src/slug.js'", "from '../../src/slug.js'").replace("const Slugify = suite('slugify');", "export default function () {\nconst Slugify = suite('slugify');")}}\n`,
      'test/slug.test.js': `import registerSlugify from './suites/slugify.js';\n${slugTest.slice(0, registryAt).split('\n').filter((l) => l.startsWith('import')).join('\n')}\n\nregisterSlugify();\n\n${slugTest.slice(registryAt)}`,
    },
  },
});

describe('uvu test script arguments', () => {
  it('reads dir, pattern, ignores and requires as uvu\'s CLI does', () => {
    expect(uvuScriptArgs("uvu tests '.test.js$' -i fixtures -r esm && npm run lint")).toEqual({ dir: 'tests', pattern: '.test.js$', ignores: ['fixtures'], requires: ['esm'] });
    expect(uvuScriptArgs('c8 uvu')).toEqual({ ignores: [], requires: [] });
  });
});

describe('esm package options of a traced run', () => {
  const facts = (packageJson: Record<string, unknown>, files = ['package.json']) => ({ root: '/r', packageJson, files });
  it('turns esm\'s compile cache off and keeps the repository\'s own options', () => {
    expect(esmPackageEnv(facts({ devDependencies: { esm: '3.2.25' } }))).toEqual({ ESM_OPTIONS: '{"cache":false}' });
    expect(esmPackageEnv(facts({ devDependencies: { esm: '3.2.25' }, esm: { cjs: true, mode: 'auto' } }))).toEqual({ ESM_OPTIONS: '{"cjs":true,"mode":"auto","cache":false}' });
    expect(esmPackageEnv(facts({ devDependencies: { esm: '3.2.25' } }), '{"await":true}')).toEqual({ ESM_OPTIONS: '{"await":true,"cache":false}' });
  });
  it('sets nothing without esm, or when its options live in a file ESM_OPTIONS would replace', () => {
    expect(esmPackageEnv(facts({ devDependencies: { uvu: '0.5.6' } }))).toEqual({});
    expect(esmPackageEnv(facts({ devDependencies: { esm: '3.2.25' } }, ['package.json', '.esmrc.js']))).toEqual({});
  });
});
