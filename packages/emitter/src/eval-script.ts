/**
 * `tasks/<instance_id>/eval.sh`: a task's grading without swe-flow. Run inside the task's instance
 * image (for example `docker run --rm --network none -v "$PWD/tasks/<id>:/task:ro" <image_name> sh
 * /task/eval.sh [/task/some.patch]`), it applies the optional patch to /testbed, runs the
 * FAIL_TO_PASS and PASS_TO_PASS tests with the runner's JSON reporter, and prints one line per test
 * (`PASSED <id>`, `FAILED <id>`, `MISSING <id>`), then a verdict line `SWEFLOW_VERDICT: RESOLVED` or
 * `SWEFLOW_VERDICT: UNRESOLVED` (or `PATCH_FAILED`); the exit code is 0 only for RESOLVED. The test
 * ids and the result parsing are those of swe-flow's runner adapters (`file > suite > test`).
 *
 * Runners whose machine-readable output is a swe-flow reporter (mocha, node:test, ava) need that
 * reporter in the image; they get no eval.sh yet (`evalScript` returns undefined).
 */
import type { CommandSpec, RunnerName } from '@swe-flow/core';
import { commandLine } from './run-tests.js';

/** Where eval.sh has the runner write its result file (inside the container). */
export const EVAL_SCRIPT_RESULT_FILE = '/tmp/swe-flow-eval/results.json';

export const EVAL_SCRIPT_RUNNERS: readonly RunnerName[] = ['vitest', 'jest'];

export interface EvalScriptInput {
  instanceId: string;
  runner: RunnerName;
  /** The adapter's plain command for the task's selection, with EVAL_SCRIPT_RESULT_FILE as its result file. */
  command: CommandSpec;
  failToPass: readonly string[];
  passToPass: readonly string[];
  /** Where the repository is in the image. */
  testbed?: string;
}

const PARSER = String.raw`
const fs = require('node:fs');
const path = require('node:path');
const [resultFile, root, runner] = process.argv.slice(2);
let data = {};
try { data = JSON.parse(fs.readFileSync(resultFile, 'utf8')); } catch { data = undefined; }
const statusById = new Map();
for (const file of (data && data.testResults) || []) {
  const abs = file.name || file.testFilePath;
  if (!abs) continue;
  const rel = path.relative(root, abs).split(path.sep).join('/');
  for (const a of file.assertionResults || []) {
    let titles = [...(a.ancestorTitles || []), a.title || ''];
    if (runner === 'vitest' && titles.length > 1 && titles[0] === '') titles = titles.slice(1);
    statusById.set([rel, ...titles].join(' > '), a.status === 'passed' ? 'PASSED' : 'FAILED');
  }
}
let ok = data !== undefined && F2P.length > 0;
for (const [kind, ids] of [['FAIL_TO_PASS', F2P], ['PASS_TO_PASS', P2P]]) {
  for (const id of ids) {
    const status = statusById.get(id) || 'MISSING';
    if (status !== 'PASSED') ok = false;
    console.log(status + ' ' + id);
  }
}
if (data === undefined) console.log('SWEFLOW_NOTE: the runner wrote no readable result file');
console.log('SWEFLOW_VERDICT: ' + (ok ? 'RESOLVED' : 'UNRESOLVED'));
process.exit(ok ? 0 : 1);
`;

export function evalScript(input: EvalScriptInput): string | undefined {
  if (!EVAL_SCRIPT_RUNNERS.includes(input.runner)) return undefined;
  const testbed = input.testbed ?? '/testbed';
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
rm -rf ${EVAL_SCRIPT_RESULT_FILE.replace(/\/[^/]+$/, '')} && mkdir -p ${EVAL_SCRIPT_RESULT_FILE.replace(/\/[^/]+$/, '')}
export CI=1 FORCE_COLOR=0 NO_COLOR=1
(${cd}${commandLine(input.command)}) >/tmp/swe-flow-eval/test-output.log 2>&1
echo "SWEFLOW_TEST_EXIT: $?"
tail -n 40 /tmp/swe-flow-eval/test-output.log >&2
node - ${EVAL_SCRIPT_RESULT_FILE} ${testbed} ${input.runner} <<'SWEFLOW_PARSER'
${lists}
${PARSER.trim()}
SWEFLOW_PARSER
`;
}

/** The row's `eval_command`: plain docker, run from the dataset directory. */
export function evalCommand(instanceId: string, image: string): string {
  return `docker run --rm --network none -v "$PWD/tasks/${instanceId}:/task:ro" ${image} sh /task/eval.sh`;
}
