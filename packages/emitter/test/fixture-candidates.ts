/**
 * Test helper: a fixture copied to a temp folder, installed with the product's own installer, traced,
 * scheduled (first `steps` steps) and emitted in both modes, the way the pipeline does it.
 */
import { cp, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { RunnerName, ScheduleJson, TraceJson } from '@swe-flow/core';
import { buildRdg, buildSchedule } from '@swe-flow/scheduler';
import { trace } from '@swe-flow/tracer';
import { detectProject, installDependencies } from '@swe-flow/workspace';
import { emitCandidates, type Candidate } from '../src/index.js';

export async function fixtureCandidates(fixtureDir: string, dir: string, runner: RunnerName, steps: number, files?: string[]): Promise<{
  src: string;
  traced: TraceJson;
  schedule: ScheduleJson;
  candidates: Candidate[];
  taskRepo: string;
}> {
  const src = path.join(dir, 'repo');
  const copied = files ?? (await readdir(fixtureDir)).filter((f) => f !== 'node_modules' && !f.startsWith('expected'));
  for (const f of copied) await cp(path.join(fixtureDir, f), path.join(src, f), { recursive: true });
  // Fixtures carry no node_modules in a fresh clone.
  await installDependencies(src, await detectProject(src));
  const traced = await trace({ root: src, runner, skipUntraced: true });
  const schedule = buildSchedule(buildRdg(traced), { frozen: traced.moduleLoadFunctions });
  schedule.steps = schedule.steps.slice(0, steps);
  const repoFiles = (await readdir(src, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile() && !path.join(e.parentPath, e.name).includes(`${path.sep}node_modules${path.sep}`))
    .map((e) => path.relative(src, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .filter((f) => !f.startsWith('.'))
    .sort();
  const taskRepo = path.join(dir, 'task-repo.git');
  const emitted = await emitCandidates({
    repoName: `local/${path.basename(fixtureDir)}`, sourceRoot: src, files: repoFiles, trace: traced, schedule,
    modes: ['isolated', 'incremental'], taskRepoDir: taskRepo,
  });
  await emitted.taskRepo.dispose();
  return { src, traced, schedule, candidates: emitted.candidates, taskRepo };
}
