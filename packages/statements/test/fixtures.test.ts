import { readFile } from 'node:fs/promises';
import { parseTestId } from '@swe-flow/core';
import { locateFunctions } from '@swe-flow/skeleton';
import { describe, expect, it } from 'vitest';
import { analyzeTest, buildStatementInput, findLeak, publicTextOf, writeOfflineStatement } from '../src/index.js';

/**
 * The offline writer over the repository's real fixture projects (one per runner): every test named in
 * a fixture's expected.json must be found in its file, yield at least one assertion sentence, and the
 * statement built with the test's target functions must not leak their bodies.
 */
const root = new URL('../../../fixtures/', import.meta.url);

interface Expected {
  runner: string;
  tests: Record<string, { targetCore: string[] }>;
}

describe.each(['vitest-ts', 'jest-ts', 'mocha-cjs', 'ava-esm', 'node-test-esm'])('fixture %s', (fixture) => {
  it('every expected test gets requirements, without leaking target bodies', async () => {
    const dir = new URL(`${fixture}/`, root);
    const expected = JSON.parse(await readFile(new URL('expected.json', dir), 'utf8')) as Expected;
    const ids = Object.keys(expected.tests);
    expect(ids.length).toBeGreaterThan(0);
    const sources: Record<string, string> = {};
    const read = async (file: string) => (sources[file] ??= await readFile(new URL(file, dir), 'utf8'));
    let sentences = 0;
    for (const [index, id] of ids.entries()) {
      const { file, titlePath } = parseTestId(id);
      await read(file);
      const wanted = expected.tests[id]!.targetCore;
      const functions = [];
      for (const target of wanted) {
        const srcFile = target.slice(0, target.indexOf(':'));
        const name = target.slice(srcFile.length + 1);
        const info = locateFunctions(await read(srcFile), srcFile).find((f) => f.name === name);
        expect(info, `${target} located`).toBeDefined();
        functions.push(info!);
      }
      const input = buildStatementInput({ repo: `fixtures/${fixture}`, step: index + 1, functions, tests: [{ id, file, titlePath }], sources });
      const test = input.tests[0]!;
      expect(test.source, `source of ${id}`).not.toBe('');
      const asserts = analyzeTest(test.source, file).facts.filter((f) => f.kind === 'assert');
      expect(asserts.length, `assertions understood in ${id}`).toBeGreaterThan(0);
      sentences += asserts.length;
      const statement = writeOfflineStatement(input);
      if (process.env.SHOW_STATEMENTS) console.log(statement);
      expect(statement).toContain(`- \`${id}\``);
      expect(findLeak(statement, input.referenceBodies!, { publicText: publicTextOf(input) })).toBeNull();
    }
    expect(sentences).toBeGreaterThanOrEqual(ids.length);
  });
});
