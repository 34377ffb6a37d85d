import { cp, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

/** Fixed identity and dates: the same fixture gives the same shas on every run (so image caches hold). */
const GIT_ENV = {
  GIT_AUTHOR_NAME: 'swe-flow test',
  GIT_AUTHOR_EMAIL: 'test@swe-flow.invalid',
  GIT_COMMITTER_NAME: 'swe-flow test',
  GIT_COMMITTER_EMAIL: 'test@swe-flow.invalid',
  GIT_AUTHOR_DATE: '2025-01-01T00:00:00Z',
  GIT_COMMITTER_DATE: '2025-01-01T00:00:00Z',
};

export async function sh(cmd: string, args: string[], cwd: string): Promise<string> {
  const r = await execa(cmd, args, { cwd, env: GIT_ENV });
  return String(r.stdout).trim();
}

export async function commitAll(dir: string, message: string): Promise<string> {
  await sh('git', ['add', '-A'], dir);
  await sh('git', ['commit', '--quiet', '--no-gpg-sign', '-m', message], dir);
  return sh('git', ['rev-parse', 'HEAD'], dir);
}

export interface TinyRepo {
  /** Working copy with the source (package.json, lockfile). */
  source: string;
  /** Bare task repository. */
  taskRepo: string;
  first: string;
  second: string;
}

/**
 * A tiny one-dependency fixture (default the npm one) as a task repo: commit 1 has duration.js, commit 2 adds second.txt. Shas are
 * deterministic. The task repo is bare, as the emitter writes it.
 */
export async function makeTinyRepo(fixture = 'tiny-npm'): Promise<TinyRepo> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'swe-flow-rt-test-'));
  const source = path.join(root, 'source');
  await cp(path.join(FIXTURES, fixture), source, { recursive: true });
  await sh('git', ['init', '--quiet', '--initial-branch=main'], source);
  const first = await commitAll(source, 'first');
  await writeFile(path.join(source, 'second.txt'), 'from the second commit\n');
  const second = await commitAll(source, 'second');
  const taskRepo = path.join(root, 'task-repo.git');
  await sh('git', ['clone', '--quiet', '--bare', source, taskRepo], root);
  return { source, taskRepo, first, second };
}
