import type { TestCommandAdapter, TestResult, TestSelection, Workspace } from '@swe-flow/core';
import { runTests } from '../run-tests.js';
import { hasTreeBatch, runTreeBatch, vitestHasInlineProjects, vitestSharedBatch, vitestSharesWorkers, vitestWorkspaceBatch, writeVitestSharedConfig } from './batch.js';
import { treeCwdAdapter } from './tree-cwd.js';

/** A checkout ("tree") inside the workspace and the tests to run there. */
export interface RunnerTree {
  /** Workspace-relative folder; every tree of one run at the same depth. */
  dir: string;
  selection: TestSelection;
}

export interface TreeRunOptions {
  /** Limit for one tree's tests; a run of many trees gets more. */
  timeoutMs: number;
  maxWorkers: number;
  /** Share worker processes between trees (only when `sharesWorkers` said yes). */
  shareWorkers: boolean;
  /** A limit for each test of every tree (base runs; `testTimeLimitScope`); absent, the repository's own. */
  testTimeoutMs?: number;
  /** Told when workers could not be shared after all (the repository's config did not apply per tree). */
  onShareFallback?: (reason: string) => void;
}

/**
 * Runs many trees in one runner run, the way a runner does it best; chosen per adapter by `treeRunnerFor`.
 * The caller writes the trees, asks for a run and gets results per tree folder (ids relative to the
 * tree); a tree missing from the map had an unhandled error of its own.
 */
export interface TreeRunner {
  readonly runner: string;
  /** Every file of every tree runs in one process (mocha): a failure may come from another tree's state. */
  readonly sharedProcess: boolean;
  /**
   * Whether this workspace's runner can reuse workers between trees (vitest >= 2 without a config of its
   * own): a first pass whose failures count only when they carry the stub's error, one tree per test file.
   */
  sharesWorkers(workspace: Workspace): Promise<boolean>;
  run(workspace: Workspace, trees: readonly RunnerTree[], options: TreeRunOptions): Promise<Map<string, TestResult[]>>;
}

export interface TreeRunnerOptions {
  /** The monorepo package whose tests run (repo-relative, no leading `./` or trailing `/`). */
  projectDir?: string;
}

/** A run of many trees gets one test timeout per 8 trees. */
const batchTimeout = (timeoutMs: number, trees: number) => timeoutMs * Math.max(1, Math.ceil(trees / 8));

/** One plain run over every tree's files (prefixed with the tree's folder); results split back per tree. */
async function runPlain(workspace: Workspace, adapter: TestCommandAdapter, trees: readonly RunnerTree[], timeoutMs: number, testTimeoutMs?: number): Promise<Map<string, TestResult[]>> {
  const prefixed = (dir: string, id: string) => `${dir}/${id}`;
  const selection: TestSelection = {
    files: trees.flatMap((t) => t.selection.files.map((f) => prefixed(t.dir, f))),
    testIds: trees.flatMap((t) => t.selection.testIds.map((id) => prefixed(t.dir, id))),
  };
  const outcome = await runTests(workspace, adapter, selection, batchTimeout(timeoutMs, trees.length), testTimeoutMs);
  if (outcome.timedOut) throw new Error(`a batch of ${trees.length} trees did not finish within its time`);
  const out = new Map<string, TestResult[]>(trees.map((t) => [t.dir, []]));
  const depth = (trees[0]?.dir ?? '').split('/').length;
  for (const r of outcome.results) {
    const dir = r.file.split('/', depth).join('/');
    const strip = (x: string) => x.slice(dir.length + 1);
    out.get(dir)?.push({ ...r, id: strip(r.id), file: strip(r.file) });
  }
  return out;
}

/**
 * node:test, ava and node-tap take many trees' files in one plain run and still run every file in a
 * process or worker of its own; mocha, tape, uvu and jasmine run them all in one process.
 */
class PlainTreeRunner implements TreeRunner {
  constructor(private readonly adapter: TestCommandAdapter, readonly sharedProcess: boolean) {}

  get runner(): string {
    return this.adapter.name;
  }

  async sharesWorkers(): Promise<boolean> {
    return false;
  }

  /** node-tap's test processes start in their tree's folder (`tree-cwd.ts`). */
  async run(workspace: Workspace, trees: readonly RunnerTree[], options: TreeRunOptions): Promise<Map<string, TestResult[]>> {
    const adapter = await treeCwdAdapter(workspace, this.adapter, trees.map((t) => t.dir));
    return runPlain(workspace, adapter, trees, options.timeoutMs, options.testTimeoutMs);
  }
}

/**
 * vitest: each tree a project of its own (>= 3.2 inline projects through `runtime/vitest-batch.mjs`,
 * 1.x-3.1 a workspace file and the plain command), or with workers shared, one project without per-file
 * isolation over every tree's files.
 */
class VitestTreeRunner implements TreeRunner {
  readonly sharedProcess = false;

  constructor(private readonly adapter: TestCommandAdapter, private readonly projectDir: string | undefined) {}

  get runner(): string {
    return this.adapter.name;
  }

  sharesWorkers(workspace: Workspace): Promise<boolean> {
    return vitestSharesWorkers(workspace, this.projectDir);
  }

  async run(workspace: Workspace, trees: readonly RunnerTree[], options: TreeRunOptions): Promise<Map<string, TestResult[]>> {
    const { maxWorkers, testTimeoutMs } = options;
    if (options.shareWorkers) {
      const treesDir = (trees[0]?.dir ?? '').split('/').slice(0, -1).join('/');
      const config = await writeVitestSharedConfig(workspace, treesDir);
      try {
        const results = await runPlain(workspace, vitestSharedBatch(this.adapter, { maxWorkers, ...(config ? { config } : {}) }), trees, options.timeoutMs, testTimeoutMs);
        // Nothing reported at all: the config did not apply per tree (its include matched no tree file).
        if (!config || [...results.values()].some((r) => r.length > 0)) return results;
        options.onShareFallback?.('the shared batch reported no test');
      } catch (error) {
        // The repository's config could not be applied per tree: each tree a project of its own instead.
        if (!config) throw error;
        options.onShareFallback?.((error as Error).message.split('\n')[0] ?? '');
      }
    }
    return this.runProjects(workspace, trees, options);
  }

  /** Each tree a vitest project of its own, extending the tree's own config. */
  private async runProjects(workspace: Workspace, trees: readonly RunnerTree[], options: TreeRunOptions): Promise<Map<string, TestResult[]>> {
    const { maxWorkers, testTimeoutMs } = options;
    if (await vitestHasInlineProjects(workspace)) {
      return runTreeBatch(workspace, this.adapter.name, trees, {
        timeoutMs: batchTimeout(options.timeoutMs, trees.length),
        maxWorkers,
        ...(testTimeoutMs ? { testTimeoutMs } : {}),
        ...(this.projectDir ? { projectDir: this.projectDir } : {}),
      });
    }
    const viaWorkspace = await vitestWorkspaceBatch(workspace, this.adapter, trees.map((t) => t.dir), this.projectDir, { maxWorkers });
    try {
      return await runPlain(workspace, viaWorkspace.adapter, trees, options.timeoutMs, testTimeoutMs);
    } finally {
      await viaWorkspace.cleanup();
    }
  }
}

/** Runners whose plain run takes many trees' files at once, and whether they share one process. */
const PLAIN_TREE_RUNNERS: Record<string, boolean> = { 'node-test': false, ava: false, mocha: true, tape: true, tap: false, uvu: true, jasmine: true };

/** How `adapter`'s runner runs many trees at once; undefined when it does not (jest: `<rootDir>` mappings). */
export function treeRunnerFor(adapter: TestCommandAdapter, options: TreeRunnerOptions = {}): TreeRunner | undefined {
  const shared = PLAIN_TREE_RUNNERS[adapter.name];
  if (shared !== undefined) return new PlainTreeRunner(adapter, shared);
  if (hasTreeBatch(adapter.name)) return new VitestTreeRunner(adapter, options.projectDir);
  return undefined;
}
