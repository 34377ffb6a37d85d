import { ROOT_CALLER, isModuleNodeId, type Edge, type TraceJson } from '@swe-flow/core';

/** How a file's functions count in the RDG. */
export type FileRole = 'test' | 'helper' | 'core';

/** Which rule decided a file's role (first matching rule wins, in this order). */
export type FileRoleRule =
  /** The runner treats the file as a test file (`trace.testFiles`, `trace.files`, or a test's own file). */
  | 'runner-test-file'
  /** `isTestHelperFile(file)` returned true or false. */
  | 'helper-option'
  /** The default path rule `defaultIsTestHelperFile` matched. */
  | 'helper-path'
  /** Outside `sourceRoots`, and every call into the file comes from test code. */
  | 'helper-test-callers-only'
  /** None of the above: the repository's own source. */
  | 'source';

export interface FileClassification {
  role: FileRole;
  rule: FileRoleRule;
}

/** What a node id stands for. `root` and `external` are call-graph pseudo callers. */
export type NodeKind = 'test' | 'core' | 'module-test' | 'module-core' | 'root' | 'external';

export interface ClassifyOptions {
  /**
   * Decides whether a file that the runner does NOT treat as a test file holds test helpers.
   * Return `undefined` to fall through to the next rule. Defaults to `defaultIsTestHelperFile`.
   */
  isTestHelperFile?: (file: string) => boolean | undefined;
  /**
   * The source tree (repo-relative folders such as `src`, `lib`). When given, a file outside every
   * source root whose functions are only ever called from test code is a test helper too.
   */
  sourceRoots?: string[];
}

const TEST_DIRS = new Set([
  'test', 'tests', '__tests__', '__test__', 'spec', 'specs', '__mocks__', '__fixtures__', 'fixtures',
  '__helpers__', 'test-utils', 'test-helpers', 'testing', 'e2e', 'test-d',
]);
const TEST_BASENAME = [
  /\.(test|spec|e2e)\.[cm]?[jt]sx?$/i,
  /^(test|spec)[-_.]?(utils?|helpers?|setup|support)\.[cm]?[jt]sx?$/i,
  /^setup[-_.]?tests?\.[cm]?[jt]sx?$/i,
  /^(vitest|jest|mocha|ava)\.setup\.[cm]?[jt]sx?$/i,
];

/**
 * The default test-helper rule: a directory segment named like a test folder (`test`, `tests`,
 * `__tests__`, `spec`, `__mocks__`, `fixtures`, `e2e`, ...) or a test-like basename (`*.test.ts`,
 * `test-utils.ts`, `setupTests.js`, `vitest.setup.ts`).
 */
export function defaultIsTestHelperFile(file: string): boolean {
  const parts = file.split('/');
  const base = parts.pop() ?? '';
  if (parts.some((p) => TEST_DIRS.has(p))) return true;
  return TEST_BASENAME.some((re) => re.test(base));
}

const idPattern = /^(.*):(\d+):(\d+):(.*)$/s;

/** The file of a function or module node id, or undefined for `<root>` and unparseable ids. */
export function fileOfId(id: string): string | undefined {
  if (id === ROOT_CALLER) return undefined;
  const m = idPattern.exec(id);
  return m ? m[1] : undefined;
}

function underRoot(file: string, roots: readonly string[]): boolean {
  return roots.some((r) => {
    const root = r.replace(/^\.\/+/, '').replace(/\/+$/, '');
    return root === '' || root === '.' || file === root || file.startsWith(`${root}/`);
  });
}

function* allEdges(trace: TraceJson): Generator<Edge> {
  for (const f of trace.files) yield* f.setupEdges;
  for (const t of trace.tests) yield* t.edges;
}

/**
 * Classifies every file that appears in the trace (function manifest and edges). Rules, first match
 * wins: runner test file → `isTestHelperFile` option (when it answers) → default path rule →
 * (with `sourceRoots`) outside the source tree and called only from test code → source.
 */
export function classifyFiles(trace: TraceJson, opts: ClassifyOptions = {}): Map<string, FileClassification> {
  const ids = new Set<string>();
  for (const [caller, callee] of allEdges(trace)) ids.add(caller).add(callee);
  return classifyFilesOf(trace, ids, () => allEdges(trace), opts);
}

/**
 * `classifyFiles` over a precomputed set of node ids; `edges` is only iterated when `sourceRoots`
 * is set (to find files called only from test code).
 */
export function classifyFilesOf(
  trace: TraceJson,
  ids: Iterable<string>,
  edges: () => Iterable<readonly [string, string, ...unknown[]]>,
  opts: ClassifyOptions = {},
): Map<string, FileClassification> {
  const runnerTests = new Set<string>([...trace.testFiles, ...trace.files.map((f) => f.file), ...trace.tests.map((t) => t.file)]);
  const files = new Set<string>([...Object.keys(trace.functions), ...runnerTests]);
  for (const id of ids) {
    const file = fileOfId(id);
    if (file !== undefined) files.add(file);
  }
  const result = new Map<string, FileClassification>();
  const undecided: string[] = [];
  for (const file of [...files].sort()) {
    if (runnerTests.has(file)) {
      result.set(file, { role: 'test', rule: 'runner-test-file' });
      continue;
    }
    if (opts.isTestHelperFile) {
      const answer = opts.isTestHelperFile(file);
      if (answer !== undefined) {
        result.set(file, answer ? { role: 'helper', rule: 'helper-option' } : { role: 'core', rule: 'source' });
        continue;
      }
    }
    if (defaultIsTestHelperFile(file)) {
      result.set(file, { role: 'helper', rule: 'helper-path' });
      continue;
    }
    result.set(file, { role: 'core', rule: 'source' });
    if (opts.sourceRoots && !underRoot(file, opts.sourceRoots)) undecided.push(file);
  }
  if (undecided.length > 0) promoteTestOnlyFiles(edges(), result, new Set(undecided));
  return result;
}

/** Fixpoint: a file outside the source tree whose every caller is test code becomes a helper. */
function promoteTestOnlyFiles(
  edges: Iterable<readonly [string, string, ...unknown[]]>,
  result: Map<string, FileClassification>,
  candidates: Set<string>,
): void {
  const callersByFile = new Map<string, Set<string>>();
  for (const [caller, callee] of edges) {
    const file = fileOfId(callee);
    if (file === undefined || !candidates.has(file)) continue;
    let set = callersByFile.get(file);
    if (!set) callersByFile.set(file, (set = new Set()));
    set.add(caller);
  }
  let changed = true;
  while (changed) {
    changed = false;
    for (const file of [...candidates].sort()) {
      const callers = callersByFile.get(file);
      if (!callers) continue;
      let testSide = 0;
      let ok = true;
      for (const caller of callers) {
        const cf = fileOfId(caller);
        if (cf === undefined || cf === file) continue; // root, external or the file itself: neutral
        const role = result.get(cf)?.role;
        if (role === 'test' || role === 'helper') testSide++;
        else {
          ok = false;
          break;
        }
      }
      if (ok && testSide > 0) {
        result.set(file, { role: 'helper', rule: 'helper-test-callers-only' });
        candidates.delete(file);
        changed = true;
      }
    }
  }
}

/** The kind of a node id given the file classification. */
export function nodeKind(id: string, files: ReadonlyMap<string, FileClassification>): NodeKind {
  if (id === ROOT_CALLER) return 'root';
  const file = fileOfId(id);
  if (file === undefined) return 'external';
  const role = files.get(file)?.role ?? 'core';
  if (isModuleNodeId(id)) return role === 'core' ? 'module-core' : 'module-test';
  return role === 'core' ? 'core' : 'test';
}
