/**
 * Warm runner sessions: one long-lived runner process per workspace that reruns selected test files
 * after files change, instead of paying Node, config and transform start-up for every run.
 *
 * Host side of a line protocol: requests are JSON lines on the session's stdin; replies are lines on
 * its stdout that start with a marker (anything else there is the tests' own output and ignored).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCodes, formatTestId, parseTestId, SweFlowError, type SpawnedProcess, type TestResult, type TestSelection, type TestStatus, type Workspace } from '@swe-flow/core';
import { RUNTIME_DIR } from '../recorder-path.js';
import { testNamePattern } from '../adapters/vitest.js';
import { exactAlternation, withRunnerOutput, writeRunnerLog } from '../adapters/runner-kit.js';

export interface TestSession {
  readonly runner: string;
  /**
   * Runs the selected test files (and, when ids are given, only those tests) after telling the runner
   * which files changed on disk since the previous run. Results carry the same ids as the runner's
   * plain-run parser yields.
   */
  run(selection: TestSelection, changedFiles: string[], options?: SessionRunOptions): Promise<TestResult[]>;
  /** Ends the session process; safe to call twice. */
  close(): Promise<void>;
}

export interface SessionRunOptions {
  /** A limit for each test of this run (jest's `testTimeout`); the vitest session keeps its config's. */
  testTimeoutMs?: number;
}

export interface OpenSessionOptions {
  /** Limit for the session to start (runner config loaded, test files globbed). */
  startTimeoutMs?: number;
  /** Limit for one run; the session is killed and the run fails when it runs out. */
  runTimeoutMs?: number;
  /** Folder (under the output folder) where a failed session's full output is kept. */
  logDir?: string;
  /** The adapter's options for every run (`RunnerAdapter.runnerArgs`); the jest session takes a `--config`. */
  runnerArgs?: readonly string[];
}

/** The session's arguments for the adapter's options, or undefined when the session cannot take them (plain runs then). */
function sessionArgs(runner: string, runnerArgs: readonly string[] = []): string[] | undefined {
  if (runnerArgs.length === 0) return [];
  if (runner === 'jest' && runnerArgs.length === 2 && runnerArgs[0] === '--config') return [...runnerArgs];
  return undefined;
}

/** Runners that have a warm session. */
export const SESSION_RUNNERS: readonly string[] = ['vitest', 'jest'];

/** Script in RUNTIME_DIR that runs each runner's session. */
const SCRIPTS: Record<string, string> = { vitest: 'vitest-session.mjs', jest: 'jest-session.cjs' };

/** The name filter a plain run of this runner would use (titles joined by spaces, exact). */
function namePattern(runner: string, testIds: readonly string[]): string | null {
  if (testIds.length === 0) return null;
  if (runner === 'jest') return exactAlternation(testIds.map((id) => parseTestId(id).titlePath.join(' ')));
  return testNamePattern(testIds) ?? null;
}

export function hasSession(runner: string): boolean {
  return SESSION_RUNNERS.includes(runner);
}

/** Directory inside the workspace for the session's script (kept out of `git clean`). */
const SESSION_DIR = '.swe-flow';

/** Copies runner scripts from RUNTIME_DIR into the workspace's `.swe-flow/`, with the kit they all require. */
export async function copyRuntimeScripts(workspace: Workspace, scripts: readonly string[]): Promise<void> {
  for (const script of [...scripts, 'session-kit.cjs']) {
    await workspace.writeFile(`${SESSION_DIR}/${script}`, await readFile(path.join(RUNTIME_DIR, script), 'utf8'));
  }
}
const MARK = '@@swe-flow-session@@';

interface Reply {
  id?: number | null;
  ready?: boolean;
  error?: string;
  results?: { file: string; titlePath: string[]; status: TestStatus; durationMs: number; error?: string }[];
  moduleErrors?: { file: string; message: string }[];
  unhandledErrors?: number;
}

/** [major, minor] of the vitest installed in the workspace ([0, 0] when none is). */
export async function installedVitestVersion(workspace: Workspace): Promise<[number, number]> {
  const text = await workspace.readFile('node_modules/vitest/package.json');
  const m = /^(\d+)\.(\d+)/.exec((JSON.parse(text ?? '{}') as { version?: string }).version ?? '');
  return m ? [Number(m[1]), Number(m[2])] : [0, 0];
}

/**
 * Opens a warm session of `runner` in the workspace, or returns undefined when the runner has none
 * the workspace's vitest is older than 3, or the workspace cannot start long-lived processes. Throws SESSION_FAILED when it cannot start.
 */
export async function openSession(workspace: Workspace, runner: string, options: OpenSessionOptions = {}): Promise<TestSession | undefined> {
  if (!hasSession(runner) || typeof workspace.spawn !== 'function') return undefined;
  // The vitest session needs the test-specification API of vitest 3: before it, plain runs.
  if (runner === 'vitest' && (await installedVitestVersion(workspace))[0] < 3) return undefined;
  const extra = sessionArgs(runner, options.runnerArgs);
  if (!extra) return undefined;
  const script = SCRIPTS[runner]!;
  await copyRuntimeScripts(workspace, [script]);
  const session = new LineSession(runner, options.runTimeoutMs ?? 5 * 60_000, options.logDir);
  await session.start(workspace, { command: 'node', args: [`${SESSION_DIR}/${script}`, ...extra] }, options.startTimeoutMs ?? 120_000);
  return session;
}

class LineSession implements TestSession {
  private proc: SpawnedProcess | undefined;
  private buffer = '';
  /** The session's own output (stderr: the runner and the tests print there), the last 256 KiB. */
  private output = '';
  private nextId = 1;
  private waiting: { id: number | 'ready'; resolve: (r: Reply) => void; reject: (e: Error) => void } | undefined;
  private dead: Error | undefined;
  /** Runs are serialised: one request in flight. */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(readonly runner: string, private readonly runTimeoutMs: number, private readonly logDir?: string) {}

  /** A session failure that shows the runner's last 40 lines and keeps its whole output under logDir. */
  private async failure(message: string): Promise<SweFlowError> {
    const logFile = await writeRunnerLog(this.logDir, `${this.runner}-session`, this.output);
    return new SweFlowError(ErrorCodes.SESSION_FAILED, withRunnerOutput(message, `the ${this.runner} session`, this.output, logFile), logFile ? { details: { logFile } } : {});
  }

  async start(workspace: Workspace, spec: { command: string; args: string[] }, timeoutMs: number): Promise<void> {
    const ready = this.expect('ready', timeoutMs);
    this.proc = await workspace.spawn!(spec, {
      onStdout: (chunk) => this.onStdout(chunk),
      onStderr: (chunk) => { this.output = (this.output + chunk).slice(-256 * 1024); },
    });
    void this.proc.exited.then(async (code) => {
      this.dead = await this.failure(`the ${this.runner} session exited (code ${code}); runs fall back to plain processes`);
      this.waiting?.reject(this.dead);
      this.waiting = undefined;
    });
    const reply = await ready;
    if (!reply.ready) {
      await this.close();
      throw await this.failure(`the ${this.runner} session could not start: ${reply.error ?? 'no reason given'}`);
    }
  }

  private onStdout(chunk: string): void {
    this.buffer += chunk;
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      const at = line.indexOf(MARK);
      if (at < 0) continue;
      let reply: Reply;
      try {
        reply = JSON.parse(line.slice(at + MARK.length)) as Reply;
      } catch {
        continue;
      }
      const w = this.waiting;
      if (!w) continue;
      if ((w.id === 'ready' && reply.ready !== undefined) || reply.id === w.id) {
        this.waiting = undefined;
        w.resolve(reply);
      }
    }
  }

  private expect(id: number | 'ready', timeoutMs: number): Promise<Reply> {
    return new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = undefined;
        reject(new SweFlowError(ErrorCodes.RUN_TIMEOUT, `the ${this.runner} session did not answer within ${timeoutMs} ms; it is killed`));
        void this.close();
      }, timeoutMs);
      this.waiting = {
        id,
        resolve: (r) => { clearTimeout(timer); resolve(r); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      };
    });
  }

  run(selection: TestSelection, changedFiles: string[], options: SessionRunOptions = {}): Promise<TestResult[]> {
    const next = this.chain.then(() => this.runNow(selection, changedFiles, options));
    this.chain = next.catch(() => {});
    return next;
  }

  private async runNow(selection: TestSelection, changedFiles: string[], options: SessionRunOptions): Promise<TestResult[]> {
    if (this.dead || !this.proc) throw this.dead ?? new SweFlowError(ErrorCodes.SESSION_FAILED, 'the session is closed');
    const id = this.nextId++;
    const files = [...new Set([...selection.files, ...selection.testIds.map((t) => parseTestId(t).file)])].sort();
    const reply = this.expect(id, this.runTimeoutMs);
    this.proc.write(`${JSON.stringify({ id, files, pattern: namePattern(this.runner, selection.testIds), changed: changedFiles, ...(options.testTimeoutMs ? { testTimeout: options.testTimeoutMs } : {}) })}\n`);
    const r = await reply;
    if (r.error !== undefined || !r.results) {
      throw await this.failure(`the ${this.runner} session failed a run: ${r.error ?? 'no results'}`);
    }
    if ((r.unhandledErrors ?? 0) > 0) {
      throw new SweFlowError(ErrorCodes.SESSION_FAILED, `the ${this.runner} session reported ${r.unhandledErrors} unhandled error(s); run plainly to be sure`);
    }
    return r.results.map((t) => ({
      id: formatTestId(t.file, t.titlePath),
      file: t.file,
      titlePath: t.titlePath,
      status: t.status,
      durationMs: t.durationMs,
      ...(t.error ? { error: t.error } : {}),
    }));
  }

  async close(): Promise<void> {
    const proc = this.proc;
    this.proc = undefined;
    if (!proc) return;
    await proc.kill();
  }
}
