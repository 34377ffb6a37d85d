import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { parseFunctionId, type Logger, type RejectRow, type ScheduleJson, type SynthConfig, type TraceJson } from '@swe-flow/core';
import { emitCandidates, findSolutionCarriers, type Candidate } from '@swe-flow/emitter';
import { locateFunctions } from '@swe-flow/skeleton';
import { functionFace, writeDocstrings } from '@swe-flow/statements';
import { instanceRepoName, type RepoJson } from './prepare.js';
import type { Stage } from './stage.js';

export interface Emitted {
  candidates: Candidate[];
  rejects: RejectRow[];
  originalCommit: string;
  /** Candidates of the merged steps' parts (isolated), and the parts rejected at emit: verified only when their merged step is rejected. */
  parts?: Candidate[];
  partRejects?: RejectRow[];
}

/** LLM options for statements and docstrings (none: the offline writer). */
export function llmOptionsOf(statements: SynthConfig['statements'], out: string) {
  if (statements.writer !== 'llm') return {};
  return {
    llm: {
      ...(statements.baseUrl ? { baseUrl: statements.baseUrl } : {}),
      ...(statements.model ? { model: statements.model } : {}),
      ...(statements.requestsPerMinute ? { requestsPerMinute: statements.requestsPerMinute } : {}),
      ...(statements.concurrency ? { concurrency: statements.concurrency } : {}),
      cacheDir: path.join(out, '.swe-flow', 'llm-cache'),
    },
  };
}

function groupIdsByFile(ids: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const id of ids) {
    const { file } = parseFunctionId(id);
    out.set(file, [...(out.get(file) ?? []), id]);
  }
  return out;
}

/** Doc comments for functions to implement that have none (LLM or offline), keyed by function id. */
async function docstringsFor(ids: readonly string[], workDir: string, statements: SynthConfig['statements'], out: string, logger: Logger): Promise<Record<string, string>> {
  const faces = [];
  for (const [file, fileIds] of groupIdsByFile(ids)) {
    const code = await readFile(path.join(workDir, file), 'utf8');
    const wanted = new Set(fileIds);
    for (const fn of locateFunctions(code, file)) if (wanted.has(fn.id)) faces.push(functionFace(code, fn));
  }
  return writeDocstrings(faces, { ...llmOptionsOf(statements, out), logger });
}

export const taskRepoDirOf = (out: string) => path.join(out, 'task-repo.git');

type EmitReads = 'modes' | 'stubStyle' | 'minPatchTokens' | 'statements' | 'leaks' | 'retryMergedParts';

/** 4. Emit: the task repository (`task-repo.git`) and one candidate per step and mode. */
export const emitStage: Stage<EmitReads, { repo: RepoJson; trace: TraceJson; schedule: ScheduleJson }, Emitted> = {
  name: 'emit',
  // `statements`: doc comments written into bases come from its writer.
  reads: ['modes', 'stubStyle', 'minPatchTokens', 'statements', 'leaks', 'retryMergedParts'],
  async run(config, env, { repo, trace, schedule }) {
    const taskRepoDir = taskRepoDirOf(env.out);
    await rm(taskRepoDir, { recursive: true, force: true });
    const docComments = config.statements.docstrings
      ? await docstringsFor(schedule.steps.flatMap((s) => s.nodesToDevelop), env.workDir, config.statements, env.out, env.logger)
      : undefined;
    // Committed bundles, caches and source maps with sources stay out of the task repository (strip).
    const carriers = config.leaks === 'strip' ? await findSolutionCarriers(env.workDir, repo.files, new Set([...Object.keys(trace.functions), ...trace.testFiles])) : [];
    if (carriers.length) env.logger.info(`left out of the task repository (they can hold the solution): ${carriers.map((c) => `${c.file} (${c.reason})`).join(', ')}`);
    const stripped = new Set(carriers.map((c) => c.file));
    const result = await emitCandidates({
      repoName: instanceRepoName(repo), sourceRoot: env.workDir, files: repo.files.filter((f) => !stripped.has(f)), trace, schedule, modes: config.modes,
      taskRepoDir, stubStyle: config.stubStyle, minPatchTokens: config.minPatchTokens, logger: env.logger,
      ...(docComments ? { docComments } : {}),
      // The parts of merged steps, for the fallback when a merged step is rejected (isolated mode only).
      mergedParts: config.retryMergedParts && config.modes.includes('isolated'),
    });
    await result.taskRepo.dispose();
    const emitted = { candidates: result.candidates, rejects: result.rejects, originalCommit: result.originalCommit, parts: result.parts, partRejects: result.partRejects };
    return { record: emitted, artifact: emitted };
  },
};
