import { describe, expect, it } from 'vitest';
import { uvuAdapter, uvuScriptArgs } from './uvu.js';
import { describeAdapterOnFixture } from './runner-kit.suite.js';

describeAdapterOnFixture(uvuAdapter, {
  fixture: 'uvu-esm',
  testFiles: ['test/slug.test.js', 'test/text.test.js'],
  missing: { file: 'test/text.test.js', id: 'test/text.test.js > no such test' },
});

describe('uvu test script arguments', () => {
  it('reads dir, pattern, ignores and requires as uvu\'s CLI does', () => {
    expect(uvuScriptArgs("uvu tests '.test.js$' -i fixtures -r esm && npm run lint")).toEqual({ dir: 'tests', pattern: '.test.js$', ignores: ['fixtures'], requires: ['esm'] });
    expect(uvuScriptArgs('c8 uvu')).toEqual({ ignores: [], requires: [] });
  });
});
