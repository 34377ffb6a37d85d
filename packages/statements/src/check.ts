import { countBy, perFileLine, referenceNames, STATEMENT_BUDGET_CHARS, testFileOf } from './offline.js';
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
  // Per test file: does the statement hold the summarised list's line for it (`- \`file\`: n failing tests`)?
  const summarised = new Map(countBy(input.failToPass.map(testFileOf)).map(([file, n]) => [file, statement.includes(perFileLine(file, n, true))]));
  const missingTests = input.failToPass.filter((id) => !summarised.get(testFileOf(id)) && !statement.includes(id));
  const problems = [
    ...missingFunctions.map((n) => `does not name the function ${n}`),
    ...missingTests.map((id) => `does not list the FAIL_TO_PASS test ${id}`),
    ...(statement.length > budget ? [`has ${statement.length} characters (budget ${budget})`] : []),
  ];
  return { ok: problems.length === 0, missingFunctions, missingTests, length: statement.length, budget, problems };
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
