/**
 * Test helper: a small repository written from inline files to a temp folder, traced, scheduled and
 * emitted in isolated mode. The caller removes `dir`.
 */
import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RunnerName, ScheduleOptions, TraceJson } from '@swe-flow/core';
import { buildRdg, buildSchedule, type RdgOptions } from '@swe-flow/scheduler';
import { trace } from '@swe-flow/tracer';
import { emitCandidates, type Candidate } from '../src/index.js';

export interface InlineRepo {
  /** Prefix of the temp folder's name. */
  prefix: string;
  /** `local/<name>` is the task repository's name. */
  name: string;
  files: Record<string, string>;
  runner: RunnerName;
  /** A node_modules folder to link into the repository (e.g. swe-flow's own, for its vitest). */
  nodeModules?: string;
  rdg?: RdgOptions;
  schedule?: ScheduleOptions;
}

export async function inlineCandidates(repo: InlineRepo): Promise<{ dir: string; src: string; traced: TraceJson; candidates: Candidate[]; taskRepo: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), repo.prefix));
  const src = path.join(dir, 'repo');
  for (const [f, text] of Object.entries(repo.files)) {
    await mkdir(path.dirname(path.join(src, f)), { recursive: true });
    await writeFile(path.join(src, f), text);
  }
  if (repo.nodeModules) await symlink(repo.nodeModules, path.join(src, 'node_modules'));
  const traced = await trace({ root: src, runner: repo.runner, skipUntraced: true });
  const schedule = buildSchedule(buildRdg(traced, repo.rdg), { frozen: traced.moduleLoadFunctions, ...repo.schedule });
  const taskRepo = path.join(dir, 'task-repo.git');
  const emitted = await emitCandidates({
    repoName: `local/${repo.name}`, sourceRoot: src, files: Object.keys(repo.files).sort(), trace: traced, schedule,
    modes: ['isolated'], taskRepoDir: taskRepo,
  });
  await emitted.taskRepo.dispose();
  return { dir, src, traced, candidates: emitted.candidates, taskRepo };
}
