import { mochaAdapter } from './mocha.js';
import { describeAdapterOnFixture } from './runner-kit.suite.js';

describeAdapterOnFixture(mochaAdapter, {
  fixture: 'mocha-cjs',
  testFiles: ['test/documents.test.js', 'test/formatter.test.js', 'test/tokenizer.test.js'],
  missing: { file: 'test/formatter.test.js', id: 'test/formatter.test.js > formatter > no such test' },
});
