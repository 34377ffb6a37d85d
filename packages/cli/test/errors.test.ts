import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { gitRepo, nodeTestRepo, swf, tmp } from './helpers.js';

/** Every bad input: an error code, a message that says what to do, the right exit code. */
describe('swe-flow synth on bad input', () => {
  it('a missing path: exit 2, SWEFLOW_PATH_MISSING', async () => {
    const r = await swf(['synth', '/nonexistent/repo', '--out', path.join(await tmp('o'), 'out')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('SWEFLOW_PATH_MISSING');
    expect(r.stderr).toMatch(/does not exist: give the path of a repository/);
  });

  it('a folder that is not a repository: exit 2, SWEFLOW_NOT_A_REPO', async () => {
    const r = await swf(['synth', await tmp('plain'), '--out', path.join(await tmp('o'), 'out')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('SWEFLOW_NOT_A_REPO');
  });

  it('a repository without package.json: exit 2, SWEFLOW_NO_PACKAGE_JSON', async () => {
    const repo = await gitRepo({ 'README.md': '# hi\n' });
    const r = await swf(['synth', repo, '--out', path.join(await tmp('o'), 'out')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('SWEFLOW_NO_PACKAGE_JSON');
  });

  it('a runner we do not know: exit 2 with the known ones listed', async () => {
    const repo = await gitRepo({ 'package.json': JSON.stringify({ name: 'x', scripts: { test: 'make check' } }) });
    const r = await swf(['synth', repo, '--out', path.join(await tmp('o'), 'out')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('SWEFLOW_UNKNOWN_RUNNER');
    expect(r.stderr).toMatch(/vitest/);
    const bad = await swf(['synth', repo, '--runner', 'karma', '--out', path.join(await tmp('o'), 'out')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('SWEFLOW_CONFIG_INVALID');
    expect(bad.stderr).toContain('runner');
  });

  it('no tests: exit 1, SWEFLOW_NO_TESTS, partial results on disk', async () => {
    const repo = await nodeTestRepo(null, { 'test/.keep': '' });
    const out = path.join(await tmp('o'), 'out');
    const r = await swf(['synth', repo, '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('SWEFLOW_NO_TESTS');
    expect(JSON.parse(await readFile(path.join(out, 'repo.json'), 'utf8')).runner).toBe('node-test');
  });

  it('every test fails: exit 1, SWEFLOW_ALL_TESTS_FAIL, the trace kept with the failures', async () => {
    const repo = await nodeTestRepo("test('adds', () => { assert.equal(add(1, 2), 4); });");
    const out = path.join(await tmp('o'), 'out');
    const r = await swf(['synth', repo, '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('SWEFLOW_ALL_TESTS_FAIL');
    const trace = JSON.parse(await readFile(path.join(out, 'trace.json'), 'utf8'));
    expect(trace.excluded.map((e: { id: string }) => e.id)).toEqual(['test/math.test.js > adds']);
  });

  it('tests that call no source function: exit 1, SWEFLOW_NO_STEPS saying why, the run\'s outputs kept', async () => {
    const repo = await nodeTestRepo("test('arithmetic', () => { assert.equal(1 + 2, 3); });");
    const out = path.join(await tmp('o'), 'out');
    const r = await swf(['synth', repo, '--out', out, '--json']);
    expect(r.code).toBe(1);
    const error = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((l) => l.type === 'error');
    expect(error).toMatchObject({ code: 'SWEFLOW_NO_STEPS', message: expect.stringMatching(/1 passing test\(s\) were traced, but no step could be scheduled: 1 test\(s\) no-core-nodes/) });
    expect(JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8')).noTasks.code).toBe('SWEFLOW_NO_STEPS');
  });

  it('a failing install: exit 2, SWEFLOW_INSTALL_FAILED with the package manager output', async () => {
    const repo = await gitRepo({
      'package.json': JSON.stringify({ name: 'x', version: '1.0.0', scripts: { test: 'node --test' }, dependencies: { 'swe-flow-no-such-package-xyz': '1.0.0' } }),
      // The code names the missing package, so installing without it (the fallback for unused ones) is not tried.
      'index.js': "module.exports = require('swe-flow-no-such-package-xyz');\n",
    });
    const r = await swf(['synth', repo, '--out', path.join(await tmp('o'), 'out')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('SWEFLOW_INSTALL_FAILED');
    expect(r.stderr).toMatch(/npm install/);
  });

  it('a suite that hangs: killed by the trace timeout, exit 1, SWEFLOW_TRACE_TIMEOUT', async () => {
    const repo = await nodeTestRepo("test('hangs', async () => { await new Promise(() => setInterval(() => {}, 1000)); });");
    const started = Date.now();
    const r = await swf(['synth', repo, '--out', path.join(await tmp('o'), 'out'), '--trace-timeout', '5000']);
    expect(r.stderr).toContain('SWEFLOW_TRACE_TIMEOUT');
    expect(r.code).toBe(1);
    expect(Date.now() - started).toBeLessThan(120_000);
  });

  it('an output directory with content: exit 2 unless --resume or --force, and nothing in it is lost', async () => {
    const repo = await nodeTestRepo("test('adds', () => { assert.equal(add(1, 2), 3); });");
    const out = await tmp('full');
    await writeFile(path.join(out, 'keep.txt'), 'mine');
    const r = await swf(['synth', repo, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('SWEFLOW_OUT_DIR_NOT_EMPTY');
    expect(r.stderr).toMatch(/--resume|--force/);
    expect(await readdir(out)).toEqual(['keep.txt']);
  });

  it('an output directory that cannot be written: exit 2, SWEFLOW_OUT_DIR_UNWRITABLE', async () => {
    const repo = await nodeTestRepo("test('adds', () => { assert.equal(add(1, 2), 3); });");
    const dir = await tmp('file');
    await writeFile(path.join(dir, 'a-file'), '');
    const r = await swf(['synth', repo, '--out', path.join(dir, 'a-file', 'out')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('SWEFLOW_OUT_DIR_UNWRITABLE');
    await mkdir(path.join(dir, 'ok'));
    expect((await stat(path.join(dir, 'a-file'))).isFile()).toBe(true);
  });

  it('usage errors: a missing --out and an unknown command exit 2', async () => {
    const r = await swf(['synth', '.']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--out <dir> is required/);
    expect((await swf(['frobnicate'])).code).toBe(2);
  });
});
