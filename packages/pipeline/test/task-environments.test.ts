import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatasetRow, RejectRow } from '@swe-flow/core';
import { auditTasks, evaluate, taskNeedles } from '@swe-flow/eval';
import { checkDocker, getDocker, pruneImages } from '@swe-flow/runtime';
import { synthesize } from '../src/index.js';

/**
 * The fixture `leaky-vitest` holds its own code twice outside src/: a committed bundle (dist/) and a
 * devDependency on its own previous release (a tarball aliased `leakfix-prev`). A Docker synth must
 * give every task an instance image whose /testbed is only base_commit, in which an agent finds no
 * solution, an eval.sh that plain `docker run` grades like `swe-flow eval`, and an audit that catches
 * every planted leak.
 */
const FIXTURE = fileURLToPath(new URL('./fixtures/leaky-vitest/', import.meta.url));
const REPO_NAME = 'swe-flow-test/leakfix';
/** A line of each function's body that only that body has. */
const BODY_LINES: Record<string, string> = {
  slugify: '.filter((word) => word.length > 0)',
  wordCount: 'matches === null ? 0 : matches.length',
  truncate: 'trimEnd()}…',
};

const docker = await checkDocker();
if (!docker.ok && process.env['SWEFLOW_REQUIRE_DOCKER'] === '1') throw new Error(`SWEFLOW_REQUIRE_DOCKER=1 but ${docker.message}`);

async function dockerRun(image: string, args: string[], mount?: string): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const r = await execa('docker', ['run', '--rm', '--network', 'none', '--label', 'swe-flow=1', ...(mount ? ['-v', `${mount}:/task:ro`] : []), image, ...args], { reject: false });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

const functionsOf = (row: DatasetRow) => Object.keys(BODY_LINES).filter((name) => row.nodes_to_develop.some((id) => id.endsWith(`:${name}`)));

describe.skipIf(!docker.ok)('task environments: instance images, audit, eval.sh (real Docker)', () => {
  let out: string;
  let rows: DatasetRow[];
  let rejects: RejectRow[];

  beforeAll(async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'swe-flow-envs-'));
    const src = path.join(root, 'leakfix');
    await cp(FIXTURE, src, { recursive: true });
    const env = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t.invalid', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t.invalid', GIT_AUTHOR_DATE: '2025-01-01T00:00:00Z', GIT_COMMITTER_DATE: '2025-01-01T00:00:00Z' };
    await execa('git', ['init', '--quiet', '--initial-branch=main'], { cwd: src, env });
    await execa('git', ['add', '-A'], { cwd: src, env });
    await execa('git', ['commit', '--quiet', '-m', 'leakfix 1.1.0'], { cwd: src, env });
    out = path.join(root, 'out');
    const result = await synthesize(src, { out, config: { runtime: 'docker', modes: ['isolated'], name: REPO_NAME, reruns: 1, workers: 1 } });
    rows = result.rows;
    rejects = result.rejects;
  }, 1_200_000);

  afterAll(async () => {
    await pruneImages({ match: { 'swe-flow.repo': REPO_NAME }, kinds: ['instance'] }).catch(() => {});
  });

  it('verifies the three functions, strips the committed bundle and audits every task clean', async () => {
    expect(rows.map((r) => functionsOf(r)).flat().sort(), JSON.stringify(rejects)).toEqual(['slugify', 'truncate', 'wordCount']);
    const summary = JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8'));
    expect(summary.environments.audit).toMatchObject({ ran: true, runtime: 'docker', tasks: 3, failed: 0 });
    const audit = JSON.parse(await readFile(path.join(out, 'audit.json'), 'utf8'));
    expect(audit.failed).toEqual([]);
    for (const t of audit.tasks) expect(t.needles.length).toBeGreaterThan(0);
    const files = (await execa('git', ['ls-tree', '-r', '--name-only', rows[0]!.base_commit], { cwd: path.join(out, 'task-repo.git') })).stdout.split('\n');
    expect(files).toContain('src/text.js');
    // the bundle and the packed release are in the repository, and left out of the tasks
    await expect(readFile(path.join(out, '.work', 'repo', 'dist', 'leakfix.js'), 'utf8')).resolves.toContain('matches === null ? 0 : matches.length');
    expect(files).not.toContain('dist/leakfix.js');
    expect(files).not.toContain('vendor/leakfix-1.0.0.tgz');
  });

  it('gives every row an instance image whose /testbed is only base_commit, where an agent finds no solution', async () => {
    for (const row of rows) {
      expect(row.image_name).toMatch(/^swe-flow\/instance-swe-flow-test-leakfix:/);
      const info = await getDocker().getImage(row.image_name!).inspect();
      expect(info.Config.Labels).toMatchObject({ 'swe-flow': '1', 'swe-flow.kind': 'instance', 'swe-flow.commit': row.base_commit });
      const lines = functionsOf(row).map((f) => BODY_LINES[f]!);
      const script = [
        'cd /testbed',
        'echo "@log"; git log --all --format=%H',
        `echo "@show"; git show ${row.reference_commit} >/dev/null 2>&1 && echo shown || echo no-such-commit`,
        'echo "@objects"; git cat-file --batch-all-objects --batch-check | wc -l',
        'echo "@fsck"; git fsck --lost-found 2>&1 | grep -c dangling || true',
        'echo "@reflog"; git reflog 2>/dev/null | wc -l',
        'echo "@stash"; git stash list | wc -l',
        'echo "@refs"; git for-each-ref --format="%(refname)"',
        ...lines.map((l) => `echo "@grep"; grep -rlF -- '${l.replace(/'/g, `'\\''`)}' /testbed /testbed/node_modules /home /tmp 2>/dev/null | head -5`),
      ].join('\n');
      const r = await dockerRun(row.image_name!, ['sh', '-c', script]);
      expect(r.exitCode, r.stderr).toBe(0);
      const section = (name: string) => r.stdout.split(`@${name}\n`)[1]!.split('\n@')[0]!.trim();
      expect(section('log')).toBe(row.base_commit);
      expect(section('show')).toBe('no-such-commit');
      expect(section('fsck')).toBe('0');
      expect(section('reflog')).toBe('0');
      expect(section('stash')).toBe('0');
      expect(section('refs')).toBe('refs/heads/main');
      for (const part of r.stdout.split('@grep\n').slice(1)) expect(part.split('\n@')[0]!.trim()).toBe('');
    }
  }, 300_000);

  it("builds the environment on the Node repo.json chose (the one the repository was installed and traced with), not the image default", async () => {
    const repo = JSON.parse(await readFile(path.join(out, 'repo.json'), 'utf8')) as { nodeVersion: string; install: { packageManager: string; packageManagerVersion: string; fallbacks: string[] } };
    const image = JSON.parse(await readFile(path.join(out, 'docker', 'image.json'), 'utf8')) as { baseImage: string; nodeVersion: { version: string; source: string }; packageManager: { name: string; version: string; fallbacks?: string[] } };
    expect(image.nodeVersion).toMatchObject({ version: repo.nodeVersion, source: 'repo.json' });
    // ...and installs with the package manager and version of repo.json's install record.
    expect(image.packageManager).toMatchObject({ name: repo.install.packageManager, version: repo.install.packageManagerVersion, fallbacks: repo.install.fallbacks });
    expect(image.baseImage).toBe(`swe-flow/base:node${repo.nodeVersion}-bookworm`);
    const r = await dockerRun(rows[0]!.image_name!, ['node', '--version']);
    expect(r.stdout.trim()).toBe(`v${repo.nodeVersion}`);
  });

  it('eval.sh with plain docker run fails on base and passes with the gold patch, as swe-flow eval does', async () => {
    for (const row of rows) {
      const task = path.join(out, 'tasks', row.instance_id);
      expect(row.eval_command).toContain(`tasks/${row.instance_id}:/task:ro`);
      const base = await dockerRun(row.image_name!, ['sh', '/task/eval.sh'], task);
      expect(base.exitCode, base.stdout + base.stderr).not.toBe(0);
      expect(base.stdout.trim().split('\n').at(-1)).toBe('SWEFLOW_VERDICT: UNRESOLVED');
      for (const id of row.FAIL_TO_PASS) expect(base.stdout).toContain(`FAILED ${id}`);
      const gold = await dockerRun(row.image_name!, ['sh', '/task/eval.sh', '/task/reference.patch'], task);
      expect(gold.exitCode, gold.stdout + gold.stderr).toBe(0);
      expect(gold.stdout.trim().split('\n').at(-1)).toBe('SWEFLOW_VERDICT: RESOLVED');
      for (const id of [...row.FAIL_TO_PASS, ...row.PASS_TO_PASS]) expect(gold.stdout).toContain(`PASSED ${id}`);
    }
    const gold = await evaluate({ dataset: out, predictions: 'gold', runtime: 'docker', runId: 'gold' });
    const empty = await evaluate({ dataset: out, predictions: 'empty', runtime: 'docker', runId: 'empty' });
    expect(gold.counts.resolved).toBe(rows.length);
    expect(empty.counts.resolved).toBe(0);
    expect(empty.counts.error).toBe(0);
  }, 600_000);

  it('catches a planted leak of every kind in an instance environment', async () => {
    const row = rows[0]!;
    const needle = (await taskNeedles(path.join(out, 'task-repo.git'), row)).needles[0]!;
    const ctx = await mkdtemp(path.join(os.tmpdir(), 'swe-flow-plant-'));
    await writeFile(path.join(ctx, 'body.txt'), needle.text);
    await writeFile(path.join(ctx, 'body.js.map'), JSON.stringify({ version: 3, sources: ['x.js'], sourcesContent: [`function x() ${needle.text}`] }));
    const gitId = 'git -c user.name=t -c user.email=t@t.invalid';
    const plant = [
      'set -e',
      "git config --global --add safe.directory '*'",
      'mkdir -p /testbed/dist /testbed/coverage /testbed/node_modules/leakfix-old /testbed/node_modules/.vite /home/swe/.npm',
      'cp /plant/body.txt /testbed/dist/leakfix.min.js',
      'cp /plant/body.txt /testbed/node_modules/leakfix-old/index.js',
      'cp /plant/body.txt /testbed/tsconfig.tsbuildinfo',
      'cp /plant/body.txt /testbed/node_modules/.vite/results.json',
      'cp /plant/body.txt /testbed/coverage/text.js.html',
      'cp /plant/body.js.map /testbed/out.js.map',
      'gzip -c /plant/body.txt > /home/swe/.npm/leak.tgz',
      // a stash in /testbed itself
      `cd /testbed && cp /plant/body.txt src/text.js && ${gitId} stash --quiet`,
      // other repositories: a dangling blob, a reflog-only commit, a note
      `mkdir -p /opt/dangling && cd /opt/dangling && git init -q && git hash-object -w /plant/body.txt`,
      `mkdir -p /opt/reflog && cd /opt/reflog && git init -q && ${gitId} commit -q --allow-empty -m a && cp /plant/body.txt b && git add b && ${gitId} commit -q -m b && git reset -q --hard HEAD~1`,
      `mkdir -p /opt/notes && cd /opt/notes && git init -q && ${gitId} commit -q --allow-empty -m a && ${gitId} notes add -F /plant/body.txt`,
      'rm -rf /plant',
    ].join('\n');
    await writeFile(path.join(ctx, 'plant.sh'), plant);
    await writeFile(path.join(ctx, 'Dockerfile'), `FROM ${row.image_name}\nUSER root\nCOPY . /plant/\nRUN sh /plant/plant.sh\nLABEL swe-flow=1 swe-flow.kind=instance swe-flow.repo=${REPO_NAME}\n`);
    const tag = `swe-flow/instance-swe-flow-test-leakfix:planted-${Date.now()}`;
    await execa('docker', ['build', '-q', '-t', tag, ctx], { env: { ...process.env, DOCKER_BUILDKIT: '0' } });
    try {
      const report = await auditTasks({ rows: [{ ...row, image_name: tag }], taskRepo: path.join(out, 'task-repo.git'), runtime: 'docker' });
      const t = report.tasks[0]!;
      expect(t.ok).toBe(false);
      const where = [...new Set(t.hits.filter((h) => h.id === needle.id).map((h) => `${h.kind} ${h.path}`))].sort();
      expect(where).toEqual([
        'file /testbed/coverage/text.js.html',
        'file /testbed/dist/leakfix.min.js',
        'file /testbed/node_modules/.vite/results.json',
        'file /testbed/node_modules/leakfix-old/index.js',
        'file /testbed/tsconfig.tsbuildinfo',
        'git-object /opt/dangling/.git',
        'git-object /opt/notes/.git',
        'git-object /opt/reflog/.git',
        'git-object /testbed/.git',
        'gzip /home/swe/.npm/leak.tgz',
        'source-map /testbed/out.js.map',
      ]);
      expect(t.problems.join('\n')).toMatch(/stash/);
    } finally {
      await getDocker().getImage(tag).remove().catch(() => {});
      await rm(ctx, { recursive: true, force: true });
    }
  }, 300_000);
});
