/**
 * `tasks/<instance_id>/eval.sh`: a task's grading without swe-flow, for every runner swe-flow knows.
 * Run inside the task's instance image (for example `docker run --rm --network none -v
 * "$PWD/tasks/<id>:/task:ro" <image_name> sh /task/eval.sh [/task/some.patch]`), it applies the
 * optional patch to /testbed, runs the FAIL_TO_PASS and PASS_TO_PASS tests with the adapter's plain
 * command (the same command verification and `swe-flow eval` run: self-contained, any reporter or
 * hook it needs travels inside it), and prints one line per test (`PASSED <id>`, `FAILED <id>`,
 * `SKIPPED <id>`, `MISSING <id>`), then a verdict line `SWEFLOW_VERDICT: RESOLVED` or
 * `SWEFLOW_VERDICT: UNRESOLVED` (or `PATCH_FAILED`); the exit code is 0 only for RESOLVED.
 *
 * The result file is read by `runtime/eval-results.cjs` (carried in the script), which turns every
 * runner's result file into the adapters' test ids (`file > suite > test`).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CommandSpec, RunnerName } from '@swe-flow/core';
import { commandLine } from './run-tests.js';

/** Where eval.sh has the runner write its result file (inside the container). */
export const EVAL_SCRIPT_RESULT_FILE = '/tmp/swe-flow-eval/results.json';

export const EVAL_SCRIPT_RUNNERS: readonly RunnerName[] = ['vitest', 'jest', 'mocha', 'node-test', 'ava', 'tape', 'tap', 'uvu', 'jasmine'];

/** The reader eval.sh carries: `sweflowStatuses(text, root, runner)` → Map of test id → PASSED/FAILED/SKIPPED. */
export const EVAL_RESULTS_READER_FILE = fileURLToPath(new URL('../runtime/eval-results.cjs', import.meta.url));

let readerSource: string | undefined;
function readerText(): string {
  readerSource ??= readFileSync(EVAL_RESULTS_READER_FILE, 'utf8').replace(/\nmodule\.exports = [^\n]*\n?$/, '\n');
  return readerSource;
}

export interface EvalScriptInput {
  instanceId: string;
  runner: RunnerName;
  /** The adapter's plain command for the task's selection, with EVAL_SCRIPT_RESULT_FILE as its result file. */
  command: CommandSpec;
  failToPass: readonly string[];
  passToPass: readonly string[];
  /** Where the repository is in the image. */
  testbed?: string;
  /**
   * Shell commands run in /testbed after the patch and before the tests, when the tests run build output:
   * the patched sources reach the tests only through the build (its output and status are printed).
   */
  build?: readonly string[];
}

/** The build lines of eval.sh: each command with the repository's own tools first on PATH; a failure is reported, the tests still run. */
function buildLines(build: readonly string[] | undefined, dir: string): string {
  if (!build || build.length === 0) return '';
  const commands = build.map((c) => `(PATH="$PWD/node_modules/.bin:$PATH"; ${c})`).join(' && ');
  return `(${commands}) >${dir}/build-output.log 2>&1
echo "SWEFLOW_BUILD_EXIT: $?"
tail -n 20 ${dir}/build-output.log >&2
`;
}

const MAIN = String.raw`
const [resultFile, root, runner] = process.argv.slice(2);
let text = '';
try { text = require('node:fs').readFileSync(resultFile, 'utf8'); } catch { text = ''; }
const statusById = sweflowStatuses(text, root, runner);
let ok = statusById !== undefined && F2P.length > 0;
for (const [, ids] of [['FAIL_TO_PASS', F2P], ['PASS_TO_PASS', P2P]]) {
  for (const id of ids) {
    const status = (statusById && statusById.get(id)) || 'MISSING';
    if (status !== 'PASSED') ok = false;
    console.log(status + ' ' + id);
  }
}
if (statusById === undefined) console.log('SWEFLOW_NOTE: the runner wrote no readable result file');
console.log('SWEFLOW_VERDICT: ' + (ok ? 'RESOLVED' : 'UNRESOLVED'));
process.exit(ok ? 0 : 1);
`;

export function evalScript(input: EvalScriptInput): string | undefined {
  if (!EVAL_SCRIPT_RUNNERS.includes(input.runner)) return undefined;
  const testbed = input.testbed ?? '/testbed';
  const dir = EVAL_SCRIPT_RESULT_FILE.replace(/\/[^/]+$/, '');
  const cd = input.command.cwd && input.command.cwd !== '.' ? `cd ${input.command.cwd} && ` : '';
  const lists = `const F2P = ${JSON.stringify(input.failToPass)};\nconst P2P = ${JSON.stringify(input.passToPass)};`;
  return `#!/bin/sh
# swe-flow eval.sh for ${input.instanceId} (${input.runner}): runs its FAIL_TO_PASS and PASS_TO_PASS tests
# in /testbed of the task's instance image and prints one line per test and a verdict line.
# Usage, inside the instance image: sh eval.sh [patch file to apply to /testbed first]
set -u
cd ${testbed} || { echo "SWEFLOW_VERDICT: ERROR (no ${testbed})"; exit 3; }
if [ "$#" -ge 1 ] && [ -n "$1" ]; then
  if [ -s "$1" ] && ! git apply --whitespace=nowarn "$1"; then
    echo "SWEFLOW_VERDICT: PATCH_FAILED"
    exit 2
  fi
fi
rm -rf ${dir} && mkdir -p ${dir}
export CI=1 FORCE_COLOR=0 NO_COLOR=1
${buildLines(input.build, dir)}(${cd}${commandLine(input.command)}) >${dir}/test-output.log 2>&1
echo "SWEFLOW_TEST_EXIT: $?"
tail -n 40 ${dir}/test-output.log >&2
node - ${EVAL_SCRIPT_RESULT_FILE} ${testbed} ${input.runner} <<'SWEFLOW_PARSER'
${lists}
${readerText().trim()}
${MAIN.trim()}
SWEFLOW_PARSER
`;
}

/** The row's `eval_command`: plain docker, run from the dataset directory. */
export function evalCommand(instanceId: string, image: string): string {
  return `docker run --rm --network none -v "$PWD/tasks/${instanceId}:/task:ro" ${image} sh /task/eval.sh`;
}
