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
import { functionUnits, stubTargetsOf, type FunctionUnits } from '@swe-flow/scheduler';
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
  /**
   * Also emit the parts of every merged step (`step.parts`, isolated mode) as candidates of their own
   * (`EmitResult.parts`): the pipeline verifies them only when their merged step is rejected.
   */
  mergedParts?: boolean;
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
  /** The step's evidence from the RDG (absent in candidates written before it existed). */
  callDepth?: number;
  callers?: number;
}

export interface EmitResult {
  taskRepo: TaskRepo;
  originalCommit: string;
  candidates: Candidate[];
  rejects: RejectRow[];
  /** With `mergedParts`: candidates of the merged steps' parts, and the parts rejected at emit (by part step number). */
  parts: Candidate[];
  partRejects: RejectRow[];
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
  const taskRepo = await TaskRepo.create(options.taskRepoDir);
  const emission = new Emission(options, taskRepo);
  await emission.commitOriginal();
  await emission.pinReturnTypes();
  if (options.modes.includes('isolated')) await emission.emitIsolated();
  if (options.modes.includes('incremental')) await emission.emitIncremental();
  return emission.finish();
}

/** Candidates and rejects in the order the steps are emitted; patches are computed for all at once. */
type Pending = { mode: TaskMode; step: ScheduleStep; base: string; reference: string; passToPass: string[]; part: boolean };

/** One call of `emitCandidates`: the original's files, stubs made so far, and what was emitted. */
class Emission {
  private readonly logger: Logger;
  private readonly moduleLoad: Set<string>;
  private readonly units: FunctionUnits;
  private readonly originals = new Map<string, string>();
  /** Doc comments: planned on the original source, applied to the reference tree and, through the stubber's insertions, to every base. */
  private readonly docInsertions = new Map<string, Insertion[]>();
  private readonly documented = new Map<string, string>();
  /** Return-type pins, computed once for every scheduled TypeScript function. */
  private readonly pinsByFile = new Map<string, ReturnTypePin[]>();
  /** Incremental commits stub the same (file, ids) sets again and again: each file parsed once, each distinct set stubbed once. */
  private readonly asts = new Map<string, ReturnType<typeof parseSource>>();
  private readonly stubMemo = new Map<string, { code: string; notFound: string[] }>();
  private readonly emitted: Array<{ reject: RejectRow; part: boolean } | { pending: Pending }> = [];
  private readonly candidates: Candidate[] = [];
  private readonly rejects: RejectRow[] = [];
  private readonly parts: Candidate[] = [];
  private readonly partRejects: RejectRow[] = [];
  private originalCommit = '';

  constructor(private readonly options: EmitOptions, private readonly taskRepo: TaskRepo) {
    this.logger = options.logger ?? silentLogger;
    this.moduleLoad = new Set(options.trace.moduleLoadFunctions);
    this.units = functionUnits(options.trace.functions);
  }

  /** What stubbing a step's units changes: a unit, or the inner functions of a unit that ran at module load (its outer body stays). */
  private stubTargets(unitIds: readonly string[]): string[] {
    return unitIds.flatMap((id) => stubTargetsOf(id, this.units, this.moduleLoad));
  }

  private async readOriginal(file: string): Promise<string> {
    let code = this.originals.get(file);
    if (code === undefined) {
      code = await readFile(path.join(this.options.sourceRoot, file), 'utf8');
      this.originals.set(file, code);
    }
    return code;
  }

  /** A file as the reference has it (original, plus doc comments). */
  private async referenceText(file: string): Promise<string> {
    return this.documented.get(file) ?? (await this.readOriginal(file));
  }

  /** The original commit, and on top of it the doc comments for functions to implement, if any. */
  async commitOriginal(): Promise<void> {
    const { options, taskRepo } = this;
    const sourceCommit = await taskRepo.commitWorkTree(options.sourceRoot, options.files, 'original');
    await taskRepo.setRef('refs/heads/original', sourceCommit);
    for (const [file, ids] of groupByFile(Object.keys(options.docComments ?? {}))) {
      const code = await this.readOriginal(file);
      const docs = Object.fromEntries(ids.map((id) => [id, options.docComments![id]!]));
      const plan = planDocComments(code, file, docs);
      if (plan.insertions.length === 0) continue;
      this.docInsertions.set(file, plan.insertions);
      this.documented.set(file, applyInsertions(code, plan.insertions));
    }
    const documented = this.documented.size > 0;
    this.originalCommit = documented
      ? await taskRepo.commitChanges(sourceCommit, this.documented, 'documented: doc comments for functions to implement', [sourceCommit])
      : sourceCommit;
    if (documented) await taskRepo.setRef('refs/heads/documented', this.originalCommit);
    await taskRepo.setHead(documented ? 'refs/heads/documented' : 'refs/heads/original');
  }

  async pinReturnTypes(): Promise<void> {
    if (!(this.options.pinReturnTypes ?? true)) return;
    const scheduled = this.stubTargets(this.options.schedule.steps.flatMap((s) => s.nodesToDevelop)).filter((id) => /\.(c|m)?tsx?$/.test(parseFunctionId(id).file));
    if (scheduled.length === 0) return;
    const tsFiles = this.options.files.filter((f) => /\.(c|m)?tsx?$/.test(f) && !f.includes('node_modules/'));
    const sources = [];
    for (const f of tsFiles) sources.push({ path: f, code: await this.readOriginal(f).catch(() => '') });
    const t0 = Date.now();
    for (const pin of computeReturnTypePins(sources, scheduled, { skipNested: false })) {
      this.pinsByFile.set(pin.file, [...(this.pinsByFile.get(pin.file) ?? []), pin]);
    }
    this.logger.debug(`pinned ${[...this.pinsByFile.values()].flat().length} return types in ${Date.now() - t0} ms`);
  }

  private async stubFile(file: string, fileIds: string[]): Promise<{ code: string; notFound: string[] }> {
    const key = `${file}\0${[...fileIds].sort().join('\0')}`;
    let memo = this.stubMemo.get(key);
    if (!memo) {
      const code = await this.readOriginal(file);
      let ast = this.asts.get(file);
      if (!ast) {
        ast = parseSource(code, file);
        this.asts.set(file, ast);
      }
      const wanted = new Set(fileIds);
      const insertions = [...(this.docInsertions.get(file) ?? []), ...(this.pinsByFile.get(file) ?? []).filter((p) => wanted.has(p.id))];
      const result = stubFunctions(code, file, fileIds, { style: this.options.stubStyle ?? 'throw', insertions, ast });
      memo = { code: result.code, notFound: result.notFound };
      this.stubMemo.set(key, memo);
    }
    return memo;
  }

  /** Original files with `ids` stubbed; also which ids could not be stubbed. */
  private async stubbedFiles(ids: readonly string[]): Promise<{ changes: Map<string, string>; missing: string[] }> {
    const changes = new Map<string, string>();
    const missing: string[] = [];
    for (const [file, fileIds] of groupByFile(ids)) {
      const result = await this.stubFile(file, fileIds);
      missing.push(...result.notFound);
      if (result.code !== (await this.referenceText(file))) changes.set(file, result.code);
    }
    return { changes, missing };
  }

  private rejectRow(mode: TaskMode, step: ScheduleStep, reason: RejectRow['reason'], detail: string): RejectRow {
    return { instance_id: instanceIdFor(this.options.repoName, mode, step.step), step: step.step, mode, reason, detail, tests: step.testIds };
  }

  private makeCandidate(mode: TaskMode, step: ScheduleStep, trees: { base: string; reference: string }, passToPass: string[], part = false): void {
    const loadTime = step.nodesToDevelop.filter((id) => this.moduleLoad.has(id) && this.stubTargets([id]).length === 0);
    if (loadTime.length > 0) this.emitted.push({ reject: this.rejectRow(mode, step, 'module-load-stub', `runs at module load, cannot be stubbed: ${loadTime.join(', ')}`), part });
    else if (step.nodesToDevelop.length === 0) this.emitted.push({ reject: this.rejectRow(mode, step, 'no-new-functions', 'the step develops no function'), part });
    else this.emitted.push({ pending: { mode, step, ...trees, passToPass, part } });
  }

  async emitIsolated(): Promise<void> {
    const earlierTests: string[] = [];
    for (const step of this.options.schedule.steps) {
      await this.emitIsolatedStep(step, [...earlierTests], false);
      if (this.options.mergedParts) {
        // A part's PASS_TO_PASS: the tests of the steps before its merged step and of the parts before it.
        const beforePart = [...earlierTests];
        for (const part of step.parts ?? []) {
          await this.emitIsolatedStep(part, [...beforePart], true);
          beforePart.push(...part.testIds);
        }
      }
      earlierTests.push(...step.testIds);
    }
  }

  /** One isolated candidate: the original with the step's functions stubbed, and the original as reference. */
  private async emitIsolatedStep(step: ScheduleStep, passToPass: string[], part: boolean): Promise<void> {
    const { taskRepo, originalCommit } = this;
    const { changes, missing } = await this.stubbedFiles(this.stubTargets(step.nodesToDevelop));
    if (missing.length > 0) {
      this.emitted.push({ reject: this.rejectRow('isolated', step, 'stub-failed', `functions not found in the source: ${missing.join(', ')}`), part });
      return;
    }
    const label = part ? `isolated step ${step.step} (a part of a merged step)` : `isolated step ${step.step}`;
    const base = await taskRepo.commitChanges(originalCommit, changes, `${label}: base`, [originalCommit]);
    const reference = await taskRepo.commitSameTree(originalCommit, `${label}: reference`, base);
    await taskRepo.setRef(`refs/heads/isolated/step-${step.step}`, reference);
    await taskRepo.setRef(`refs/tags/isolated-${step.step}-base`, base);
    this.makeCandidate('isolated', step, { base, reference }, passToPass, part);
  }

  /** commits[k] = original with steps k.. stubbed; commits[steps.length] = original. */
  async emitIncremental(): Promise<void> {
    const { taskRepo, originalCommit } = this;
    const steps = this.options.schedule.steps;
    let parent: string | null = null;
    let previous: string | null = null;
    const earlierTests: string[] = [];
    for (let k = 0; k <= steps.length; k++) {
      const ids = this.stubTargets(steps.slice(k).flatMap((s) => s.nodesToDevelop));
      const { changes } = await this.stubbedFiles(ids);
      const label = k === 0 ? 'incremental: all scheduled functions stubbed' : `incremental step ${k}: reference`;
      const commit: string = await taskRepo.commitChanges(originalCommit, changes, label, parent ? [parent] : [originalCommit]);
      if (previous !== null) {
        const step = steps[k - 1]!;
        await taskRepo.setRef(`refs/tags/incremental-${step.step}-base`, previous);
        await taskRepo.setRef(`refs/tags/incremental-${step.step}-reference`, commit);
        this.makeCandidate('incremental', step, { base: previous, reference: commit }, [...earlierTests]);
        earlierTests.push(...step.testIds);
      }
      previous = commit;
      parent = commit;
    }
    if (parent) await taskRepo.setRef('refs/heads/incremental', parent);
  }

  private finishCandidate({ mode, step, base, reference, passToPass, part }: Pending, patch: string): void {
    const minTokens = this.options.minPatchTokens ?? 10;
    const reject = (reason: RejectRow['reason'], detail: string) => { (part ? this.partRejects : this.rejects).push(this.rejectRow(mode, step, reason, detail)); };
    const patchTokens = countPatchTokens(patch);
    if (patch.trim() === '') return reject('no-new-functions', 'base and reference are identical');
    if (patchTokens < minTokens) return reject('patch-too-small', `the patch adds ${patchTokens} tokens (< ${minTokens})`);
    const changedFiles = [...patch.matchAll(/^diff --git a\/(.+?) b\//gm)].map((m) => m[1]!);
    (part ? this.parts : this.candidates).push({
      instanceId: instanceIdFor(this.options.repoName, mode, step.step),
      mode,
      step: step.step,
      baseCommit: base,
      referenceCommit: reference,
      originalCommit: this.originalCommit,
      patch,
      changedFiles,
      nodesToDevelop: step.nodesToDevelop,
      targetCore: step.targetCore,
      dependentCore: step.dependentCore,
      failToPass: [...step.testIds].sort(),
      passToPass: passToPass.sort(),
      testFiles: [...new Set(step.testIds.map((id) => parseTestId(id).file))].sort(),
      patchTokens,
      ...(step.callDepth !== undefined ? { callDepth: step.callDepth } : {}),
      ...(step.callers !== undefined ? { callers: step.callers } : {}),
    });
  }

  /** Patches of every pending candidate from one `git diff-tree` process, then the patch checks in emit order. */
  async finish(): Promise<EmitResult> {
    const pending = this.emitted.flatMap((e) => ('pending' in e ? [e.pending] : []));
    const patches = await this.taskRepo.diffs(pending.map((p) => [p.base, p.reference] as const));
    let next = 0;
    for (const e of this.emitted) {
      if ('reject' in e) (e.part ? this.partRejects : this.rejects).push(e.reject);
      else this.finishCandidate(e.pending, patches[next++]!);
    }
    // Every object on disk before anyone else reads the repository.
    await this.taskRepo.flush();
    const parts = this.parts.length + this.partRejects.length > 0 ? ` (and ${this.parts.length} parts of merged steps, verified if their step is rejected)` : '';
    this.logger.info(`emitted ${this.candidates.length} candidate tasks, ${this.rejects.length} rejected before verification${parts}`);
    return { taskRepo: this.taskRepo, originalCommit: this.originalCommit, candidates: this.candidates, rejects: this.rejects, parts: this.parts, partRejects: this.partRejects };
  }
}
