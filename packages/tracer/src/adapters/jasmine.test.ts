import { jasmineAdapter } from './jasmine.js';
import { describeAdapterOnFixture } from './runner-kit.suite.js';

describeAdapterOnFixture(jasmineAdapter, {
  fixture: 'jasmine-cjs',
  testFiles: ['spec/invoice.spec.js', 'spec/money.spec.js'],
  missing: { file: 'spec/money.spec.js', id: 'spec/money.spec.js > money > no such spec' },
});
