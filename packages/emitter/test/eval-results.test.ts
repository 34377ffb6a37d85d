import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import type { RunnerName } from '@swe-flow/core';
import { getAdapter } from '@swe-flow/tracer';
import { EVAL_RESULTS_READER_FILE, EVAL_SCRIPT_RUNNERS, evalScript } from '../src/index.js';

/**
 * eval.sh reads a runner's result file with `runtime/eval-results.cjs` (plain Node, no swe-flow in the
 * image). It must read every file exactly as the runner's adapter does, or eval.sh and `swe-flow eval`
 * disagree. The files under fixtures/eval-results/ are result files of real runs of fixtures/tap-esm,
 * tape-cjs, uvu-esm, jasmine-cjs and node-test-esm (their root replaced by /testbed), plus files written
 * in each remaining runner's format with the cases its adapter treats specially (a mocha test reported
 * twice, ava lines it cannot place and SKIP directives, TAP escapes, TODO/SKIP points and YAML blocks).
 */
const DIR = fileURLToPath(new URL('./fixtures/eval-results/', import.meta.url));
const { sweflowStatuses } = createRequire(import.meta.url)(EVAL_RESULTS_READER_FILE) as {
  sweflowStatuses(text: string, root: string, runner: string): Map<string, string> | undefined;
};
const word = (s: string) => (s === 'passed' ? 'PASSED' : s === 'failed' ? 'FAILED' : 'SKIPPED');

const files = readdirSync(DIR).filter((f) => f.endsWith('.txt'));
/** `node-test.txt`, `tap-directives.txt` → their runner. */
const runnerOf = (file: string) => EVAL_SCRIPT_RUNNERS.find((r) => file.startsWith(`${r}.`) || file.startsWith(`${r}-`))!;

describe('eval.sh result reader', () => {
  it('has a sample of every runner eval.sh supports', () => {
    const runners = new Set(files.map(runnerOf));
    for (const r of EVAL_SCRIPT_RUNNERS) expect(runners, r).toContain(r);
  });

  it.each(files)('reads %s as the adapter does (same ids, same statuses)', (file) => {
    const runner: RunnerName = runnerOf(file);
    const text = readFileSync(path.join(DIR, file), 'utf8');
    const adapter = new Map(getAdapter(runner).parseResults(text, '/testbed').map((r) => [r.id, word(r.status)]));
    const reader = sweflowStatuses(text, '/testbed', runner);
    expect(adapter.size).toBeGreaterThan(0);
    expect(reader && [...reader]).toEqual([...adapter]);
    expect([...adapter.values()]).toContain('PASSED');
    expect([...adapter.values()]).toContain('FAILED');
  });

  it('says nothing (no statuses) for a missing or garbled file', () => {
    expect(sweflowStatuses('', '/testbed', 'mocha')).toBeUndefined();
    expect(sweflowStatuses('{not json', '/testbed', 'jasmine')).toBeUndefined();
    expect(sweflowStatuses('no tap here', '/testbed', 'tap')).toBeUndefined();
  });

  it('eval.sh parses its own result file: one line per test, then the verdict', async () => {
    const text = readFileSync(path.join(DIR, 'jasmine.txt'), 'utf8');
    const ids = getAdapter('jasmine').parseResults(text, '/testbed');
    const passed = ids.filter((r) => r.status === 'passed').map((r) => r.id);
    const failed = ids.find((r) => r.status === 'failed')!.id;
    const script = evalScript({ instanceId: 'x', runner: 'jasmine', command: { command: 'true', args: [] }, failToPass: [passed[0]!], passToPass: [...passed.slice(1), failed] })!;
    // The script's reader part, run on the sample as eval.sh runs it (node - FILE ROOT RUNNER).
    const reader = script.slice(script.indexOf("<<'SWEFLOW_PARSER'\n") + 19, script.lastIndexOf('SWEFLOW_PARSER'));
    const r = await execa('node', ['-', path.join(DIR, 'jasmine.txt'), '/testbed', 'jasmine'], { input: reader, reject: false });
    const lines = r.stdout.trim().split('\n');
    expect(lines).toContain(`PASSED ${passed[0]}`);
    expect(lines).toContain(`FAILED ${failed}`);
    expect(lines.at(-1)).toBe('SWEFLOW_VERDICT: UNRESOLVED');
    expect(r.exitCode).toBe(1);
  });
});
