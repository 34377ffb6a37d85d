import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { expect, it } from 'vitest';
import type { TraceJson } from '@swe-flow/core';
import { createLocalRuntime } from '@swe-flow/runtime';
import { nodeEnv, provisionNode } from '@swe-flow/workspace';
import { synthesize, type RepoJson } from '../src/index.js';

const fixture = fileURLToPath(new URL('../../../fixtures/node-test-esm', import.meta.url));

it('a repository pinned to Node 22 (.nvmrc) is installed, traced and verified with Node 22 from the registry, recorded in repo.json and the summary', { timeout: 300_000 }, async () => {
  const src = path.join(await mkdtemp(path.join(os.tmpdir(), 'swf-node22-')), 'repo');
  await cp(fixture, src, { recursive: true });
  await writeFile(path.join(src, '.nvmrc'), '22\n');
  // Passes only on the Node the repository asked for: proves the runner ran under it, traced and untraced.
  await writeFile(path.join(src, 'test/node-version.test.js'), "import test from 'node:test';\nimport assert from 'node:assert';\ntest('runs on Node 22', () => assert.equal(process.versions.node.split('.')[0], '22'));\n");
  const out = path.join(path.dirname(src), 'out');
  const result = await synthesize(src, { out, config: { maxSteps: 2, skipImage: true } });
  expect(result.rows.length).toBeGreaterThan(0);

  const repo = JSON.parse(await readFile(path.join(out, 'repo.json'), 'utf8')) as RepoJson;
  expect(repo.nodeVersion).toMatch(/^22\./);
  expect(repo.node).toMatchObject({ version: repo.nodeVersion, host: false, source: '.nvmrc' });
  expect(repo.install.node).toBe(repo.nodeVersion);
  const trace = JSON.parse(await readFile(path.join(out, 'trace.json'), 'utf8')) as TraceJson;
  expect(trace.tests.find((t) => t.fullName.includes('runs on Node 22'))?.status).toBe('passed');
  const summary = await readFile(path.join(out, 'summary.md'), 'utf8');
  expect(summary).toContain(`Environment: Node ${repo.nodeVersion}`);
  expect(summary).toMatch(/Node choice: Node 22\.\S+ satisfies \.nvmrc 22/);

  // The local runtime that verification and eval use runs the repository's commands with that Node.
  const runtime = createLocalRuntime({ env: nodeEnv(await provisionNode(repo.nodeVersion)) });
  const ws = await runtime.open({ taskRepo: path.join(out, 'task-repo.git'), commit: result.rows[0]!.base_commit });
  try {
    const r = await ws.exec({ command: 'node', args: ['-p', 'process.version'] }, { timeoutMs: 30_000 });
    expect(r.stdout.trim()).toBe(`v${repo.nodeVersion}`);
  } finally {
    await ws.dispose();
  }
});

it('code and tests that load only on Node 22 (engines >=22; mocha lists its files by loading them) are discovered, traced and verified with Node 22 on a Node 20 host', { timeout: 300_000 }, async () => {
  const src = path.join(await mkdtemp(path.join(os.tmpdir(), 'swf-needs22-')), 'repo');
  await cp(fileURLToPath(new URL('../../../fixtures/install/needs-node22', import.meta.url)), src, { recursive: true });
  const out = path.join(path.dirname(src), 'out');
  const result = await synthesize(src, { out, config: { maxSteps: 3, skipImage: true } });
  const repo = JSON.parse(await readFile(path.join(out, 'repo.json'), 'utf8')) as RepoJson;
  expect(repo.nodeVersion).toMatch(/^2[2-9]\./);
  expect(repo.node).toMatchObject({ host: false, source: 'engines' });
  expect(repo.runner).toBe('mocha');
  const trace = JSON.parse(await readFile(path.join(out, 'trace.json'), 'utf8')) as TraceJson;
  expect(trace.tests.filter((t) => t.status === 'passed')).toHaveLength(4);
  expect(result.rows.length).toBeGreaterThan(0);
  expect(result.rows.every((r) => r.FAIL_TO_PASS.length > 0)).toBe(true);
  // The suite does not load on the host's Node: what ran it above was the repository's Node.
  if (Number(process.versions.node.split('.')[0]) < 22) {
    const work = path.join(out, repo.workDir);
    const host = await execa(process.execPath, ['node_modules/mocha/bin/mocha.js'], { cwd: work, reject: false });
    expect(host.exitCode).not.toBe(0);
    expect(`${host.stdout}${host.stderr}`).toMatch(/withResolvers is not a function/);
  }
});
