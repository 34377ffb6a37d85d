import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { expect, it } from 'vitest';
import type { DatasetRow } from '@swe-flow/core';
import { synthesize } from '../src/index.js';

const fixture = fileURLToPath(new URL('../../../fixtures/node-test-esm', import.meta.url));

it('docstrings go into base and reference alike: rows verify and patches hold only implementations', async () => {
  const out = path.join(await mkdtemp(path.join(os.tmpdir(), 'swf-docs-')), 'out');
  const result = await synthesize(fixture, { out, config: { maxSteps: 3, skipImage: true, statements: { docstrings: true } } });
  expect(result.rows.length).toBeGreaterThan(0);
  const git = path.join(out, 'task-repo.git');
  const documented = (await execa('git', ['--git-dir', git, 'diff', 'original', 'documented'])).stdout;
  expect(documented).toMatch(/^\+\s*\/\*\*/m);
  for (const row of (await readFile(path.join(out, 'dataset.jsonl'), 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as DatasetRow)) {
    expect(row.environment_setup_commit).toBe((await execa('git', ['--git-dir', git, 'rev-parse', 'documented'])).stdout);
    expect(row.patch).not.toMatch(/^[+-]\s*\/\*\*/m);
    // Each task's base.patch takes the original (here: documented) tree to the base, as git diff gives it.
    const basePatch = await readFile(path.join(out, 'tasks', row.instance_id, 'base.patch'), 'utf8');
    expect(basePatch).toContain('Not implemented');
    expect(basePatch).toBe((await execa('git', ['--git-dir', git, 'diff', '--no-color', '--binary', row.environment_setup_commit, row.base_commit], { stripFinalNewline: false })).stdout);
  }
  // The bundle carries the task repository.
  expect((await execa('git', ['bundle', 'list-heads', path.join(out, 'task-repo.bundle')])).stdout).toContain('refs/heads/documented');
});
