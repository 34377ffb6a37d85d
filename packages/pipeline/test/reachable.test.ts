/**
 * Core nodes whose solution the installed dependencies hold (`reachableNodes`), found before the
 * schedule keeps them whole: a body copied into node_modules (a bundled copy of the package, as
 * prettier bundles camelcase) is found for its unit, a nested callback's body counts for the unit
 * around it, and a body found nowhere keeps its node developable.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FunctionManifestEntry, RdgJson, TraceJson } from '@swe-flow/core';
import { locateFunctions } from '@swe-flow/skeleton';
import { reachableNodes } from '../src/reachable.js';

const LIB = [
  'export function postProcess(input, options) {',
  '  return input.replace(/[_.\\- ]+([\\p{Alpha}\\p{N}_]|$)/gu, (_, identifier) => {',
  '    return options.locale === false ? identifier.toUpperCase() : identifier.toLocaleUpperCase(options.locale);',
  '  });',
  '}',
  'export function unique(values, seen = new Set()) {',
  '  const out = [];',
  '  for (const value of values) if (!seen.has(value)) { seen.add(value); out.push(value); }',
  '  return out;',
  '}',
  '',
].join('\n');

/** A bundled dependency that carries only postProcess's callback, reformatted. */
const BUNDLE = [
  'var a=function(b){',
  '  return b.replace(/[_.\\- ]+([\\p{Alpha}\\p{N}_]|$)/gu,function(_, identifier){',
  '    return options.locale === false ? identifier.toUpperCase() : identifier.toLocaleUpperCase(options.locale);',
  '  });',
  '};',
].join('\n');

let root: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'swf-reachable-'));
  await mkdir(path.join(root, 'src'));
  await mkdir(path.join(root, 'node_modules/bundler/dist'), { recursive: true });
  await writeFile(path.join(root, 'src/lib.js'), LIB);
  await writeFile(path.join(root, 'node_modules/bundler/dist/cli.js'), BUNDLE);
});

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe('reachableNodes', () => {
  it('finds the unit whose nested callback a dependency bundles, and not the one found nowhere', async () => {
    const located = locateFunctions(LIB, 'src/lib.js') as FunctionManifestEntry[];
    const postProcess = located.find((f) => f.name === 'postProcess')!.id;
    const unique = located.find((f) => f.name === 'unique')!.id;
    const trace = { root, functions: { 'src/lib.js': located }, moduleLoadFunctions: [] } as unknown as TraceJson;
    const test = 'test/a.test.js > t';
    const rdg = {
      schemaVersion: 1,
      tests: [{ testId: test, status: 'passed', coreNodes: [postProcess, unique], targetCore: [postProcess, unique], dependentCore: [], edges: [] }],
      merged: { nodes: [{ id: test, role: 'test' }, ...[postProcess, unique].map((id) => ({ id, role: 'core' }))], edges: [] },
    } as unknown as RdgJson;
    const found = await reachableNodes(trace, rdg, root, 12);
    expect(found.kept).toEqual([postProcess]);
    expect(found.where[postProcess]).toMatch(/postProcess\/<anonymous> in file .*node_modules\/bundler\/dist\/cli\.js$/);
    expect(found.needles).toBeGreaterThanOrEqual(3);
    // Without the bundle nothing is kept.
    await rm(path.join(root, 'node_modules/bundler'), { recursive: true });
    expect((await reachableNodes(trace, rdg, root, 12)).kept).toEqual([]);
  });
});
