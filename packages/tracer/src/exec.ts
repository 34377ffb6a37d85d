/** Runs one command on this machine with a wall-clock limit that kills the whole process group. */
import { execa } from 'execa';
import { TEST_RUN_ENV } from '@swe-flow/core';
import type { CommandSpec } from '@swe-flow/core';
import path from 'node:path';
import { assertNotShuttingDown } from '@swe-flow/runtime';
import { guardProcessGroup, killProcessGroup } from './process-group.js';

export interface LocalExecResult {
  exitCode: number | null;
  output: string;
  timedOut: boolean;
  durationMs: number;
}

const TAIL_BYTES = 64 * 1024;

export async function execLocal(root: string, spec: CommandSpec, timeoutMs: number, extraEnv: Record<string, string> = {}): Promise<LocalExecResult> {
  const started = performance.now();
  const sub = execa(spec.command, spec.args, {
    cwd: spec.cwd ? path.resolve(root, spec.cwd) : root,
    env: { ...extraEnv, ...spec.env, ...TEST_RUN_ENV },
    extendEnv: true,
    reject: false,
    all: true,
    stdin: 'ignore',
    detached: true,
    buffer: true,
    maxBuffer: 256 * 1024 * 1024,
  });
  let timedOut = false;
  const unguard = guardProcessGroup(sub.pid);
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      if (sub.pid !== undefined) process.kill(-sub.pid, 'SIGKILL');
    } catch {
      sub.kill('SIGKILL');
    }
  }, timeoutMs);
  try {
    const result = await sub;
    // Killed by a signal's shutdown: its output is not a result, and nothing after it should start.
    assertNotShuttingDown();
    const all = typeof result.all === 'string' ? result.all : '';
    return {
      exitCode: result.exitCode ?? null,
      output: all.length > TAIL_BYTES ? all.slice(-TAIL_BYTES) : all,
      timedOut,
      durationMs: performance.now() - started,
    };
  } finally {
    clearTimeout(timer);
    // Workers left behind by a runner that exited: the group goes with it.
    killProcessGroup(sub.pid);
    unguard();
  }
}
