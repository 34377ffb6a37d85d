import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  parseFunctionId,
  parseTestId,
  type Logger,
  type RejectRow,
  type ScheduleJson,
  type ScheduleStep,
  type TaskMode,
  type TraceJson,
  silentLogger,
} from '@swe-flow/core';
import { applyInsertions, computeReturnTypePins, parseSource, planDocComments, stubFunctions, type Insertion, type ReturnTypePin, type StubStyle } from '@swe-flow/skeleton';
import { TaskRepo } from './task-repo.js';

export interface EmitOptions {
  /** `owner/repo`, used in instance ids. */
  repoName: string;
  /** The original repository copy (files are read from here). */
  sourceRoot: string;
  /** Repo-relative files that make up the repository (a snapshot taken before dependencies were installed). */
  files: string[];
  trace: TraceJson;
  schedule: ScheduleJson;
  modes: TaskMode[];
  /** Where the bare task repository is created. */
  taskRepoDir: string;
  stubStyle?: StubStyle;
  /** Patches with fewer added tokens than this are rejected (the paper drops under 10). */
  minPatchTokens?: number;
  /**
   * TypeScript functions without a return annotation get their inferred return type pinned in the base
   * (a body that only throws would change it and break callers' type-checks, e.g. under ts-jest).
   * Default true. The reference stays the original code.
   */
  pinReturnTypes?: boolean;
  /**
   * Doc comments (function id → text) for functions that have none. They go into base and reference
   * alike, in a `documented` commit on top of the original, so patches hold only implementations.
   */
  docComments?: Readonly<Record<string, string>>;
  logger?: Logger;
}

/** A task before verification. */
export interface Candidate {
  instanceId: string;
  mode: TaskMode;
  step: number;
  baseCommit: string;
  referenceCommit: string;
  originalCommit: string;
  patch: string;
  /** Files the patch touches. */
  changedFiles: string[];
  /** Functions stubbed in base and implemented in reference (this step's nodes to develop). */
  nodesToDevelop: string[];
  targetCore: string[];
  dependentCore: string[];
  failToPass: string[];
  passToPass: string[];
  /** Test files holding the FAIL_TO_PASS tests. */
  testFiles: string[];
  patchTokens: number;
}

export interface EmitResult {
  taskRepo: TaskRepo;
  originalCommit: string;
  candidates: Candidate[];
  rejects: RejectRow[];
}

/** The instance id: `<owner>__<repo>-<mode>-<step>`. */
export function instanceIdFor(repoName: string, mode: TaskMode, step: number): string {
  return `${repoName.replace('/', '__')}-${mode}-${step}`;
}

/** Counts the tokens a patch adds: identifiers, numbers, strings and punctuation on `+` lines. */
export function countPatchTokens(patch: string): number {
  let n = 0;
  for (const line of patch.split('\n')) {
    if (!line.startsWith('+') || line.startsWith('+++')) continue;
    n += (line.slice(1).match(/[A-Za-z_$][\w$]*|\d+(?:\.\d+)?|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`(?:[^`\\]|\\.)*`|[^\s\w]/g) ?? []).length;
  }
  return n;
}

function groupByFile(ids: Iterable<string>): Map<string, string[]> {
  const byFile = new Map<string, string[]>();
  for (const id of ids) {
    const { file } = parseFunctionId(id);
    const list = byFile.get(file);
    if (list) list.push(id);
    else byFile.set(file, [id]);
  }
  return byFile;
}

/**
 * Builds the task repository and one candidate per step and mode:
 * - `isolated`: base = original with only this step's functions stubbed; reference = original.
 * - `incremental`: base = this and every later step's functions stubbed; reference = only later steps'
 *   stubbed. Step k's reference is step k+1's base, so the commits form one linear history.
 */
export async function emitCandidates(options: EmitOptions): Promise<EmitResult> {
  const logger = options.logger ?? silentLogger;
  const { schedule, trace } = options;
  const minTokens = options.minPatchTokens ?? 10;
  const taskRepo = await TaskRepo.create(options.taskRepoDir);
  const sourceCommit = await taskRepo.commitWorkTree(options.sourceRoot, options.files, 'original');
  await taskRepo.setRef('refs/heads/original', sourceCommit);

  const moduleLoad = new Set(trace.moduleLoadFunctions);
  const originals = new Map<string, string>();
  const readOriginal = async (file: string) => {
    let code = originals.get(file);
    if (code === undefined) {
      code = await readFile(path.join(options.sourceRoot, file), 'utf8');
      originals.set(file, code);
    }
    return code;
  };

  // Doc comments: planned on the original source, applied to the reference tree and, through the
  // stubber's insertions, to every base.
  const docInsertions = new Map<string, Insertion[]>();
  const documented = new Map<string, string>();
  for (const [file, ids] of groupByFile(Object.keys(options.docComments ?? {}))) {
    const code = await readOriginal(file);
    const docs = Object.fromEntries(ids.map((id) => [id, options.docComments![id]!]));
    const plan = planDocComments(code, file, docs);
    if (plan.insertions.length === 0) continue;
    docInsertions.set(file, plan.insertions);
    documented.set(file, applyInsertions(code, plan.insertions));
  }
  const originalCommit = documented.size > 0
    ? await taskRepo.commitChanges(sourceCommit, documented, 'documented: doc comments for functions to implement', [sourceCommit])
    : sourceCommit;
  if (documented.size > 0) await taskRepo.setRef('refs/heads/documented', originalCommit);
  await taskRepo.setHead(documented.size > 0 ? 'refs/heads/documented' : 'refs/heads/original');
  /** A file as the reference has it (original, plus doc comments). */
  const referenceText = async (file: string) => documented.get(file) ?? (await readOriginal(file));

  // Incremental commits stub the same (file, ids) sets again and again: parse each file once and
  // stub each distinct set once.
  const asts = new Map<string, ReturnType<typeof parseSource>>();
  const stubMemo = new Map<string, { code: string; notFound: string[] }>();
  const stubFile = async (file: string, fileIds: string[]) => {
    const key = `${file}\0${[...fileIds].sort().join('\0')}`;
    let memo = stubMemo.get(key);
    if (!memo) {
      const code = await readOriginal(file);
      let ast = asts.get(file);
      if (!ast) {
        ast = parseSource(code, file);
        asts.set(file, ast);
      }
      const wanted = new Set(fileIds);
      const insertions = [...(docInsertions.get(file) ?? []), ...(pinsByFile.get(file) ?? []).filter((p) => wanted.has(p.id))];
      const result = stubFunctions(code, file, fileIds, { style: options.stubStyle ?? 'throw', insertions, ast });
      memo = { code: result.code, notFound: result.notFound };
      stubMemo.set(key, memo);
    }
    return memo;
  };

  /** Original files with `ids` stubbed; also which ids could not be stubbed. */
  const stubbedFiles = async (ids: readonly string[]) => {
    const changes = new Map<string, string>();
    const missing: string[] = [];
    for (const [file, fileIds] of groupByFile(ids)) {
      const result = await stubFile(file, fileIds);
      missing.push(...result.notFound);
      if (result.code !== (await referenceText(file))) changes.set(file, result.code);
    }
    return { changes, missing };
  };

  const candidates: Candidate[] = [];
  const rejects: RejectRow[] = [];
  const steps = schedule.steps;

  // Return-type pins, computed once for every scheduled TypeScript function.
  const pinsByFile = new Map<string, ReturnTypePin[]>();
  if (options.pinReturnTypes ?? true) {
    const scheduled = steps.flatMap((s) => s.nodesToDevelop).filter((id) => /\.(c|m)?tsx?$/.test(parseFunctionId(id).file));
    if (scheduled.length > 0) {
      const tsFiles = options.files.filter((f) => /\.(c|m)?tsx?$/.test(f) && !f.includes('node_modules/'));
      const sources = [];
      for (const f of tsFiles) sources.push({ path: f, code: await readOriginal(f).catch(() => '') });
      const t0 = Date.now();
      for (const pin of computeReturnTypePins(sources, scheduled, { skipNested: false })) {
        pinsByFile.set(pin.file, [...(pinsByFile.get(pin.file) ?? []), pin]);
      }
      logger.debug(`pinned ${[...pinsByFile.values()].flat().length} return types in ${Date.now() - t0} ms`);
    }
  }
  const testFileOf = (testId: string) => parseTestId(testId).file;

  // Candidates and rejects in the order the steps are emitted. Patches are computed afterwards for
  // every candidate at once (one `git diff-tree` process), then the patch checks run in that order.
  type Pending = { mode: TaskMode; step: ScheduleStep; base: string; reference: string; passToPass: string[] };
  const emitted: Array<{ reject: RejectRow } | { pending: Pending }> = [];
  const rejectRow = (mode: TaskMode, step: ScheduleStep, reason: RejectRow['reason'], detail: string): RejectRow =>
    ({ instance_id: instanceIdFor(options.repoName, mode, step.step), step: step.step, mode, reason, detail, tests: step.testIds });

  const makeCandidate = (mode: TaskMode, step: ScheduleStep, base: string, reference: string, passToPass: string[]) => {
    const loadTime = step.nodesToDevelop.filter((id) => moduleLoad.has(id));
    if (loadTime.length > 0) emitted.push({ reject: rejectRow(mode, step, 'module-load-stub', `runs at module load, cannot be stubbed: ${loadTime.join(', ')}`) });
    else if (step.nodesToDevelop.length === 0) emitted.push({ reject: rejectRow(mode, step, 'no-new-functions', 'the step develops no function') });
    else emitted.push({ pending: { mode, step, base, reference, passToPass } });
  };

  const finishCandidate = ({ mode, step, base, reference, passToPass }: Pending, patch: string) => {
    const reject = (reason: RejectRow['reason'], detail: string) => rejects.push(rejectRow(mode, step, reason, detail));
    const patchTokens = countPatchTokens(patch);
    if (patch.trim() === '') return reject('no-new-functions', 'base and reference are identical');
    if (patchTokens < minTokens) return reject('patch-too-small', `the patch adds ${patchTokens} tokens (< ${minTokens})`);
    const changedFiles = [...patch.matchAll(/^diff --git a\/(.+?) b\//gm)].map((m) => m[1]!);
    candidates.push({
      instanceId: instanceIdFor(options.repoName, mode, step.step),
      mode,
      step: step.step,
      baseCommit: base,
      referenceCommit: reference,
      originalCommit,
      patch,
      changedFiles,
      nodesToDevelop: step.nodesToDevelop,
      targetCore: step.targetCore,
      dependentCore: step.dependentCore,
      failToPass: [...step.testIds].sort(),
      passToPass: passToPass.sort(),
      testFiles: [...new Set(step.testIds.map(testFileOf))].sort(),
      patchTokens,
    });
  };

  if (options.modes.includes('isolated')) {
    const earlierTests: string[] = [];
    for (const step of steps) {
      const { changes, missing } = await stubbedFiles(step.nodesToDevelop);
      if (missing.length > 0) {
        emitted.push({ reject: rejectRow('isolated', step, 'stub-failed', `functions not found in the source: ${missing.join(', ')}`) });
      } else {
        const base = await taskRepo.commitChanges(originalCommit, changes, `isolated step ${step.step}: base`, [originalCommit]);
        const reference = await taskRepo.commitSameTree(originalCommit, `isolated step ${step.step}: reference`, base);
        await taskRepo.setRef(`refs/heads/isolated/step-${step.step}`, reference);
        await taskRepo.setRef(`refs/tags/isolated-${step.step}-base`, base);
        makeCandidate('isolated', step, base, reference, [...earlierTests]);
      }
      earlierTests.push(...step.testIds);
    }
  }

  if (options.modes.includes('incremental')) {
    // commits[k] = original with steps k.. stubbed; commits[steps.length] = original.
    let parent: string | null = null;
    let previous: string | null = null;
    const earlierTests: string[] = [];
    for (let k = 0; k <= steps.length; k++) {
      const ids = steps.slice(k).flatMap((s) => s.nodesToDevelop).filter((id) => !moduleLoad.has(id));
      const { changes } = await stubbedFiles(ids);
      const label = k === 0 ? 'incremental: all scheduled functions stubbed' : `incremental step ${k}: reference`;
      const commit: string = await taskRepo.commitChanges(originalCommit, changes, label, parent ? [parent] : [originalCommit]);
      if (previous !== null) {
        const step = steps[k - 1]!;
        await taskRepo.setRef(`refs/tags/incremental-${step.step}-base`, previous);
        await taskRepo.setRef(`refs/tags/incremental-${step.step}-reference`, commit);
        makeCandidate('incremental', step, previous, commit, [...earlierTests]);
        earlierTests.push(...step.testIds);
      }
      previous = commit;
      parent = commit;
    }
    if (parent) await taskRepo.setRef('refs/heads/incremental', parent);
  }

  const pending = emitted.flatMap((e) => ('pending' in e ? [e.pending] : []));
  const patches = await taskRepo.diffs(pending.map((p) => [p.base, p.reference] as const));
  let next = 0;
  for (const e of emitted) {
    if ('reject' in e) rejects.push(e.reject);
    else finishCandidate(e.pending, patches[next++]!);
  }
  // Every object on disk before anyone else reads the repository.
  await taskRepo.flush();
  logger.info(`emitted ${candidates.length} candidate tasks, ${rejects.length} rejected before verification`);
  return { taskRepo, originalCommit, candidates, rejects };
}
