/**
 * Test harness: instruments a small set of files into a temp directory and runs a driver script in a
 * real child `node` process with the recorder loaded; returns the recorder's snapshot.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Edge } from '@swe-flow/core';
import { instrumentSource, RECORDER_PATH } from '../../src/index.js';

const run = promisify(execFile);

export interface Snapshot {
  files: { file: string; edges: Edge[] }[];
  tests: { testId: string; file?: string; edges: Edge[] }[];
  unattributed: Edge[];
  moduleLoadFunctions: string[];
  registeredFiles: string[];
}

export interface RunResult {
  snapshot: Snapshot;
  stdout: string;
  root: string;
}

/**
 * `files`: repo-relative path -> source (instrumented when it is the repo's own source).
 * `driver`: ESM body with `rec` (the recorder) and `load(rel)` (dynamic import) in scope; runs
 * uninstrumented, like a test runner would.
 */
export async function runInstrumented(files: Record<string, string>, driver: string, nodeArgs: string[] = []): Promise<RunResult> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'sweflow-instr-'));
  for (const [rel, code] of Object.entries(files)) {
    const abs = path.join(root, rel);
    await mkdir(path.dirname(abs), { recursive: true });
    const out = instrumentSource(code, abs, { root });
    await writeFile(abs, out ? out.code : code);
  }
  const driverFile = path.join(root, '__driver.mjs');
  await writeFile(
    driverFile,
    `import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
const rec = createRequire(import.meta.url)(${JSON.stringify(RECORDER_PATH)});
const load = (rel) => import(pathToFileURL(${JSON.stringify(root)} + '/' + rel).href);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
${driver}
process.stdout.write('\\n@@SNAPSHOT@@' + JSON.stringify(rec.snapshot()));
`,
  );
  const { stdout } = await run(process.execPath, [...nodeArgs, driverFile], { cwd: root, env: { ...process.env, SWEFLOW_TRACE_DIR: '' } });
  const i = stdout.lastIndexOf('@@SNAPSHOT@@');
  return { snapshot: JSON.parse(stdout.slice(i + '@@SNAPSHOT@@'.length)) as Snapshot, stdout: stdout.slice(0, i), root };
}

/** `caller -> callee` with ids shortened to `file:name` (line and column dropped). */
export function shortEdges(edges: readonly Edge[]): Map<string, number> {
  const short = (id: string): string => id.replace(/^(.*):\d+:\d+:(.*)$/, '$1:$2');
  const out = new Map<string, number>();
  for (const [a, b, n] of edges) out.set(`${short(a)} -> ${short(b)}`, (out.get(`${short(a)} -> ${short(b)}`) ?? 0) + n);
  return out;
}

export function testEdges(s: Snapshot, testId: string): Map<string, number> {
  const t = s.tests.find((x) => x.testId === testId);
  if (!t) throw new Error(`no record for ${testId}; have ${s.tests.map((x) => x.testId).join(', ')}`);
  return shortEdges(t.edges);
}
