import { perFileLine, referenceNames, STATEMENT_BUDGET_CHARS, testFileOf } from './offline.js';
import type { StatementFunction } from './types.js';

export { STATEMENT_BUDGET_CHARS };

export interface StatementCheckInput {
  functions: readonly Pick<StatementFunction, 'name' | 'kind'>[];
  /** FAIL_TO_PASS test ids. */
  failToPass: readonly string[];
  budget?: number;
}

export interface StatementCheck {
  ok: boolean;
  /** Qualified names of functions to implement the statement does not name (neither the qualified name nor the name a caller uses). */
  missingFunctions: string[];
  /** FAIL_TO_PASS ids the statement does not list, neither one by one nor in its test file's summary line (`- \`file\`: n failing tests`). */
  missingTests: string[];
  length: number;
  budget: number;
  /** One line per problem, for reject details and logs. */
  problems: string[];
}

/**
 * The checks every dataset row's statement passes: it names every function to implement, lists every
 * FAIL_TO_PASS test id (one by one, or a long list per test file with the file's count), and stays within
 * the length budget.
 */
export function checkStatement(statement: string, input: StatementCheckInput): StatementCheck {
  const budget = input.budget ?? STATEMENT_BUDGET_CHARS;
  const missingFunctions = input.functions
    .filter((fn) => !statement.includes(fn.name) && !referenceNames(fn).some((n) => new RegExp(`\\b${escape(n)}\\b`).test(statement)))
    .map((fn) => fn.name);
  const perFile = countPerFile(input.failToPass);
  const missingTests = input.failToPass.filter((id) => !statement.includes(id) && !statement.includes(perFileLine(testFileOf(id), perFile.get(testFileOf(id))!, true)));
  const problems = [
    ...missingFunctions.map((n) => `does not name the function ${n}`),
    ...missingTests.map((id) => `does not list the FAIL_TO_PASS test ${id}`),
    ...(statement.length > budget ? [`has ${statement.length} characters (budget ${budget})`] : []),
  ];
  return { ok: problems.length === 0, missingFunctions, missingTests, length: statement.length, budget, problems };
}

/** FAIL_TO_PASS ids per test file: what a summarised list's line for that file counts. */
function countPerFile(ids: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const id of ids) counts.set(testFileOf(id), (counts.get(testFileOf(id)) ?? 0) + 1);
  return counts;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
