import { mkdir, mkdtemp, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { AUDIT_SCAN_SCRIPT, normalizeCode, scanOnHost } from '../src/index.js';

const BODY = `{
  const words = title.toLowerCase().split(/[^a-z0-9]+/).filter((word) => word.length > 0);
  return words.join('-');
}`;
const OTHER = `{
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === null || proto === Object.prototype;
}`;
const needles = [{ id: 'slugify', text: BODY }, { id: 'isPlainObject', text: OTHER }];

async function tree(): Promise<{ root: string; put: (rel: string, content: string | Buffer) => Promise<string> }> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'swe-flow-scan-cache-'));
  const put = async (rel: string, content: string | Buffer) => {
    const file = path.join(root, rel);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
    return file;
  };
  return { root, put };
}

const where = (root: string, hits: Array<{ id: string; kind: string; path: string }>) => hits.map((h) => `${h.id} ${h.kind} ${path.relative(root, h.path)}`);

describe('the scanner cache: dependency folders read once per run', () => {
  it('answers unchanged files from the cache, and reads again what changed, even with the same size and mtime', async () => {
    const { root, put } = await tree();
    const cacheFile = path.join(root, 'cache', 'scan.json');
    await put('deps/a/index.js', `function s(title) ${BODY}\n`);
    await put('deps/b/index.js', `export function isPlainObject(value) ${OTHER}\n`);
    await put('deps/c/leak.tgz', gzipSync(Buffer.from(BODY)));
    await put('deps/d/out.js.map', JSON.stringify({ version: 3, sources: ['x.js'], sourcesContent: [`function p(value) ${OTHER}`] }));
    const clean = await put('deps/e/clean.js', `export function nothing() { return ${'1'.repeat(BODY.length - 6)}; }\n`);
    const input = { roots: [path.join(root, 'deps')], needles, cacheFile };

    const cold = await scanOnHost(input);
    const expected = ['slugify file deps/a/index.js', 'isPlainObject file deps/b/index.js', 'slugify gzip deps/c/leak.tgz', 'isPlainObject source-map deps/d/out.js.map'];
    expect(where(root, cold.hits)).toEqual(expected);
    expect(cold.cachedFiles).toBe(0);
    const uncached = await scanOnHost({ roots: input.roots, needles });
    expect(uncached.hits).toEqual(cold.hits);

    const warm = await scanOnHost(input);
    expect(warm.cachedFiles).toBe(5);
    expect(warm.hits).toEqual(cold.hits);
    expect([warm.files, warm.bytes]).toEqual([cold.files, cold.bytes]);

    // A planted copy of the same size, its mtime put back: ctime still tells the file changed.
    const before = await stat(clean);
    const planted = `function s(title) ${BODY}`.padEnd(before.size, ' ');
    expect(planted.length).toBe(before.size);
    await writeFile(clean, planted);
    await utimes(clean, before.atime, before.mtime);
    const after = await scanOnHost(input);
    expect(after.cachedFiles).toBe(4);
    expect(where(root, after.hits)).toEqual([...expected, 'slugify file deps/e/clean.js']);
  });

  it('searches unchanged files for needles the cache has not seen, and reports only the needles asked for', async () => {
    const { root, put } = await tree();
    const cacheFile = path.join(root, 'scan.json');
    await put('deps/a/index.js', `function s(title) ${BODY}\n`);
    await put('deps/b/index.js', `export function isPlainObject(value) ${OTHER}\n`);
    const roots = [path.join(root, 'deps')];

    const first = await scanOnHost({ roots, needles: [needles[0]!], cacheFile });
    expect(where(root, first.hits)).toEqual(['slugify file deps/a/index.js']);
    // isPlainObject is new to the cache: every file is read again for it (and only for it)
    const second = await scanOnHost({ roots, needles: [needles[1]!], cacheFile });
    expect(where(root, second.hits)).toEqual(['isPlainObject file deps/b/index.js']);
    expect(second.cachedFiles).toBe(0);
    // now the cache knows both: nothing is read, each scan reports its own needles
    const both = await scanOnHost({ roots, needles, cacheFile });
    expect(both.cachedFiles).toBe(2);
    expect(where(root, both.hits)).toEqual(['slugify file deps/a/index.js', 'isPlainObject file deps/b/index.js']);
    // a body edited under the same id is a different needle: searched again, not taken from the cache
    const edited = { id: 'slugify', text: BODY.replace("join('-')", "join('_')") };
    const again = await scanOnHost({ roots, needles: [edited], cacheFile });
    expect(again.hits).toEqual([]);
    expect(again.cachedFiles).toBe(0);
    // an unreadable cache is no cache
    await writeFile(cacheFile, '{ not json');
    expect(where(root, (await scanOnHost({ roots, needles, cacheFile })).hits)).toEqual(where(root, both.hits));
    expect(JSON.parse(await readFile(cacheFile, 'utf8')).version).toBe(1);
  });
});

describe('the one-pass anchor search', () => {
  // The scanner's matcher (all anchors in one pass over the bytes) against the definition: a needle is in
  // a text when the text holds its anchor (its longest word) and, normalized, its normalized body.
  const scanner = createRequire(import.meta.url)(AUDIT_SCAN_SCRIPT) as { matcher(n: Array<{ id: string; text: string }>): (t: string) => string[] };
  const anchorOf = (text: string) => (text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:\\])\/\/[^\n]*/g, '$1').match(/[A-Za-z_$][\w$]*|\d+/g) ?? ['']).reduce((a, b) => (b.length > a.length ? b : a), '');
  const latin1 = (t: string) => Buffer.from(t, 'utf8').toString('latin1');
  const definition = (list: typeof needles, text: string) =>
    list.filter((n) => text.includes(latin1(anchorOf(n.text))) && normalizeCode(text).includes(normalizeCode(latin1(n.text)))).map((n) => n.id);

  it('finds exactly what one includes() per needle finds, over many generated texts', () => {
    const words = ['return', 'value', 'proto', 'Object', 'getPrototypeOf', 'words', 'title', 'join', 'ä', 'é', 'proto ===', '{', '}', ';', '\n', '// c\n', '/* c */'];
    const list = [...needles, { id: 'short', text: '{ return value; }' }, { id: 'unicode', text: '{ return "é" + value + "ä"; }' }, { id: 'same-anchor', text: '{ return getPrototypeOf(value); }' }];
    const match = scanner.matcher(list);
    let seed = 7;
    const next = () => (seed = (seed * 48271) % 2147483647);
    let found = 0;
    for (let i = 0; i < 400; i++) {
      const parts = Array.from({ length: 40 }, () => words[next() % words.length]!);
      if (i % 4 === 0) parts.splice(next() % 40, 0, list[next() % list.length]!.text);
      const text = latin1(parts.join(next() % 2 ? ' ' : ''));
      const expected = definition(list, text);
      found += expected.length;
      expect(match(text)).toEqual(expected);
    }
    expect(found).toBeGreaterThan(50);
  });

  it('with many distinct anchors (one pass over the bytes instead of one includes() each), overlapping ones too', () => {
    // anchors that are prefixes, suffixes and overlaps of one another exercise the automaton's fail links
    const names = ['combineResult', 'combineResultList', 'ResultList', 'resultAsyncList', 'AsyncList', 'listWithAllErrors', 'WithAllErrors', 'AllErrorsAsync', 'errorsAsyncFn', 'safeUnwrapper', 'unwrapperOr', 'fromSafePromise', 'SafePromiseLike', 'promiseLikeValue', 'mapErrorFunction', 'ErrorFunctionä'];
    const list = names.map((name) => ({ id: name, text: `{ const out = ${name}(value, other); return out ? out : null; }` }));
    const match = scanner.matcher(list);
    const words = [...names.map((n) => n.slice(0, n.length - 2)), ...names.map((n) => n.slice(3)), 'value', 'other', 'return', 'out', '?', ':', 'null', ';', '\n'];
    let seed = 11;
    const next = () => (seed = (seed * 48271) % 2147483647);
    let found = 0;
    for (let i = 0; i < 300; i++) {
      const parts = Array.from({ length: 30 }, () => words[next() % words.length]!);
      if (i % 3 === 0) parts.splice(next() % 30, 0, list[next() % list.length]!.text);
      if (i % 5 === 0) parts.splice(next() % 30, 0, names[next() % names.length]!);
      const text = latin1(parts.join(next() % 2 ? ' ' : ''));
      const expected = definition(list, text);
      found += expected.length;
      expect(match(text)).toEqual(expected);
    }
    expect(found).toBeGreaterThan(80);
  });
});
