/**
 * The size floor's added lines per core node (`unitLines`): non-blank body lines of what stubbing the
 * node replaces, read from the traced copy; a factory that ran at module load counts its inner functions
 * (outermost only); a file that cannot be read falls back to the manifest's line span.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FunctionManifestEntry, RdgJson, TraceJson } from '@swe-flow/core';
import { locateFunctions } from '@swe-flow/skeleton';
import { unitLines } from '../src/unit-lines.js';

const LIB = [
  'export function make() {',
  '  const helper = () => {',
  '    return 1;',
  '  };',
  '  function inner(x) {',
  '    const y = [x].map((v) => v + 1)[0];',
  '',
  '    return y * 2;',
  '  }',
  '  return { helper, inner };',
  '}',
  'export function plain(a) {',
  '  return a + 1;',
  '}',
  '',
].join('\n');

const GONE: FunctionManifestEntry = { id: 'src/gone.js:1:8:gone', name: 'gone', kind: 'declaration', line: 1, column: 8, endLine: 6, async: false, generator: false, static: false };

let root: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'swf-unit-lines-'));
  await mkdir(path.join(root, 'src'));
  await writeFile(path.join(root, 'src/lib.js'), LIB);
});

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe('unitLines', () => {
  it('counts the body lines stubbing replaces, and the manifest span where the file is gone', async () => {
    const functions = { 'src/lib.js': locateFunctions(LIB, 'src/lib.js') as FunctionManifestEntry[], 'src/gone.js': [GONE] };
    const make = 'src/lib.js:1:8:make';
    const plain = 'src/lib.js:12:8:plain';
    const unknown = 'src/gone.js:9:1:unknown';
    const trace = { root, functions, moduleLoadFunctions: [make] } as unknown as TraceJson;
    const rdg = { merged: { nodes: [{ id: 'test/a.test.js > t', role: 'test' }, ...[make, plain, GONE.id, unknown].map((id) => ({ id, role: 'core' }))], edges: [] } } as unknown as RdgJson;
    expect(await unitLines(trace, rdg)).toEqual({
      // make ran at load: its inner functions are the targets; inner's callback goes with inner.
      [make]: 1 + 2,
      [plain]: 1,
      // Not readable: the manifest's span (6 - 1 - 1), or 1 without an entry.
      [GONE.id]: 4,
      [unknown]: 1,
    });
  });
});
