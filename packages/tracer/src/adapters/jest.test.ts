import { jestAdapter } from './jest.js';
import { describeAdapterOnFixture, FIXTURE_RUNS } from './runner-kit.suite.js';

describeAdapterOnFixture(jestAdapter, FIXTURE_RUNS['jest-ts']);
