/**
 * A release built end to end by the real CLI from a manifest of two real git repositories (the
 * node:test fixture, and a second clone of it under another path: the same repository reached twice),
 * killed mid-build and resumed, verified, rebuilt with nothing changed, diffed, tampered with, and its
 * Parquet read by DuckDB, a reader independent of the writer.
 */
import { execFile, spawn } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, writeFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRelease, diffReleases, verifyRelease } from '../src/index.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../', import.meta.url));
const cli = path.join(root, 'packages/cli/bin/swe-flow.js');

let tmp: string;
let manifest: string;
let rel: string;

async function gitRepo(dir: string): Promise<void> {
  await cp(path.join(root, 'fixtures/node-test-esm'), dir, { recursive: true, filter: (src) => !src.includes('node_modules') });
  await run('git', ['init', '-q'], { cwd: dir });
  await run('git', ['add', '-A'], { cwd: dir });
  await run('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-qm', 'fixture'], { cwd: dir });
}

async function results(dir: string): Promise<number> {
  const builds = await readdir(path.join(dir, '.build')).catch(() => []);
  let n = 0;
  for (const b of builds) if (await stat(path.join(dir, '.build', b, 'result.json')).then(() => true, () => false)) n++;
  return n;
}

async function dataHashes(dir: string): Promise<Record<string, string>> {
  const { createHash } = await import('node:crypto');
  const files = (await readdir(path.join(dir, 'data'))).sort();
  return Object.fromEntries(await Promise.all(files.map(async (f) => [f, createHash('sha256').update(await readFile(path.join(dir, 'data', f))).digest('hex')])));
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'swe-flow-release-test-'));
  await gitRepo(path.join(tmp, 'queue'));
  await run('git', ['clone', '-q', path.join(tmp, 'queue'), path.join(tmp, 'mirror-of-queue')]);
  manifest = path.join(tmp, 'release.yaml');
  await writeFile(manifest, [
    'name: queue-tasks',
    'options:',
    '  split: { test: [acme/queue] }',
    '  synth: { maxSteps: 4 }',
    'repositories:',
    '  - url: ./queue',
    '    name: acme/queue',
    '  - url: ./mirror-of-queue',
    '    name: other/queue-copy',
    '',
  ].join('\n'));
  rel = path.join(tmp, 'rel');
}, 60_000);

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('swe-flow release build', () => {
  it('survives being stopped mid-build (SIGTERM, as Ctrl-C or a scheduler would): the rerun reuses the settled repository and finishes the other', async () => {
    const child = spawn(process.execPath, [cli, 'release', 'build', manifest, '--out', rel, '--version', '1.0.0'], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
    const deadline = Date.now() + 480_000;
    while ((await results(rel)) < 1 && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 500));
    expect(child.exitCode).toBeNull(); // still building the second repository
    process.kill(-child.pid!, 'SIGTERM');
    expect(await exited).toBe(143);
    expect(stderr).toContain('interrupted by SIGTERM');
    expect(stderr).toContain(`to continue, rerun: swe-flow release build ${manifest} --out ${rel} --version 1.0.0 (`);
    // The shutdown records nothing for the repository it stopped: no result, so it is not taken for a failure.
    expect(await results(rel)).toBe(1);

    const resumed = await buildRelease({ manifest, out: rel, version: '1.0.0' });
    expect({ built: resumed.built, reused: resumed.reused, failed: resumed.failed }).toEqual({ built: 1, reused: 1, failed: 0 });
    // The clone is the same repository under another URL: its rows are dropped, each with the reason.
    const dropped = (await readFile(path.join(rel, 'dropped.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { repo: string; reason: string });
    expect(dropped.length).toBeGreaterThan(0);
    expect(new Set(dropped.map((d) => `${d.repo} ${d.reason}`))).toEqual(new Set(['other/queue-copy duplicate-repository']));
    expect(resumed.record.splits.test!.rows).toBeGreaterThan(0);
    expect(resumed.record.splits.train).toBeUndefined();
    expect(resumed.record.splits.lite!.rows).toBe(resumed.record.splits.test!.rows);
    const repo = resumed.record.repositories.find((r) => r.name === 'acme/queue')!;
    expect(repo.gold).toMatchObject({ resolved: repo.gold!.total });
    expect(repo.empty).toMatchObject({ resolved: 0 });
  }, 900_000);

  it('passes release verify, and its Parquet reads in DuckDB with the JSONL\'s rows', async () => {
    const { stdout } = await run(process.execPath, [cli, 'release', 'verify', rel]);
    expect(stdout).toContain('release verified');
    const jsonl = (await readFile(path.join(rel, 'data/test-00000-of-00001.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { instance_id: string; FAIL_TO_PASS: string[]; step: number });
    const db = await (await DuckDBInstance.create(':memory:')).connect();
    const read = await db.runAndReadAll(`select instance_id, FAIL_TO_PASS, step from read_parquet('${path.join(rel, 'data/test-00000-of-00001.parquet')}') order by instance_id`);
    const rows = read.getRowObjectsJson() as { instance_id: string; FAIL_TO_PASS: string[]; step: string | number }[];
    expect(rows.map((r) => [r.instance_id, r.FAIL_TO_PASS, Number(r.step)])).toEqual(
      [...jsonl].sort((a, b) => a.instance_id.localeCompare(b.instance_id)).map((r) => [r.instance_id, r.FAIL_TO_PASS, r.step]));
    const card = await readFile(path.join(rel, 'README.md'), 'utf8');
    expect(card).toContain(`| test | ${jsonl.length} | 1 |`);
    expect(card).toContain('path: data/test-00000-of-00001.parquet');
  });

  it('carries the environment audit: each repository\'s report in audit/, summed in release.json and the card', async () => {
    const record = JSON.parse(await readFile(path.join(rel, 'release.json'), 'utf8')) as { repositories: { name: string; status: string; rows: number; audit: { ran: boolean; runtime: string; tasks: number; solutionReachable: number; report: string } | null }[] };
    const queue = record.repositories.find((r) => r.name === 'acme/queue')!;
    expect(queue.audit).toMatchObject({ ran: true, runtime: 'local', solutionReachable: 0, report: 'audit/acme__queue.json' });
    // every published row was audited (the copy's rows are dropped as duplicates after the audit)
    expect(queue.audit!.tasks).toBeGreaterThanOrEqual(queue.rows);
    expect(queue.rows).toBeGreaterThan(0);
    const report = JSON.parse(await readFile(path.join(rel, queue.audit!.report), 'utf8')) as { tasks: { instance_id: string; ok: boolean }[]; failed: string[] };
    expect(report.tasks.length).toBe(queue.audit!.tasks);
    expect(report.failed).toEqual([]);
    const sums = await readFile(path.join(rel, 'MANIFEST.sha256'), 'utf8');
    expect(sums).toContain('  audit/acme__queue.json');
    const total = record.repositories.reduce((s, r) => s + (r.audit?.tasks ?? 0), 0);
    const card = await readFile(path.join(rel, 'README.md'), 'utf8');
    expect(card).toContain(`${total} tasks in 2 repositories, 0 with the solution reachable`);
  });

  it('rebuilds with nothing changed: no synth, byte-identical data files, and no difference', async () => {
    const before = await dataHashes(rel);
    const copy = path.join(tmp, 'rel-1.0.0');
    await cp(rel, copy, { recursive: true, filter: (src) => !src.includes(`${path.sep}.build`) });
    const again = await buildRelease({ manifest, out: rel, version: '1.0.0' });
    expect({ built: again.built, reused: again.reused }).toEqual({ built: 0, reused: 2 });
    expect(await dataHashes(rel)).toEqual(before);
    const d = await diffReleases(copy, rel);
    expect({ added: d.added, removed: d.removed, changed: d.changed, moved: d.moved }).toEqual({ added: [], removed: [], changed: [], moved: [] });
    expect(d.unchanged).toBe(again.record.splits.test!.rows);
  }, 300_000);

  it('release verify catches a changed data file and a row that disagrees with its Parquet', async () => {
    const jsonlFile = path.join(rel, 'data/test-00000-of-00001.jsonl');
    const original = await readFile(jsonlFile, 'utf8');
    const lines = original.trim().split('\n');
    const first = JSON.parse(lines[0]!) as Record<string, unknown>;
    lines[0] = JSON.stringify({ ...first, problem_statement: `${String(first.problem_statement)}\nextra` });
    await writeFile(jsonlFile, `${lines.join('\n')}\n`);
    try {
      const result = await verifyRelease(rel);
      expect(result.ok).toBe(false);
      expect(result.problems.map((p) => p.check)).toEqual(expect.arrayContaining(['checksums', 'parquet-jsonl']));
      await expect(run(process.execPath, [cli, 'release', 'verify', rel])).rejects.toMatchObject({ code: 1 });
    } finally {
      await writeFile(jsonlFile, original);
    }
    expect((await verifyRelease(rel)).ok).toBe(true);
  });

  it('refuses a bad manifest and a missing version with codes, writing nothing', async () => {
    const bad = path.join(tmp, 'bad.json');
    await writeFile(bad, JSON.stringify({ repositories: [{ url: './queue', colour: 'blue' }] }));
    const out = path.join(tmp, 'never');
    const r1 = await run(process.execPath, [cli, 'release', 'build', bad, '--out', out, '--version', '1.0.0']).catch((e: { code: number; stderr: string }) => e);
    expect(r1).toMatchObject({ code: 2, stderr: expect.stringContaining('SWEFLOW_CONFIG_INVALID') });
    const r2 = await run(process.execPath, [cli, 'release', 'build', manifest, '--out', out]).catch((e: { code: number; stderr: string }) => e);
    expect(r2).toMatchObject({ code: 2, stderr: expect.stringContaining('--version') });
    expect(await stat(out).then(() => true, () => false)).toBe(false);
  });
});
