#!/usr/bin/env node
// Sums vitest JSON reports (reports/vitest-*.json) into the closing line CI reads: `N passed, M failed`.
// Exits 1 when any test failed, when a report is missing for a package that has tests, or when no test ran.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';

const dir = process.argv[2] ?? 'reports';
let passed = 0;
let failed = 0;
let skipped = 0;
const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.startsWith('vitest-') && f.endsWith('.json')) : [];
for (const file of files) {
  const report = JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
  passed += report.numPassedTests ?? 0;
  failed += (report.numFailedTests ?? 0) + (report.numRuntimeErrorTestSuites ?? 0);
  skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  // A test file that failed outside its tests (it did not load, or a beforeAll threw and its tests
  // were skipped) has no failed test of its own: count the file as one failure.
  for (const suite of report.testResults ?? []) {
    const tests = suite.assertionResults ?? [];
    if (suite.status === 'failed' && !tests.some((t) => t.status === 'failed')) failed += 1;
  }
  console.log(`  ${file.replace(/^vitest-|\.json$/g, '')}: ${report.numPassedTests} ok / ${report.numFailedTests} not ok`);
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
