/**
 * `auditTasks()`: is any task's solution reachable from the environment an agent gets? Per task, the
 * reference bodies of its functions are searched for in every file and every git object (reachable
 * or not: packs, reflogs, stashes, notes, dangling objects) of that environment.
 *
 * - docker: a fresh container of the row's instance image (`image_name`), as root, network off; the
 *   whole file system. Also checks that /testbed has exactly one commit, `base_commit`, and no other ref.
 * - local: there is no image; what would become one is audited: the task's /testbed (the base
 *   tree's files: the one-commit repository an instance gets holds no other object) and the dependency
 *   folders the local workspaces link (`node_modules` of the prepared copy, scanned once for all tasks),
 *   less what the env tier removes from every environment image (`collect-deps.cjs --list`: a published
 *   copy of the repository's own package, tool caches): no task environment holds those, and the report
 *   lists them under `leftOut`.
 */
import path from 'node:path';
import { mapPool, silentLogger, type DatasetRow, type Logger } from '@swe-flow/core';
import { TaskRepo } from '@swe-flow/emitter';
import { writeFileAtomic } from '@swe-flow/runtime';
import { scanDependencies } from './dependencies.js';
import { DEFAULT_MIN_TOKENS, needleMatcher, normalizeCode, tasksNeedles, type ScannedBlob, type TaskNeedles } from './needles.js';
import { runInFreshContainer, scanInImage, type ScanHit, type ScanOutput } from './scan.js';

export const AUDIT_SCHEMA_VERSION = 1;

export interface AuditOptions {
  rows: readonly DatasetRow[];
  taskRepo: string;
  runtime: 'docker' | 'local';
  /** local: the prepared copy whose node_modules folders the workspaces link. */
  dependenciesDir?: string;
  /** local: the scanner's cache of those folders (`scanDependencies`), e.g. the one the dependency-copies step left. */
  scanCacheFile?: string;
  minTokens?: number;
  workers?: number;
  logger?: Logger;
}

export interface TaskAudit {
  instance_id: string;
  /** No solution body found and (docker) /testbed is exactly base_commit. */
  ok: boolean;
  runtime: 'docker' | 'local';
  image?: string;
  hits: ScanHit[];
  /** Function bodies searched for. */
  needles: string[];
  /** Changed bodies below the minimum token count, not searched for. */
  short: string[];
  /** docker: what `git rev-list --all` and `git for-each-ref` show in /testbed. */
  testbed?: { commits: string[]; refs: string[]; stashes: number };
  problems: string[];
  files: number;
  bytes: number;
  durationMs: number;
}

export interface AuditReport {
  schemaVersion: typeof AUDIT_SCHEMA_VERSION;
  runtime: 'docker' | 'local';
  minTokens: number;
  tasks: TaskAudit[];
  failed: string[];
  /** local: dependency folders not searched because the env tier removes them from every image. */
  leftOut?: Array<{ path: string; why: string }>;
  /** local: the one scan of the dependency folders for every task; `cachedFiles` were answered by `scanCacheFile` without being read. */
  dependencyScan?: { files: number; bytes: number; cachedFiles: number };
  durationMs: number;
}

async function testbedState(image: string): Promise<TaskAudit['testbed'] & { error?: string }> {
  const r = await runInFreshContainer(image, ['sh', '-c', 'cd /testbed && git rev-list --all && echo @@refs && git for-each-ref --format="%(refname)" && echo @@stash && git stash list | wc -l'], { user: 'swe' });
  if (r.exitCode !== 0) return { commits: [], refs: [], stashes: 0, error: r.stderr.trim() || `exit ${r.exitCode}` };
  const [commits = '', rest = ''] = r.stdout.split('@@refs');
  const [refs = '', stash = '0'] = rest.split('@@stash');
  const lines = (s: string) => s.split('\n').map((l) => l.trim()).filter(Boolean);
  return { commits: lines(commits), refs: lines(refs), stashes: Number(stash.trim()) || 0 };
}

async function auditOne(row: DatasetRow, options: AuditOptions, found: TaskNeedles, shared: ScanOutput | undefined, blobs: BlobStore): Promise<TaskAudit> {
  const started = Date.now();
  const problems: string[] = found.unreadable.map((u) => `${u.file}: functions not located (${u.reason})`);
  const base = { instance_id: row.instance_id, runtime: options.runtime, needles: found.needles.map((n) => n.id), short: found.short };
  if (options.runtime === 'docker') {
    const image = row.image_name ?? '';
    if (!image) {
      return { ...base, ok: false, hits: [], problems: ['the row names no instance image (image_name); synthesize with --runtime docker'], files: 0, bytes: 0, durationMs: Date.now() - started };
    }
    const testbed = await testbedState(image);
    if (testbed.error) problems.push(`/testbed is not a git repository: ${testbed.error}`);
    else {
      if (testbed.commits.length !== 1 || testbed.commits[0] !== row.base_commit) problems.push(`/testbed holds ${testbed.commits.length} commits (${testbed.commits.slice(0, 3).join(', ')}); expected only ${row.base_commit}`);
      const extra = testbed.refs.filter((r) => r !== 'refs/heads/main');
      if (extra.length) problems.push(`/testbed has refs besides main: ${extra.join(', ')}`);
      if (testbed.stashes) problems.push(`/testbed has ${testbed.stashes} stash entries`);
    }
    const scan = await scanInImage(image, found.needles);
    const { error: _e, ...state } = testbed;
    return { ...base, ok: scan.hits.length === 0 && problems.length === 0, image, hits: scan.hits, testbed: state, problems, files: scan.files, bytes: scan.bytes, durationMs: Date.now() - started };
  }
  // The task's /testbed would be a repository whose only objects are the base commit's (what
  // writeTestbedRepo builds and checks): its files are the base tree's blobs, searched here directly.
  const match = needleMatcher(found.needles);
  const hits: ScanHit[] = [];
  let bytes = 0;
  const tree = await blobs.tree(row.base_commit);
  const read = await blobs.read(tree.map(([, sha]) => sha));
  for (const [k, [file]] of tree.entries()) {
    const blob = read[k]!;
    bytes += blob.text.length;
    for (const id of match(blob)) hits.push({ id, kind: 'file', path: `/testbed/${file}` });
  }
  // The dependency folders are the same for every task: scanned once for all tasks' bodies.
  const mine = new Set(found.needles.map((n) => n.id));
  hits.push(...(shared?.hits ?? []).filter((h) => mine.has(h.id)));
  return { ...base, ok: hits.length === 0 && problems.length === 0, hits, problems, files: tree.length + (shared?.files ?? 0), bytes: bytes + (shared?.bytes ?? 0), durationMs: Date.now() - started };
}

/**
 * Blobs of the task repository read once (as latin1, as the scanner reads files), each normalized at most
 * once, and shared by every task: the tasks' trees are mostly the same blobs.
 */
class BlobStore {
  private readonly cache = new Map<string, ScannedBlob>();
  private readonly trees = new Map<string, Array<[string, string]>>();
  constructor(private readonly repo: TaskRepo) {}

  /** The trees of every task's base, listed together before the tasks are audited. */
  async listTrees(commits: readonly string[]): Promise<void> {
    const unique = [...new Set(commits)];
    const listed = await this.repo.listTrees(unique);
    unique.forEach((c, i) => this.trees.set(c, listed[i]!));
  }

  async tree(commit: string): Promise<Array<[string, string]>> {
    return this.trees.get(commit) ?? this.repo.listTree(commit);
  }

  /** A tree's blobs; those not read yet read by one git process. */
  async read(shas: readonly string[]): Promise<ScannedBlob[]> {
    const missing = [...new Set(shas.filter((sha) => !this.cache.has(sha)))];
    const read = await this.repo.readBlobs(missing);
    missing.forEach((sha, i) => this.cache.set(sha, scannedBlob(read[i]!)));
    return shas.map((sha) => this.cache.get(sha)!);
  }
}

function scannedBlob(bytes: Buffer): ScannedBlob {
  let norm: string | undefined;
  return { bytes, text: bytes.toString('latin1'), normalized: (text) => (norm ??= normalizeCode(text)) };
}

export async function auditTasks(options: AuditOptions): Promise<AuditReport> {
  const started = Date.now();
  const minTokens = options.minTokens ?? DEFAULT_MIN_TOKENS;
  const repo = await TaskRepo.open(options.taskRepo);
  try {
    return await auditWith(repo, options, minTokens, started);
  } finally {
    await repo.dispose();
  }
}

async function auditWith(repo: TaskRepo, options: AuditOptions, minTokens: number, started: number): Promise<AuditReport> {
  const logger = options.logger ?? silentLogger;
  const needles = new Map<string, TaskNeedles>();
  const found = await tasksNeedles(repo, options.rows, minTokens);
  options.rows.forEach((row, i) => needles.set(row.instance_id, found[i]!));
  let shared: ScanOutput | undefined;
  let leftOut: AuditReport['leftOut'];
  if (options.runtime === 'local' && options.dependenciesDir) {
    const union = new Map([...needles.values()].flatMap((f) => f.needles).map((n) => [n.id, n]));
    ({ scan: shared, leftOut } = await scanDependencies(options.dependenciesDir, [...union.values()], options.scanCacheFile));
  }
  const blobs = new BlobStore(repo);
  if (options.runtime === 'local') await blobs.listTrees(options.rows.map((r) => r.base_commit));
  let done = 0;
  const tasks = await mapPool([...options.rows], Math.max(1, options.workers ?? 1), async (row) => {
    const audit = await auditOne(row, options, needles.get(row.instance_id)!, shared, blobs);
    logger.progress?.({ stage: 'audit', done: ++done, total: options.rows.length });
    if (!audit.ok) logger.warn(`audit: ${row.instance_id}: ${[...audit.hits.map((h) => `${h.id} in ${h.kind} ${h.path}`), ...audit.problems].slice(0, 5).join('; ')}`);
    return audit;
  });
  return {
    schemaVersion: AUDIT_SCHEMA_VERSION, runtime: options.runtime, minTokens, tasks, failed: tasks.filter((t) => !t.ok).map((t) => t.instance_id),
    ...(leftOut ? { leftOut } : {}),
    ...(shared ? { dependencyScan: { files: shared.files, bytes: shared.bytes, cachedFiles: shared.cachedFiles ?? 0 } } : {}),
    durationMs: Date.now() - started,
  };
}

/** `<dir>/audit.json` (the whole report) and `<dir>/tasks/<id>/audit.json`. */
export async function writeAuditReport(dir: string, report: AuditReport): Promise<void> {
  await writeFileAtomic(path.join(dir, 'audit.json'), `${JSON.stringify(report, null, 2)}\n`);
  for (const t of report.tasks) await writeFileAtomic(path.join(dir, 'tasks', t.instance_id, 'audit.json'), `${JSON.stringify(t, null, 2)}\n`);
}
