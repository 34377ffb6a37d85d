import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { locateFunctions, parseSource, planDocComments, stubFunctions, type StubStyle } from './index.js';
import { assertByteIdenticalOutside } from '../test/byte-identity.js';

// Real, installed third-party sources (pinned by the lockfile): modern ESM JavaScript (execa) and
// generic-heavy TypeScript (zod's core). Read only; nothing from them is committed.
const NODE_MODULES = fileURLToPath(new URL('../../../node_modules/', import.meta.url));
const SETS = [
  { dir: 'execa/lib', pattern: /\.js$/ },
  { dir: 'zod/src/v4/core', pattern: /^(?!.*test).*\.ts$/ },
];

function sources(): Array<{ file: string; code: string }> {
  return SETS.flatMap(({ dir, pattern }) =>
    readdirSync(path.join(NODE_MODULES, dir), { recursive: true })
      .map(String)
      .filter((f) => pattern.test(f) && !f.endsWith('.d.ts'))
      .sort()
      .map((f) => ({ file: `${dir}/${f}`, code: readFileSync(path.join(NODE_MODULES, dir, f), 'utf8') })),
  );
}

describe('stubFunctions on real third-party sources', () => {
  const files = sources();

  it('finds a meaningful corpus', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(files.reduce((n, f) => n + locateFunctions(f.code, f.file).length, 0)).toBeGreaterThan(1000);
  });

  it.each(['throw', 'return-undefined'] as StubStyle[])('stubs every function of every file (%s): parses, accounted for, byte-identical outside', (style) => {
    for (const { file, code } of files) {
      const fns = locateFunctions(code, file);
      const result = stubFunctions(code, file, fns.map((f) => f.id), { style });
      expect(() => parseSource(result.code, file), file).not.toThrow();
      expect(result.stubbed.length + result.stubbedByParent.length, file).toBe(fns.length);
      expect(locateFunctions(result.code, file).length, file).toBe(result.stubbed.length);
      assertByteIdenticalOutside(code, result.code, fns.filter((f) => result.stubbed.includes(f.id)));
    }
  });

  it('stubs and documents top-level functions in one pass and the result parses', () => {
    let inserted = 0;
    for (const { file, code } of files) {
      const fns = locateFunctions(code, file).filter((f) => !f.name.includes('/'));
      const plan = planDocComments(code, file, Object.fromEntries(fns.map((f) => [f.id, `Documents ${f.name}.`])));
      inserted += plan.insertions.length;
      const result = stubFunctions(code, file, fns.map((f) => f.id), { insertions: plan.insertions });
      expect(result.droppedInsertions, file).toEqual([]);
      expect(() => parseSource(result.code, file), file).not.toThrow();
    }
    expect(inserted).toBeGreaterThan(500);
  });
});
