/**
 * `--exclude-test` for node:test, which has no negative name filter on Node 20 (a negative
 * `--test-name-pattern` also matches the root and every suite, so all of their tests run). This module
 * goes into every test process (`node --import data:...`; `node --test` passes it to the file's child
 * process) and adds a root `beforeEach` that throws for an excluded test: node:test then fails the test
 * without calling its function, so a hanging test never starts. The id is the file and the test's full
 * name (`t.fullName`, Node 22.3+; on Node 20 its own name only, so a pattern naming a suite is
 * filtered after the run).
 */
import { EXCLUDE_MATCHER_SOURCE } from '../test-exclusions.js';

const NODE_TEST_EXCLUDE_SOURCE = `
import path from 'node:path';
const PATTERNS = __PATTERNS__;
__EXCLUDE_MATCHER__
if (process.env.NODE_TEST_CONTEXT && process.argv[1]) {
  const excluded = sweflowExcluded(PATTERNS);
  const file = path.relative(process.cwd(), path.resolve(process.argv[1])).split(path.sep).join('/');
  const nodeTest = await import('node:test');
  nodeTest.beforeEach((t) => {
    const hit = excluded(file + ' > ' + (t.fullName || t.name));
    if (hit !== undefined) throw new Error('not run: matches --exclude-test ' + hit);
  });
}
`;

/** The `--import` arguments that keep excluded tests from starting (none without patterns). */
export function nodeTestExcludeArgs(exclude: readonly string[] = []): string[] {
  if (exclude.length === 0) return [];
  const source = NODE_TEST_EXCLUDE_SOURCE.replace('__PATTERNS__', () => JSON.stringify(exclude)).replace('__EXCLUDE_MATCHER__', () => EXCLUDE_MATCHER_SOURCE);
  return [`--import=data:text/javascript;base64,${Buffer.from(source).toString('base64')}`];
}
