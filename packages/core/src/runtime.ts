/**
 * The runtime contract: where commands run. `local` (a temp checkout on this machine) and `docker`
 * (a fresh container from the repository's environment image) implement the same interface, and
 * verification and evaluation use only this interface, so a task is graded the same way in both.
 */

export interface CommandSpec {
  command: string;
  args: string[];
  /** Relative to the workspace root; default the root. */
  cwd?: string;
  env?: Record<string, string>;
}

export interface ExecOptions {
  /** Wall-clock limit; the process (or container) is killed when it runs out. */
  timeoutMs: number;
  /** Text written to the process's standard input. */
  input?: string;
}

export interface ExecResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  durationMs: number;
}

export interface OpenWorkspaceOptions {
  /** Host path of the task git repository (bare or not). */
  taskRepo: string;
  /** Commit (or ref) to check out. */
  commit: string;
  /** Host directory whose `node_modules` the workspace uses (local runtime). */
  dependenciesDir?: string;
  /** Environment image (docker runtime). */
  image?: string;
  /** A label for logs and container names. */
  label?: string;
}

/** A long-lived process in a workspace (a warm test-runner session), talked to through stdin/stdout. */
export interface SpawnedProcess {
  /** Writes text to the process's standard input. */
  write(text: string): void;
  /** Resolves with the exit code (null when killed) once the process has ended. */
  readonly exited: Promise<number | null>;
  /** Kills the process and everything it started; safe to call twice. */
  kill(): Promise<void>;
}

export interface SpawnHandlers {
  onStdout(chunk: string): void;
  onStderr?(chunk: string): void;
}

/** swe-flow's work folder inside a checkout or an output folder (scripts, result files, stage records). */
export const WORK_DIR = '.swe-flow';
/** The tracer's work folder before it was named WORK_DIR: still never taken for a source of the repository. */
export const LEGACY_WORK_DIR = '.sweflow';

export interface CheckoutOptions {
  /** A commit to compare with: the files that differ between it and the new commit are returned. */
  changedSince?: string;
}

export interface Workspace {
  /** Root path of the checkout as seen by commands run in it. */
  readonly root: string;
  /**
   * True when commands run on this machine, so a path they print (a `mktemp -d` folder) is a host path
   * the caller must remove itself should a signal stop the run (a container takes its own with it).
   */
  readonly onHost?: boolean;
  exec(spec: CommandSpec, options: ExecOptions): Promise<ExecResult>;
  /**
   * Moves the checkout to another commit of the task repository it was opened from (forced, detached;
   * untracked files removed but `node_modules` and WORK_DIR). Returns the repo-relative files that
   * differ from `changedSince` (empty without it). Git runs here, not in the callers.
   */
  checkout(commit: string, options?: CheckoutOptions): Promise<string[]>;
  /**
   * Starts a long-lived process with piped stdin/stdout (optional: runtimes without it get plain
   * `exec` runs only). The process dies with the workspace.
   */
  spawn?(spec: CommandSpec, handlers: SpawnHandlers): Promise<SpawnedProcess>;
  /** Read a file relative to the root; undefined when it does not exist. */
  readFile(relPath: string): Promise<string | undefined>;
  writeFile(relPath: string, content: string): Promise<void>;
  /** Removes the checkout or container; safe to call twice. */
  dispose(): Promise<void>;
}

export interface Runtime {
  readonly name: 'local' | 'docker';
  open(options: OpenWorkspaceOptions): Promise<Workspace>;
}

/**
 * Environment every test run gets, traced or not, local or in a container: colour off and CI on, so
 * output and the tests that read these variables behave the same in trace, verification and eval.
 */
export const TEST_RUN_ENV: Readonly<Record<string, string>> = { FORCE_COLOR: '0', NO_COLOR: '1', CI: '1' };

/**
 * Inside a prepared copy: the manifests (package.json files, lockfile) as the install that worked used
 * them, kept when a fallback had to change them (a dependency dropped, a dist-tag replaced, the lockfile
 * resolved again). The copy itself, and so the task repository, keeps the repository's own manifests;
 * environment images install from these.
 */
export const INSTALLED_MANIFESTS_DIR = `${WORK_DIR}/installed-manifests`;
