/**
 * The warm vitest session on fixtures/vitest-ts, in a real local workspace: same ids and statuses as
 * the plain `vitest run` parsed by vitestAdapter, changed files are reloaded, a crashed session fails
 * loudly (so callers fall back to plain runs).
 */
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes, type TestResult, type TestSelection, type Workspace } from '@swe-flow/core';
import { createLocalRuntime } from '@swe-flow/runtime';
import { vitestAdapter } from '../adapters/vitest.js';
// Fixtures carry no node_modules in a fresh clone: install once per lockfile hash.
import { cachedInstall } from '../adapters/runner-kit.testing.js';
import { hasSession, openSession, type TestSession } from './index.js';

const FIXTURE = fileURLToPath(new URL('../../../../fixtures/vitest-ts/', import.meta.url));

let repo: string;
let ws: Workspace;
let session: TestSession;

async function plainRun(selection: TestSelection): Promise<TestResult[]> {
  const resultFile = `.swe-flow/plain-${Date.now()}.json`;
  await ws.writeFile('.swe-flow/.keep', '');
  const res = await ws.exec(vitestAdapter.plainCommand({ resultFile, selection }), { timeoutMs: 120_000 });
  const text = await ws.readFile(resultFile);
  if (!text) throw new Error(`no result file (exit ${res.exitCode}): ${res.stderr}`);
  return vitestAdapter.parseResults(text, ws.root);
}

const byId = (rs: TestResult[]) => Object.fromEntries(rs.map((r) => [r.id, r.status]));

beforeAll(async () => {
  repo = await mkdtemp(path.join(os.tmpdir(), 'swf-session-'));
  for (const f of ['package.json', 'tsconfig.json', 'vitest.config.ts', 'src', 'test']) await cp(path.join(FIXTURE, f), path.join(repo, f), { recursive: true });
  await execa('git', ['init', '-q'], { cwd: repo });
  await execa('git', ['add', '-A'], { cwd: repo });
  await execa('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'fixture'], { cwd: repo });
  ws = await createLocalRuntime().open({ taskRepo: repo, commit: 'HEAD', dependenciesDir: path.dirname(await cachedInstall(FIXTURE)), label: 'session-test' });
  const s = await openSession(ws, 'vitest', { runTimeoutMs: 120_000 });
  if (!s) throw new Error('the local runtime should support a vitest session');
  session = s;
}, 180_000);

afterAll(async () => {
  await session?.close();
  await ws?.dispose();
  if (repo) await rm(repo, { recursive: true, force: true });
});

describe('warm vitest session', () => {
  it('is offered for vitest only, and only where the workspace can spawn', async () => {
    expect(hasSession('vitest')).toBe(true);
    expect(hasSession('mocha')).toBe(false);
    const noSpawn: Workspace = { root: ws.root, exec: ws.exec.bind(ws), checkout: ws.checkout.bind(ws), readFile: ws.readFile.bind(ws), writeFile: ws.writeFile.bind(ws), dispose: async () => {} };
    expect(await openSession(noSpawn, 'vitest')).toBeUndefined();
  });

  it('reports the same test ids and statuses as a plain vitest run, whole files and name-filtered', async () => {
    const whole: TestSelection = { files: ['test/shapes.test.ts', 'test/geometry.test.ts', 'test/report.test.ts'], testIds: [] };
    const plain = await plainRun(whole);
    const warm = await session.run(whole, []);
    expect(plain.length).toBeGreaterThan(10);
    expect(byId(warm)).toEqual(byId(plain));

    // A name filter: the selected tests run, the others of the file are skipped, as in the plain run.
    const picked = plain.filter((r) => r.file === 'test/shapes.test.ts').slice(0, 2).map((r) => r.id);
    const filtered: TestSelection = { files: ['test/shapes.test.ts'], testIds: picked };
    const plainF = await plainRun(filtered);
    const warmF = await session.run(filtered, []);
    expect(byId(warmF)).toEqual(byId(plainF));
    expect(warmF.filter((r) => r.status === 'passed').map((r) => r.id).sort()).toEqual([...picked].sort());
  }, 120_000);

  it('reloads changed source files: a broken function fails in the next run, and passes again once restored', async () => {
    const sel: TestSelection = { files: ['test/shapes.test.ts'], testIds: [] };
    const before = await session.run(sel, []);
    expect(byId(before)).toEqual(byId(await plainRun(sel)));
    const passingBefore = before.filter((r) => r.status === 'passed').length;
    expect(passingBefore).toBeGreaterThan(3);
    const file = path.join(ws.root, 'src/shapes.ts');
    const original = await readFile(file, 'utf8');
    // Every method body that returns something now throws first.
    const broken = original.replace(/\breturn\b/g, 'throw new Error("stubbed"); return');
    expect(broken).not.toBe(original);
    await writeFile(file, broken);
    // Without telling the session, the cached module is reused (this is why changedFiles exists).
    const stale = await session.run(sel, []);
    const fresh = await session.run(sel, ['src/shapes.ts']);
    const plain = await plainRun(sel);
    expect(byId(fresh)).toEqual(byId(plain));
    expect(fresh.filter((r) => r.status === 'passed').length).toBeLessThan(passingBefore);
    // Not told about the change, the session keeps serving the module it had transformed: this is
    // why runs pass the files a checkout changed.
    expect(byId(stale)).toEqual(byId(before));
    await writeFile(file, original);
    const restored = await session.run(sel, ['src/shapes.ts']);
    expect(byId(restored)).toEqual(byId(before));
  }, 120_000);

  it('fails loudly when asked for a file that is not a test file, and keeps serving afterwards', async () => {
    await expect(session.run({ files: ['src/shapes.ts'], testIds: [] }, [])).rejects.toMatchObject({ code: ErrorCodes.SESSION_FAILED });
    const again = await session.run({ files: ['test/geometry.test.ts'], testIds: [] }, []);
    expect(again.length).toBeGreaterThan(0);
  }, 60_000);

  it('a session whose process dies rejects its runs with SESSION_FAILED', async () => {
    const s2 = (await openSession(ws, 'vitest'))!;
    const pids = (await execa('pgrep', ['-f', '.swe-flow/vitest-session.mjs'], { reject: false })).stdout.split('\n').filter(Boolean);
    expect(pids.length).toBeGreaterThanOrEqual(2);
    await s2.close();
    await expect(s2.run({ files: ['test/geometry.test.ts'], testIds: [] }, [])).rejects.toMatchObject({ code: ErrorCodes.SESSION_FAILED });
  }, 120_000);
});

describe('warm jest session (fixtures/jest-ts, ts-jest)', () => {
  const JEST_FIXTURE = fileURLToPath(new URL('../../../../fixtures/jest-ts/', import.meta.url));
  let jrepo: string;
  let jws: Workspace;
  let jsession: TestSession;

  const plainJest = async (selection: TestSelection): Promise<TestResult[]> => {
    const resultFile = `.swe-flow/plain-${Date.now()}.json`;
    await jws.writeFile('.swe-flow/.keep', '');
    const { jestAdapter } = await import('../adapters/jest.js');
    const res = await jws.exec(jestAdapter.plainCommand({ resultFile, selection }), { timeoutMs: 180_000 });
    const text = await jws.readFile(resultFile);
    if (!text) throw new Error(`no result file (exit ${res.exitCode}): ${res.stderr}`);
    return jestAdapter.parseResults(text, jws.root);
  };

  beforeAll(async () => {
    jrepo = await mkdtemp(path.join(os.tmpdir(), 'swf-jsession-'));
    for (const f of ['package.json', 'tsconfig.json', 'jest.config.js', 'src', 'test']) await cp(path.join(JEST_FIXTURE, f), path.join(jrepo, f), { recursive: true });
    await execa('git', ['init', '-q'], { cwd: jrepo });
    await execa('git', ['add', '-A'], { cwd: jrepo });
    await execa('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'fixture'], { cwd: jrepo });
    jws = await createLocalRuntime().open({ taskRepo: jrepo, commit: 'HEAD', dependenciesDir: path.dirname(await cachedInstall(JEST_FIXTURE)), label: 'jsession-test' });
    jsession = (await openSession(jws, 'jest', { runTimeoutMs: 180_000 }))!;
  }, 180_000);

  afterAll(async () => {
    await jsession?.close();
    await jws?.dispose();
    if (jrepo) await rm(jrepo, { recursive: true, force: true });
  });

  it('matches plain jest runs (ids, statuses, name filter) and sees edited sources without being told', async () => {
    expect(hasSession('jest')).toBe(true);
    const whole: TestSelection = { files: [], testIds: [] };
    const plain = await plainJest(whole);
    expect(plain.length).toBeGreaterThan(5);
    expect(byId(await jsession.run(whole, []))).toEqual(byId(plain));

    const first = plain[0]!;
    const filtered: TestSelection = { files: [first.file], testIds: [first.id] };
    const warmF = await jsession.run(filtered, []);
    expect(byId(warmF)).toEqual(byId(await plainJest(filtered)));
    expect(warmF.filter((r) => r.status === 'passed').map((r) => r.id)).toEqual([first.id]);

    // Break every returning function of the sources: jest's content-keyed transform cache picks it up.
    const srcDir = path.join(jws.root, 'src');
    const sources = (await readdir(srcDir)).filter((f) => f.endsWith('.ts'));
    const originals = new Map<string, string>();
    for (const f of sources) {
      const text = await readFile(path.join(srcDir, f), 'utf8');
      originals.set(f, text);
      await writeFile(path.join(srcDir, f), text.replace(/\breturn\b/g, 'throw new Error("stubbed"); return'));
    }
    const broken = await jsession.run(whole, []);
    expect(byId(broken)).toEqual(byId(await plainJest(whole)));
    expect(broken.filter((r) => r.status === 'passed').length).toBeLessThan(plain.filter((r) => r.status === 'passed').length);
    for (const [f, text] of originals) await writeFile(path.join(srcDir, f), text);
    expect(byId(await jsession.run(whole, []))).toEqual(byId(plain));
  }, 600_000);
});
