import { parseTestId } from '@swe-flow/core';
import { analyzeTest, code, type TestAnalysis, type TestFact } from './test-facts.js';
import type { StatementFunction, StatementInput, StatementTest } from './types.js';

/**
 * The offline writer: a deterministic requirements document built only from the step's tests and the
 * public face of its functions (signatures, JSDoc). It never sees a function body.
 */

/** Characters a problem statement may have (about 4,000 tokens): long enough for a merged step's tests, short enough to read. */
export const STATEMENT_BUDGET_CHARS = 16_000;
/** PASS_TO_PASS lists longer than this are summarised per test file, with counts. */
export const MAX_P2P_LISTED = 20;
/**
 * Beyond the budget the document is written again, each level shorter: requirements keep at most 8, 3,
 * then 0 facts each (a pointer to the test); then the FAIL_TO_PASS list under Acceptance is summarised
 * per test file with counts; last, the requirements too (per test file and feature, with counts). The
 * dataset row's FAIL_TO_PASS field always lists every test.
 */
interface Compaction {
  maxFacts: number;
  summariseFailToPass: boolean;
  summariseRequirements: boolean;
}
const COMPACTIONS: readonly Compaction[] = [
  ...[8, 3, 0].map((maxFacts) => ({ maxFacts, summariseFailToPass: false, summariseRequirements: false })),
  { maxFacts: 0, summariseFailToPass: true, summariseRequirements: false },
  { maxFacts: 0, summariseFailToPass: true, summariseRequirements: true },
];
const FULL: Compaction = { maxFacts: Infinity, summariseFailToPass: false, summariseRequirements: false };

function fenceLang(file: string): string {
  return /\.(c|m)?tsx?$/.test(file) ? 'ts' : 'js';
}

function unique<T>(items: Iterable<T>): T[] {
  return [...new Set(items)];
}

/** Names under which a test can refer to a function: `Circle#get:area` → `Circle`, `area`. */
export function referenceNames(fn: Pick<StatementFunction, 'name' | 'kind'>): string[] {
  const segments = fn.name.split('/').pop()!.split(/[#.]/);
  const last = segments[segments.length - 1]!.replace(/^(get|set):/, '');
  const names = new Set<string>();
  if (fn.kind === 'constructor' || last === 'constructor') {
    if (segments[0]) names.add(segments[0]);
  } else if (!last.startsWith('<') && last !== 'default') {
    names.add(last);
  }
  return [...names];
}

function describeKind(fn: StatementFunction): string {
  const kind: Record<string, string> = {
    declaration: 'function',
    expression: 'function expression',
    arrow: 'arrow function',
    method: 'method',
    getter: 'getter',
    setter: 'setter',
    constructor: 'constructor',
    'class-field': 'class field function',
    'object-method': 'object method',
  };
  const words = [fn.async ? 'async' : '', fn.generator ? 'generator' : '', kind[fn.kind] ?? fn.kind].filter(Boolean);
  return words.join(' ');
}

function describeBlocks(test: StatementTest): string | undefined {
  if (test.describe) return test.describe;
  const path = test.titlePath.slice(0, -1);
  return path.length > 0 ? path.join(' > ') : undefined;
}

function testName(test: StatementTest): string {
  return test.titlePath[test.titlePath.length - 1] ?? test.id;
}

function overview(input: StatementInput): string[] {
  const modules = unique(input.functions.map((f) => f.file)).sort();
  const testFiles = unique(input.tests.map((t) => t.file)).sort();
  const blocks = unique(input.tests.map(describeBlocks).filter((d): d is string => d !== undefined));
  const fnCount = input.functions.length;
  const lines = [
    `Implement ${fnCount} function${fnCount === 1 ? '' : 's'} in ${modules.map((m) => code(m)).join(', ')} of the repository ${code(input.repo)} so that ${input.tests.length} currently failing test${input.tests.length === 1 ? ' passes' : 's pass'}.`,
  ];
  lines.push('');
  lines.push(`- Modules to change: ${modules.map((m) => code(m)).join(', ')}`);
  lines.push(`- Tests that specify the behaviour: ${testFiles.map((m) => code(m)).join(', ')}`);
  if (blocks.length > 0) lines.push(`- Features under test: ${blocks.map((b) => code(b)).join(', ')}`);
  const p2p = input.passToPass?.length ?? 0;
  if (p2p > 0) lines.push(p2p === 1 ? '- 1 test already passes and must keep passing.' : `- ${p2p} tests already pass and must keep passing.`);
  return lines;
}

function functionsSection(input: StatementInput): string[] {
  const lines: string[] = [];
  for (const fn of input.functions) {
    lines.push(`### ${code(fn.name)} (${describeKind(fn)}, ${code(fn.file)})`);
    lines.push('');
    lines.push('```' + fenceLang(fn.file));
    if (fn.jsdoc) lines.push(fn.jsdoc.trim());
    lines.push(fn.signature.trim());
    lines.push('```');
    lines.push('');
    lines.push(
      fn.jsdoc
        ? 'Keep this signature; implement the behaviour its documentation and the tests below describe.'
        : 'Keep this signature; implement the behaviour the tests below describe.',
    );
    lines.push('');
  }
  return lines;
}

function factLine(fact: TestFact): string {
  const prefix = fact.kind === 'setup' ? 'Given ' : fact.kind === 'action' ? 'Then run ' : 'Expect: ';
  const body = fact.kind === 'assert' ? fact.text : code(fact.text);
  const context = fact.context ? `(${fact.context}) ` : '';
  return `- ${context}${prefix}${body}`;
}

function testSection(input: StatementInput, analyses: readonly TestAnalysis[], maxFacts: number): string[] {
  const lines: string[] = [];
  input.tests.forEach((test, index) => {
    const analysis = analyses[index]!;
    const exercised = input.functions.filter((fn) => referenceNames(fn).some((n) => analysis.names.has(n)));
    lines.push(`### R${index + 1}. ${testName(test)}`);
    lines.push('');
    lines.push(`- Test: ${code(test.id)}`);
    const block = describeBlocks(test);
    if (block) lines.push(`- Feature: ${code(block)}`);
    if (exercised.length > 0) lines.push(`- Exercises: ${exercised.map((f) => code(f.name)).join(', ')}`);
    lines.push('');
    if (test.source.trim() === '') {
      lines.push(`The test's source is not available; read the test in ${code(test.file)}.`);
    } else if (!analysis.parsed) {
      lines.push(`The test's source could not be analysed; read the test in ${code(test.file)}.`);
    } else if (analysis.facts.length === 0) {
      lines.push('The test makes no explicit assertion: it must run to completion without throwing.');
    } else {
      const asserts = analysis.facts.filter((f) => f.kind === 'assert').length;
      lines.push(
        asserts === 0
          ? 'The test makes no explicit assertion: every step below must complete without throwing.'
          : `Requirement (${asserts} assertion${asserts === 1 ? '' : 's'}):`,
      );
      lines.push('');
      for (const fact of analysis.facts.slice(0, maxFacts)) lines.push(factLine(fact));
      const more = analysis.facts.length - Math.min(maxFacts, analysis.facts.length);
      if (more > 0) lines.push(`- … ${more} more step${more === 1 ? '' : 's'} and assertion${more === 1 ? '' : 's'}: read the test in ${code(test.file)}`);
    }
    lines.push('');
  });
  return lines;
}

/** The requirements in one line per test file and feature, with counts (the last compaction level). */
function testSummarySection(input: StatementInput): string[] {
  const lines = [
    `The ${input.tests.length} tests below specify the behaviour; read each in its file (the Acceptance list gives the number per file, the dataset row's FAIL_TO_PASS names every one).`,
    '',
  ];
  const perFeature = countBy(input.tests.map((t) => `${code(t.file)}${describeBlocks(t) ? ` > ${code(describeBlocks(t)!)}` : ''}`));
  for (const [where, n] of perFeature) lines.push(`- ${where}: ${n} test${n === 1 ? '' : 's'}`);
  lines.push('');
  return lines;
}

/** Counts per key, sorted by key (code-unit order, the same on every machine). */
export function countBy(keys: readonly string[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1);
  return [...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The test file of a test id (`file > describe > name`). */
export const testFileOf = (id: string): string => parseTestId(id).file;

/**
 * The line that stands for a test file's `n` tests in a summarised list: `- \`file\`: n failing tests`
 * for FAIL_TO_PASS (what checkStatement looks for), `- \`file\`: n tests` for PASS_TO_PASS.
 */
export function perFileLine(file: string, n: number, failing = false): string {
  return `- ${code(file)}: ${n}${failing ? ' failing' : ''} test${n === 1 ? '' : 's'}`;
}

function perFileLines(ids: readonly string[], failing = false): string[] {
  return countBy(ids.map(testFileOf)).map(([file, n]) => perFileLine(file, n, failing));
}

function helpersSection(input: StatementInput): string[] {
  if (!input.helpers || input.helpers.length === 0) return [];
  const files = unique(input.helpers.map((h) => h.file)).sort();
  return [
    '## Test helpers',
    '',
    `The tests use helper code from ${files.map((f) => code(f)).join(', ')}; it is already in the repository and needs no change.`,
    '',
  ];
}

/** A test id as a code span, never shortened: the Acceptance list names every test in full. */
function idSpan(id: string): string {
  const one = id.replace(/\s*\n\s*/g, ' ').trim();
  return one.includes('`') ? `\`\` ${one} \`\`` : `\`${one}\``;
}

function acceptance(input: StatementInput, summariseFailToPass = false): string[] {
  const lines = ['## Acceptance: these tests must pass', ''];
  if (summariseFailToPass) {
    lines.push(`These ${input.tests.length} tests fail now and must pass (the dataset row's FAIL_TO_PASS lists them one by one):`);
    lines.push('');
    lines.push(...perFileLines(input.tests.map((t) => t.id), true));
  } else {
    for (const test of input.tests) lines.push(`- ${idSpan(test.id)}`);
  }
  const p2p = input.passToPass ?? [];
  if (p2p.length > 0) {
    lines.push('');
    if (p2p.length <= MAX_P2P_LISTED) {
      lines.push('These tests pass already and must keep passing:');
      lines.push('');
      for (const id of p2p) lines.push(`- ${idSpan(id)}`);
    } else {
      lines.push(`These ${p2p.length} tests pass already and must keep passing (the dataset row lists them one by one):`);
      lines.push('');
      lines.push(...perFileLines(p2p));
    }
  }
  return lines;
}

/**
 * Writes the requirements document for one step. Pure and deterministic: same input, same bytes.
 * A document over `budget` characters is written again shorter (see COMPACTIONS): fewer facts per
 * requirement (8, 3, then none: each test still named, with a pointer to its source), then the
 * FAIL_TO_PASS list summarised per test file with counts, then the requirements too.
 */
export function writeOfflineStatement(input: StatementInput, budget = STATEMENT_BUDGET_CHARS): string {
  // Each test is parsed once, however many times the document is written again.
  const analyses = input.tests.map((test) => analyzeTest(test.source, test.file));
  let text = renderOffline(input, analyses, FULL);
  for (const level of COMPACTIONS) {
    if (text.length <= budget) break;
    text = renderOffline(input, analyses, level);
  }
  return text;
}

function renderOffline(input: StatementInput, analyses: readonly TestAnalysis[], level: Compaction): string {
  const heading = input.instanceId ? `# ${input.instanceId}` : `# ${input.repo}: step ${input.step}`;
  const lines = [
    heading,
    '',
    '## Overview',
    '',
    ...overview(input),
    '',
    '## Functions to implement',
    '',
    ...functionsSection(input),
    '## Required behaviour',
    '',
    ...(level.summariseRequirements ? testSummarySection(input) : testSection(input, analyses, level.maxFacts)),
    ...helpersSection(input),
    ...acceptance(input, level.summariseFailToPass),
  ];
  return markdown(lines);
}

/**
 * The document's last section alone (`## Acceptance: these tests must pass`), as writeOfflineStatement
 * writes it: the FAIL_TO_PASS ids one by one when that fits in `room` characters, else per test file with counts.
 */
export function acceptanceSection(input: StatementInput, room = Infinity): string {
  const full = markdown(acceptance(input));
  return full.length <= room ? full : markdown(acceptance(input, true));
}

function markdown(lines: readonly string[]): string {
  return `${lines.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}
