import type { DatasetRow } from '@swe-flow/core';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { renderCard } from './card.js';
import { currentGenerator, reuseOf } from './generator.js';
import { resolveManifest, repoNameOf } from './manifest.js';
import { mergeRows, taskFingerprint } from './merge.js';
import { columnsOf, readParquet, rowsToParquet } from './parquet.js';
import { assignSplits, splitRows } from './splits.js';
import { writeFile, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

function row(repo: string, step: number, over: Partial<DatasetRow> = {}): DatasetRow {
  const id = `${repo.replace('/', '__')}-isolated-${step}`;
  return {
    instance_id: id, repo, base_commit: 'a'.repeat(40), reference_commit: 'b'.repeat(40),
    patch: `diff --git a/src/${step}.js b/src/${step}.js\n+return ${step};\n`, test_patch: '', problem_statement: `# ${id}\n`,
    FAIL_TO_PASS: [`test/${step}.test.js > works`], PASS_TO_PASS: [], image: 'img:1', version: '0.1.0', created_at: '2026-01-01T00:00:00.000Z',
    environment_setup_commit: 'c'.repeat(40), step, mode: 'isolated', nodes_to_develop: [`src/${step}.js:1:1:f${step}`], target_core_nodes: [], dependent_core_nodes: [],
    test_files: [`test/${step}.test.js`], test_command: 'node --test', difficulty: 'easy', runner: 'node-test', schema_version: 1, ...over,
  };
}

const repoRows = (name: string, rows: DatasetRow[], extra: { sourceTree?: string; goldFailing?: string[]; emptyResolving?: string[] } = {}) =>
  ({ name, license: 'MIT', rows, goldFailing: extra.goldFailing ?? [], emptyResolving: extra.emptyResolving ?? [], ...(extra.sourceTree ? { sourceTree: extra.sourceTree } : {}) });

describe('mergeRows', () => {
  it('drops gold failures, empty-resolved rows, empty statements and duplicate tasks, each with its reason', () => {
    const a = [row('o/a', 1), row('o/a', 2), row('o/a', 3), row('o/a', 4, { problem_statement: '  \n' })];
    const b = [row('o/b', 1, { patch: a[0]!.patch })]; // same patch and tests as o/a step 1
    const { rows, dropped } = mergeRows([repoRows('o/b', b), repoRows('o/a', a, { goldFailing: [a[1]!.instance_id], emptyResolving: [a[2]!.instance_id] })]);
    expect(rows.map((r) => r.instance_id)).toEqual([a[0]!.instance_id]);
    expect(rows[0]!.license).toBe('MIT');
    expect(Object.fromEntries(dropped.map((d) => [d.instance_id, d.reason]))).toEqual({
      [a[1]!.instance_id]: 'gold-failed', [a[2]!.instance_id]: 'empty-resolved', [a[3]!.instance_id]: 'empty-statement', [b[0]!.instance_id]: 'duplicate-task',
    });
  });

  it('drops every row of a repository whose source tree another entry already has', () => {
    const { rows, dropped } = mergeRows([repoRows('o/fork', [row('o/fork', 1)], { sourceTree: 't1' }), repoRows('o/a', [row('o/a', 1)], { sourceTree: 't1' })]);
    expect(rows.map((r) => r.repo)).toEqual(['o/a']);
    expect(dropped).toEqual([expect.objectContaining({ repo: 'o/fork', reason: 'duplicate-repository' })]);
  });

  it('fingerprints ignore the order of test lists', () => {
    expect(taskFingerprint(row('o/a', 1, { PASS_TO_PASS: ['x', 'y'] }))).toBe(taskFingerprint(row('o/a', 1, { PASS_TO_PASS: ['y', 'x'] })));
  });
});

describe('splits', () => {
  const policy = { test: ['o/named'], testFraction: 0.5, seed: 's', liteMaxPerRepo: 2 };
  const repos = Array.from({ length: 40 }, (_, i) => `o/r${i}`);

  it('puts named repositories in test, keeps earlier releases\' splits, and hashes the rest stably', () => {
    const first = assignSplits([...repos, 'o/named'], policy);
    expect(first.get('o/named')).toEqual({ split: 'test', why: 'manifest' });
    const tested = repos.filter((r) => first.get(r)!.split === 'test').length;
    expect(tested).toBeGreaterThan(5);
    expect(tested).toBeLessThan(35);
    expect(assignSplits([...repos].reverse(), policy)).toEqual(new Map([...first].filter(([r]) => r !== 'o/named')));
    // A later release with another policy: every repository keeps its split.
    const previous = new Map([...first].map(([r, a]) => [r, a.split]));
    const later = assignSplits([...repos, 'o/named', 'o/new'], { ...policy, testFraction: 1, test: [] }, previous);
    for (const r of repos) expect(later.get(r)).toEqual({ split: first.get(r)!.split, why: 'previous-release' });
    expect(later.get('o/new')!.split).toBe('test');
  });

  it('never puts one repository in two splits; lite is inside test with at most N per repository', () => {
    const rows = repos.flatMap((r) => [1, 2, 3].map((s) => ({ ...row(r, s), license: 'MIT' })));
    const assignment = assignSplits(repos, policy);
    const { train, test, lite } = splitRows(rows, assignment, 2);
    const trainRepos = new Set(train.map((r) => r.repo));
    expect(test.some((r) => trainRepos.has(r.repo))).toBe(false);
    expect(train.length + test.length).toBe(rows.length);
    const testIds = new Set(test.map((r) => r.instance_id));
    expect(lite.every((r) => testIds.has(r.instance_id))).toBe(true);
    expect(lite.length).toBe(2 * new Set(test.map((r) => r.repo)).size);
  });
});

describe('manifest', () => {
  it('fills defaults for a manifest of bare URLs and names repositories from them', async () => {
    const m = await resolveManifest({ repositories: [{ url: 'https://example.org/acme/widgets.git' }, { url: '../local/thing' }] }, '/data/rel/my-set.yaml');
    expect(m.name).toBe('my-set');
    expect(m.repositories.map((r) => r.name)).toEqual(['acme/widgets', 'local/thing']);
    expect(m.repositories[1]!.source).toBe(path.resolve('/data/rel', '../local/thing'));
    expect(m.options).toMatchObject({ modes: ['isolated'], runtime: 'local', gold: true, empty: true, split: { testFraction: 0.2, liteMaxPerRepo: 50, seed: 'my-set' } });
    expect(repoNameOf('git@host:owner/name.git')).toBe('owner/name');
  });

  it('refuses unknown keys, entries without url and duplicates, naming the problem', async () => {
    await expect(resolveManifest({ repositories: [{ url: 'x', colour: 'red' }] } as never, 'm.json')).rejects.toMatchObject({ code: 'SWEFLOW_CONFIG_INVALID', message: expect.stringContaining('additional properties') });
    await expect(resolveManifest({ repositories: [{}] } as never, 'm.json')).rejects.toMatchObject({ message: expect.stringContaining("required property 'url'") });
    await expect(resolveManifest({ repositories: [{ url: '/a' }, { url: '/a' }] }, 'm.json')).rejects.toMatchObject({ message: expect.stringContaining('listed twice') });
  });
});

describe('parquet and card', () => {
  it('writes rows that read back equal, with list and integer columns typed', async () => {
    const rows = [row('o/a', 1, { PASS_TO_PASS: ['p1', 'p2'] }), row('o/a', 2)].map((r) => ({ ...r, license: 'MIT' }));
    const cols = columnsOf(rows);
    expect(cols.find((c) => c.name === 'FAIL_TO_PASS')!.kind).toBe('list');
    expect(cols.find((c) => c.name === 'step')!.kind).toBe('int');
    const file = path.join(await mkdtemp(path.join(os.tmpdir(), 'swe-flow-pq-')), 'x.parquet');
    await writeFile(file, rowsToParquet(rows));
    expect(await readParquet(file)).toEqual(rows);
    expect(rowsToParquet(rows).equals(rowsToParquet(rows))).toBe(true);
  });

  it('renders a card whose YAML header names the data files, features and split sizes', () => {
    const train = [row('o/a', 1), row('o/a', 2)].map((r) => ({ ...r, license: 'MIT' }));
    const card = renderCard({
      name: 'set', description: '', version: '1.0.0', generator: 'swe-flow 0.1.0', splits: { train, test: [] },
      dataFiles: { train: { parquet: 'data/train-00000-of-00001.parquet', jsonl: 'data/train-00000-of-00001.jsonl' } },
      columns: columnsOf(train), repos: [{ schemaVersion: 1, key: 'k', name: 'o/a', url: 'u', commit: null, package: null, status: 'ok', license: 'MIT', rows: 2, rejects: 0, durationMs: 1, synthDir: 's', gold: { total: 2, resolved: 2, failing: [] } }],
      splitOf: new Map([['o/a', 'train']]), dropped: [],
    });
    const header = parseYaml(card.split('---\n')[1]!) as { license: string; configs: { data_files: { split: string; path: string }[] }[]; dataset_info: { splits: { name: string; num_examples: number }[]; features: { name: string; sequence?: string }[] } };
    expect(header.license).toBe('mit');
    expect(header.configs[0]!.data_files).toEqual([{ split: 'train', path: 'data/train-00000-of-00001.parquet' }]);
    expect(header.dataset_info.splits).toEqual([{ name: 'train', num_examples: 2 }]);
    expect(header.dataset_info.features).toContainEqual({ name: 'FAIL_TO_PASS', sequence: 'string' });
    expect(card).toContain('| o/a | train | 2 | MIT |');
    expect(card).toContain('gold (reference patches): 2/2 resolved');
  });
});

describe('reuseOf (which settled repositories a build reuses)', () => {
  const now = { commit: 'c2'.repeat(20) };
  const older = { commit: 'c1'.repeat(20) };
  it('reuses a finished repository while its key holds, whatever code built it', () => {
    expect(reuseOf({ last: { key: 'k', status: 'ok', generator: older }, key: 'k', generator: now, retryFailed: false }).reuse).toBe(true);
    expect(reuseOf({ last: { key: 'k', status: 'ok', generator: older }, key: 'k2', generator: now, retryFailed: false })).toEqual({ reuse: false, why: 'its inputs changed' });
    expect(reuseOf({ last: undefined, key: 'k', generator: now, retryFailed: false }).reuse).toBe(false);
  });

  it('tries a failure again when other code recorded it (or nothing recorded which), keeps it when the same code did', () => {
    expect(reuseOf({ last: { key: 'k', status: 'failed', generator: now }, key: 'k', generator: now, retryFailed: false }).reuse).toBe(true);
    const stale = reuseOf({ last: { key: 'k', status: 'failed', generator: older }, key: 'k', generator: now, retryFailed: false });
    expect(stale).toEqual({ reuse: false, why: `failed with other swe-flow code (${older.commit.slice(0, 10)}, now ${now.commit.slice(0, 10)})` });
    expect(reuseOf({ last: { key: 'k', status: 'failed' }, key: 'k', generator: now, retryFailed: false }).reuse).toBe(false);
    expect(reuseOf({ last: { key: 'k', status: 'failed', generator: now }, key: 'k', generator: now, retryFailed: true }).reuse).toBe(false);
    // outside a git checkout the commit is unknown: the key (version) alone decides
    expect(reuseOf({ last: { key: 'k', status: 'failed', generator: { commit: null } }, key: 'k', generator: { commit: null }, retryFailed: false }).reuse).toBe(true);
  });

  it('currentGenerator names the commit of the checkout it runs from', async () => {
    const { execFileSync } = await import('node:child_process');
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: path.dirname(new URL(import.meta.url).pathname) }).toString().trim();
    expect(await currentGenerator()).toMatchObject({ name: 'swe-flow', commit: head });
  });
});
