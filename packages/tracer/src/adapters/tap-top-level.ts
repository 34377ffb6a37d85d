/**
 * node-tap files that only assert at their top level (`t.equal(...)` with no `t.test`) are one test each,
 * with the file's id (`parseTapResults`). Their module body is that test: what it calls ran while the
 * file loaded, so the recorder marks it module load, and module-load functions are never stubbed (a stub
 * would break every test of a file that imports them). For such a file that would break only its own
 * test, which is what FAIL_TO_PASS asks of it. npm/node-semver (`test/index.js`, 65 frozen functions)
 * and npm/ini (`test/proto.js`, `test/win32.js` froze `encode` and `decode`).
 */
import { isModuleNodeId, type Edge } from '@swe-flow/core';
import type { TracedRunOutput } from '../adapter.js';

const moduleNodeOf = (file: string) => `${file}:0:0:<module>`;

/** Callees reached from `from` by `edges`, never through another module's body (its load, not the test). */
function reachFrom(from: string, edges: readonly Edge[]): Set<string> {
  const out = new Map<string, string[]>();
  for (const [caller, callee] of edges) {
    const list = out.get(caller);
    if (list) list.push(callee);
    else out.set(caller, [callee]);
  }
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length > 0) {
    for (const callee of out.get(stack.pop()!) ?? []) {
      if (seen.has(callee) || isModuleNodeId(callee)) continue;
      seen.add(callee);
      stack.push(callee);
    }
  }
  return seen;
}

/** Functions a module body other than `own` called, in `edges` (a library's own initialisation). */
function calledByOtherModules(own: string, edges: readonly Edge[]): Set<string> {
  const out = new Set<string>();
  for (const [caller] of edges) {
    if (caller !== own && isModuleNodeId(caller)) for (const id of reachFrom(caller, edges)) out.add(id);
  }
  return out;
}

/**
 * `traced` with the functions that ran at module load only as the top-level test files' own work taken
 * out of `moduleLoadFunctions`. A function that also ran while another file loaded (a file with tests
 * of its own, or a library module's initialisation) stays frozen.
 */
export function unfreezeTopLevelTests(traced: TracedRunOutput): TracedRunOutput {
  const topLevel = new Set(traced.results.filter((r) => r.titlePath.length === 0).map((r) => r.file));
  if (topLevel.size === 0) return traced;
  const ownWork = new Set<string>();
  const loadedElsewhere = new Set<string>();
  for (const { file, edges } of traced.setup) {
    if (!topLevel.has(file)) {
      for (const [, callee] of edges) loadedElsewhere.add(callee);
      continue;
    }
    const own = moduleNodeOf(file);
    for (const id of reachFrom(own, edges)) ownWork.add(id);
    for (const id of calledByOtherModules(own, edges)) loadedElsewhere.add(id);
  }
  const moduleLoadFunctions = traced.moduleLoadFunctions.filter((id) => !ownWork.has(id) || loadedElsewhere.has(id));
  return { ...traced, moduleLoadFunctions };
}
