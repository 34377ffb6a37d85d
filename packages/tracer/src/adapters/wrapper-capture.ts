/**
 * A runner behind a wrapper, used with the wrapper's own options: `"test": "kcd-scripts test"` runs
 * `require('jest').run(['--config', '<JSON>', ...])`, the JSON being kcd-scripts' jest config (babel
 * for the `.ts` tests, roots, test match). swe-flow runs the test script's wrapper command once with a
 * preload (`runtime/jest-wrapper-capture.cjs`) that stops it where it would start jest and writes the
 * command line and environment jest would get; every later jest run (listing, untraced, traced,
 * verification, evaluation) takes those options. Paths inside the repository become `<rootDir>` (in
 * the config) or repository-relative, so the options hold in task checkouts and containers too.
 * Watch flags are dropped (a wrapper adds `--watch` outside CI; the capture runs with CI=true).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import type { RunnerName } from '@swe-flow/core';
import { runtimeDir, testScript } from './runner-kit.js';
import type { WrappedRunner } from './wrapper-runner.js';

export interface WrapperRunnerOptions {
  runner: RunnerName;
  /** Options for every run of the runner, as the wrapper would pass them. */
  args: string[];
  /** Variables the wrapper sets for the runner (`NODE_ENV=test`, `BABEL_ENV=test`). */
  env: Record<string, string>;
  /** The wrapper, `kcd-scripts@15.0.1`, for messages and repo.json. */
  wrapper: string;
}

export type WrapperCapture = { ok: true; options: WrapperRunnerOptions } | { ok: false; reason: string };

/** Runners whose command line a wrapper's run can be captured for. */
export const CAPTURED_RUNNERS: readonly RunnerName[] = ['jest'];

const WATCH_FLAG = /^--(?:watch|watchAll)(?:=.*)?$/;

/** Variables of the process itself, of npm, or of swe-flow's capture: not the wrapper's choice. */
const NOT_WRAPPER_ENV = /^(?:_|PWD|OLDPWD|SHLVL|INIT_CWD|PATH|CI|HOME|NODE|npm_.*|SWEFLOW_.*)$/;

/** The part of the test script that runs `command` (`kcd-scripts test` of `npm run lint && kcd-scripts test`). */
export function wrapperCommandLine(script: string, command: string): string | undefined {
  return script.split(/&&|\|\||;/).map((p) => p.trim()).find((p) => p.split(/\s+/).filter((w) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(w))[0] === command);
}

/** A captured argument made independent of where the repository lies. */
function portableArg(arg: string, root: string): string {
  const abs = path.resolve(root);
  if (arg.startsWith('{')) {
    try {
      const config = JSON.parse(arg) as Record<string, unknown>;
      if (config.rootDir === abs) delete config.rootDir;
      return JSON.stringify(config).split(JSON.stringify(abs).slice(1, -1)).join('<rootDir>');
    } catch {
      return arg;
    }
  }
  return path.isAbsolute(arg) && (arg === abs || arg.startsWith(abs + path.sep)) ? path.relative(abs, arg) || '.' : arg;
}

/** What the captured options mean for every later run: watch flags dropped, paths portable. */
export function portableRunnerArgs(argv: readonly string[], root: string): string[] {
  return argv.filter((a) => !WATCH_FLAG.test(a)).map((a) => portableArg(a, root));
}

/** The variables the wrapper set or changed for the runner, against the environment it was started with. */
export function wrapperEnv(captured: Record<string, string>, started: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(captured)) {
    if (NOT_WRAPPER_ENV.test(k) || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) continue;
    if (started[k] !== v) out[k] = v;
  }
  return out;
}

/**
 * Runs the test script's wrapper command in `root` up to where it starts the runner, and returns the
 * options it would pass. `env`: the repository's run environment (its Node first on PATH).
 */
export async function captureWrapperRunner(root: string, packageJson: Record<string, unknown>, wrapped: WrappedRunner, env: Record<string, string> = {}, timeoutMs = 120_000): Promise<WrapperCapture> {
  if (!CAPTURED_RUNNERS.includes(wrapped.runner)) return { ok: false, reason: `swe-flow reads a wrapper's options for ${CAPTURED_RUNNERS.join(', ')} only` };
  const line = wrapperCommandLine(testScript(packageJson), wrapped.command);
  if (!line) return { ok: false, reason: `the test script has no command that starts with \`${wrapped.command}\`` };
  const work = await mkdtemp(path.join(os.tmpdir(), 'sweflow-wrapper-'));
  const file = path.join(work, 'capture.json');
  try {
    const base = { ...process.env, ...env };
    const started = {
      ...base,
      PATH: [path.join(root, 'node_modules', '.bin'), base.PATH ?? ''].join(path.delimiter),
      CI: 'true',
      NODE_OPTIONS: `--require ${path.join(runtimeDir(), 'jest-wrapper-capture.cjs')}`,
      SWEFLOW_CAPTURE_FILE: file,
    };
    const r = await execa('sh', ['-c', line], { cwd: root, env: started, extendEnv: false, reject: false, stdin: 'ignore', timeout: timeoutMs, all: true });
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text === undefined) {
      const tail = String(r.all ?? '').split('\n').slice(-20).join('\n');
      return { ok: false, reason: `\`${line}\` ended (exit ${r.exitCode ?? 'none'}${r.timedOut ? ', time limit' : ''}) without starting ${wrapped.runner}${tail.trim() ? `; its output ended:\n${tail}` : ''}` };
    }
    const captured = JSON.parse(text) as { argv: string[]; env: Record<string, string> };
    return { ok: true, options: { runner: wrapped.runner, args: portableRunnerArgs(captured.argv, root), env: wrapperEnv(captured.env, started), wrapper: wrapped.wrapper } };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
