import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditTasks } from '@swe-flow/eval';
import { synthesize } from '../src/index.js';

/**
 * A genuine copy of the repository's code inside another installed package (as prettier's bundle
 * holds change-case's isObject): node-test-esm with a devDependency `copycat` whose index.js carries
 * every source file verbatim and that no test loads. `stub` (the default) replaces the file in the
 * prepared copy once the suite passes without it, and keeps the tasks; `reject` leaves it and the
 * audit rejects every task it reveals. The standalone audit agrees with the synth's.
 */
const FIXTURE = fileURLToPath(new URL('../../../fixtures/node-test-esm/', import.meta.url));
const CLI = fileURLToPath(new URL('../../cli/bin/swe-flow.js', import.meta.url));
const gitEnv = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t.invalid', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t.invalid', GIT_AUTHOR_DATE: '2025-01-01T00:00:00Z', GIT_COMMITTER_DATE: '2025-01-01T00:00:00Z' };
const config = { modes: ['isolated' as const], maxSteps: 2, reruns: 1, workers: 1, skipImage: true, name: 'swe-flow-test/copycat' };

describe('copies of the solution bundled in another package', () => {
  let root: string;
  let src: string;

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'swe-flow-copies-'));
    src = path.join(root, 'repo');
    await cp(FIXTURE, src, { recursive: true });
    // The other package: its own name, a copy of every source file, outside the repository (no committed tarball).
    const pkg = path.join(root, 'copycat', 'package');
    await mkdir(pkg, { recursive: true });
    const sources = (await readdir(path.join(src, 'src'))).filter((f) => f.endsWith('.js'));
    const copy = (await Promise.all(sources.map((f) => readFile(path.join(src, 'src', f), 'utf8')))).join('\n');
    await writeFile(path.join(pkg, 'index.js'), copy);
    await writeFile(path.join(pkg, 'package.json'), JSON.stringify({ name: 'copycat', version: '1.0.0', main: 'index.js' }));
    await execa('tar', ['-czf', path.join(root, 'copycat-1.0.0.tgz'), '-C', path.join(root, 'copycat'), 'package']);
    const manifest = JSON.parse(await readFile(path.join(src, 'package.json'), 'utf8')) as Record<string, unknown>;
    manifest['devDependencies'] = { copycat: `file:${path.join(root, 'copycat-1.0.0.tgz')}` };
    await writeFile(path.join(src, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    await rm(path.join(src, 'package-lock.json'), { force: true });
    await execa('git', ['init', '--quiet', '--initial-branch=main'], { cwd: src, env: gitEnv });
    await execa('git', ['add', '-A'], { cwd: src, env: gitEnv });
    await execa('git', ['commit', '--quiet', '-m', 'copycat'], { cwd: src, env: gitEnv });
  }, 120_000);

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('stub keeps the tasks reject loses, and ships no copy', async () => {
    const stubOut = path.join(root, 'out-stub');
    const stubbed = await synthesize(src, { out: stubOut, config });
    const record = JSON.parse(await readFile(path.join(stubOut, 'dependency-copies.json'), 'utf8')) as { stubbed: string[]; found: Array<{ path: string }>; suite?: { notPassing: string[] } };
    expect(record.found.map((c) => c.path)).toContain('node_modules/copycat/index.js');
    expect(record.stubbed).toEqual(['node_modules/copycat/index.js']);
    expect(record.suite?.notPassing).toEqual([]);
    expect(await readFile(path.join(stubOut, '.work', 'repo', 'node_modules', 'copycat', 'index.js'), 'utf8')).toMatch(/^throw new Error\("swe-flow: node_modules\/copycat\/index\.js held a copy/);
    expect(stubbed.rows.length).toBeGreaterThan(0);
    expect(await readFile(path.join(stubOut, 'summary.md'), 'utf8')).toContain('Dependency copies (stub): 1 file(s) of other packages held a copy of a solution, 1 stubbed');
    expect(stubbed.rejects.filter((r) => r.reason === 'solution-reachable')).toEqual([]);
    // The dependencies were read once: the audit took every unchanged file from the copies step's scan
    // cache and read again only what changed (the stubbed copy).
    const synthAudit = JSON.parse(await readFile(path.join(stubOut, 'audit.json'), 'utf8')) as { dependencyScan: { files: number; cachedFiles: number } };
    expect(synthAudit.dependencyScan.cachedFiles).toBeGreaterThan(0);
    expect(synthAudit.dependencyScan.cachedFiles).toBeLessThan(synthAudit.dependencyScan.files);
    // The standalone audit searches the same places as the synth's (the prepared copy's node_modules) and agrees.
    const audit = await auditTasks({ rows: stubbed.rows, taskRepo: path.join(stubOut, 'task-repo.git'), runtime: 'local', dependenciesDir: path.join(stubOut, '.work', 'repo') });
    expect(audit.failed).toEqual([]);
    expect(audit.tasks.every((t) => t.needles.length > 0)).toBe(true);
    // `swe-flow audit <out>` run from another folder searches that same prepared copy (repo.json's
    // workDir is relative to <out>): with the copy put back, it finds it where the synth would have.
    await rm(path.join(stubOut, '.work', 'repo', 'node_modules', 'copycat', 'index.js'));
    await cp(path.join(root, 'copycat', 'package', 'index.js'), path.join(stubOut, '.work', 'repo', 'node_modules', 'copycat', 'index.js'));
    // With the scan cache the synth left, the put-back copy is read again (its ctime changed) and found.
    const cached = await auditTasks({ rows: stubbed.rows, taskRepo: path.join(stubOut, 'task-repo.git'), runtime: 'local', dependenciesDir: path.join(stubOut, '.work', 'repo'), scanCacheFile: path.join(stubOut, '.swe-flow', 'dependency-scan.json') });
    expect(cached.failed.length).toBeGreaterThan(0);
    expect(cached.dependencyScan!.cachedFiles).toBe(cached.dependencyScan!.files - 1);
    const cli = await execa('node', [CLI, 'audit', stubOut, '--runtime', 'local', '--json'], { cwd: os.tmpdir(), reject: false });
    expect(cli.exitCode, String(cli.stderr)).toBe(1);
    const result = JSON.parse(String(cli.stdout).trim().split('\n').at(-1)!) as { failed: string[] };
    expect(result.failed.length).toBeGreaterThan(0);
    const report = JSON.parse(await readFile(path.join(stubOut, 'audit.json'), 'utf8')) as { tasks: Array<{ hits: Array<{ path: string }> }> };
    expect(report.tasks.flatMap((t) => t.hits.map((h) => h.path)).some((p) => p.endsWith('node_modules/copycat/index.js'))).toBe(true);

    const rejectOut = path.join(root, 'out-reject');
    const rejected = await synthesize(src, { out: rejectOut, config: { ...config, dependencyCopies: 'reject' } });
    expect(JSON.parse(await readFile(path.join(rejectOut, 'dependency-copies.json'), 'utf8'))).toMatchObject({ policy: 'reject', stubbed: [] });
    // Under reject the units whose bodies copycat holds are kept whole before scheduling (reachable.json
    // says where) rather than becoming tasks the audit rejects; none is developed by a row.
    const kept = JSON.parse(await readFile(path.join(rejectOut, 'reachable.json'), 'utf8')) as { kept: string[]; where: Record<string, string> };
    expect(kept.kept.length).toBeGreaterThan(0);
    for (const where of Object.values(kept.where)) expect(where).toContain('node_modules/copycat/index.js');
    for (const row of rejected.rows) expect((row as { nodes_to_develop: string[] }).nodes_to_develop.filter((id) => kept.kept.includes(id))).toEqual([]);
    for (const r of rejected.rejects.filter((x) => x.reason === 'solution-reachable')) expect(r.detail).toContain('node_modules/copycat/index.js');
    // With the copy stubbed, those units are tasks.
    expect(stubbed.rows.some((row) => (row as { nodes_to_develop: string[] }).nodes_to_develop.some((id) => kept.kept.includes(id)))).toBe(true);
  }, 900_000);

  it('stubs the copies of a package the suite does not need when another package\'s copies are needed', async () => {
    // A second repository: copycat (nothing loads it) and needcat (a test imports it), both holding the sources.
    const two = path.join(root, 'two');
    await cp(src, two, { recursive: true });
    await rm(path.join(two, '.git'), { recursive: true, force: true });
    const sources = (await readdir(path.join(two, 'src'))).filter((f) => f.endsWith('.js'));
    const bodies = await Promise.all(sources.map((f) => readFile(path.join(two, 'src', f), 'utf8')));
    // Loadable CommonJS: each file's code without import/export words, in a function of its own (never called).
    const loadable = bodies.map((b) => `(function () {\n${b.split('\n').filter((l) => !/^(import\b|export \{)/.test(l)).map((l) => l.replace(/^export (default )?/, '')).join('\n')}\n});`).join('\n');
    const pkg = path.join(root, 'needcat', 'package');
    await mkdir(pkg, { recursive: true });
    await writeFile(path.join(pkg, 'index.js'), loadable);
    await writeFile(path.join(pkg, 'package.json'), JSON.stringify({ name: 'needcat', version: '1.0.0', main: 'index.js' }));
    await execa('tar', ['-czf', path.join(root, 'needcat-1.0.0.tgz'), '-C', path.join(root, 'needcat'), 'package']);
    const manifest = JSON.parse(await readFile(path.join(two, 'package.json'), 'utf8')) as Record<string, Record<string, string>>;
    manifest['devDependencies'] = { ...manifest['devDependencies'], needcat: `file:${path.join(root, 'needcat-1.0.0.tgz')}` };
    await writeFile(path.join(two, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    await writeFile(path.join(two, 'test', 'needcat.test.js'), "import 'needcat';\nimport assert from 'node:assert/strict';\nimport { test } from 'node:test';\nimport { clamp } from '../src/util/ids.js';\ntest('needcat loads', () => assert.equal(clamp(5, 0, 2), 2));\n");
    await execa('git', ['init', '--quiet', '--initial-branch=main'], { cwd: two, env: gitEnv });
    await execa('git', ['add', '-A'], { cwd: two, env: gitEnv });
    await execa('git', ['commit', '--quiet', '-m', 'two copies'], { cwd: two, env: gitEnv });

    const out = path.join(root, 'out-two');
    await synthesize(two, { out, config: { ...config, maxSteps: 1 } });
    const record = JSON.parse(await readFile(path.join(out, 'dependency-copies.json'), 'utf8')) as { stubbed: string[]; suite?: { notPassing: string[] }; packages?: Array<{ package: string; stubbed: boolean; notPassing: number }> };
    // Without both, needcat's test fails; alone, copycat goes and needcat stays.
    expect(record.suite?.notPassing).toEqual(['test/needcat.test.js > needcat loads']);
    expect(record.packages?.map((p) => [p.package, p.stubbed])).toEqual(expect.arrayContaining([['node_modules/copycat', true], ['node_modules/needcat', false]]));
    expect(record.stubbed).toEqual(['node_modules/copycat/index.js']);
    expect(await readFile(path.join(out, '.work', 'repo', 'node_modules', 'needcat', 'index.js'), 'utf8')).toBe(loadable);
  }, 600_000);
});
