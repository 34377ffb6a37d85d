import { jestAdapter } from './jest.js';
import { describeAdapterOnFixture } from './runner-kit.suite.js';

describeAdapterOnFixture(jestAdapter, {
  fixture: 'jest-ts',
  testFiles: ['test/cart.test.ts', 'test/product.test.ts'],
  missing: { file: 'test/cart.test.ts', id: 'test/cart.test.ts > Cart > no such test' },
});
