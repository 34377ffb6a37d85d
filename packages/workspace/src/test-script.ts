/**
 * What a repository's `test` script says beyond "run the runner": environment assignments
 * (`cross-env TZ=UTC jest`, `NODE_ENV=test mocha`, `env FOO=1 ava`), several runs of the suite under
 * different environments (`jest && cross-env TZ=Asia/Tokyo jest`), and build steps the tests need
 * first (`npm run build && mocha`, a `pretest` that compiles). Scripts named with `npm run X`,
 * `yarn X`, `pnpm X` or npm-run-all's `run-s` / `run-p` / `npm-run-all` (names and `test:*` patterns)
 * are followed (a few levels deep). Pure: reads package.json's scripts only.
 */

/** One run of the suite the script makes. */
export interface ScriptRun {
  /** Environment assignments in effect for this run (outer script's first, the run's own over them). */
  env: Record<string, string>;
  /** The runner command as written (without the assignments). */
  command: string;
  /** Whether it names test files or folders (`jest test/timezone.test`): a part of the suite, not all of it. */
  selectsFiles: boolean;
  /** Those test files, folders or globs, as written (`test/*.test.js`). */
  files: string[];
  /**
   * Every word after the runner (`mocha --ui tdd -r ./setup.js test/`: `--ui`, `tdd`, `-r`, ...), for
   * adapters that read their runner's options from the command line (mocha).
   */
  args: string[];
}

export interface TestScriptFacts {
  /** Every runner invocation, in script order. */
  runs: ScriptRun[];
  /** Shell commands that build what the tests read, in order (pretest and steps before the first run). */
  build: string[];
}

const RUNNER_WORDS = new Set(['jest', 'mocha', '_mocha', 'vitest', 'ava', 'tape', 'tap', 'uvu', 'jasmine']);
/** Words that wrap a runner without changing what it runs. */
const WRAPPERS = new Set(['nyc', 'c8', 'npx', 'cross-env', 'cross-env-shell', 'env', 'dotenv', 'node-options']);
/** npm-run-all's commands: their words are script names or patterns (`npm-run-all --parallel spec lint`, `run-s test:*`). */
const RUN_ALL = new Set(['npm-run-all', 'npm-run-all2', 'run-s', 'run-p']);
/** npm-run-all flags that take a value (`--max-parallel 2`), so the value is not read as a script name. */
const RUN_ALL_VALUE_FLAGS = new Set(['--max-parallel', '-r', '--race-timeout', '--npm-path']);
const BUILD_STEP = /\b(build|compile|tsc|tshy|tsdown|pkgroll|swc|babel|rollup|webpack|esbuild|tsup|unbuild|microbundle|bundle|prepare|dist)\b/;
const NOT_BUILD = /--noEmit\b|\b(lint|eslint|prettier|tslint|xo|standard|tsd|format|typecheck|type-check|check-types)\b/;
const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s;
const MAX_DEPTH = 4;

/** Splits a shell line into commands at `&&`, `||`, `;` and `|` outside quotes. */
export function splitCommands(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      cur += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      cur += c;
      continue;
    }
    const two = line.slice(i, i + 2);
    if (two === '&&' || two === '||') {
      out.push(cur);
      cur = '';
      i++;
      continue;
    }
    if (c === ';' || c === '|') {
      out.push(cur);
      cur = '';
      continue;
    }
    cur += c;
  }
  out.push(cur);
  return out.map((s) => s.trim()).filter(Boolean);
}

/** Words of one command, quotes removed (`TZ="Asia/Tokyo"` is one word `TZ=Asia/Tokyo`). */
export function shellWords(command: string): string[] {
  const words: string[] = [];
  let cur: string | undefined;
  let quote: string | undefined;
  for (let i = 0; i < command.length; i++) {
    const c = command[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < command.length) cur += command[++i]!;
      else cur += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      cur = cur ?? '';
      continue;
    }
    if (/\s/.test(c)) {
      if (cur !== undefined) words.push(cur);
      cur = undefined;
      continue;
    }
    cur = (cur ?? '') + c;
  }
  if (cur !== undefined) words.push(cur);
  return words;
}

interface Parsed {
  env: Record<string, string>;
  words: string[];
}

/** Leading assignments and env wrappers peeled off a command. */
function peel(command: string): Parsed {
  const words = shellWords(command);
  const env: Record<string, string> = {};
  let i = 0;
  for (;;) {
    const w = words[i];
    if (w === undefined) break;
    const a = ASSIGNMENT.exec(w);
    if (a) {
      env[a[1]!] = a[2]!;
      i++;
      continue;
    }
    if (w === 'cross-env' || w === 'cross-env-shell' || w === 'env') {
      i++;
      continue;
    }
    break;
  }
  return { env, words: words.slice(i) };
}

/** The script a command runs through the package manager (`npm run x`, `yarn x`, `pnpm run x`), if any. */
function scriptCall(words: readonly string[], scripts: Record<string, string>): string | undefined {
  const [pm, a, b] = words;
  if (pm === 'npm' && (a === 'run' || a === 'run-script') && b) return b;
  if (pm === 'npm' && a === 'test') return 'test';
  if ((pm === 'yarn' || pm === 'pnpm') && (a === 'run' ? b : a)) {
    const name = a === 'run' ? b! : a!;
    return name in scripts ? name : undefined;
  }
  return undefined;
}

/** npm-run-all's pattern rule: `*` stays within one `:` segment, `**` crosses them. */
function scriptPattern(pattern: string): RegExp {
  const body = pattern
    .split(/(\*\*|\*)/)
    .map((part) => (part === '**' ? '.*' : part === '*' ? '[^:]*' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`);
}

/** The scripts an npm-run-all command runs, in its order (`run-p spec lint`, `npm-run-all build:*`). */
function runAllCalls(words: readonly string[], scripts: Record<string, string>): string[] | undefined {
  const [bin, ...rest] = words;
  if (bin === undefined || !RUN_ALL.has(bin.split('/').pop()!)) return undefined;
  const names: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const w = rest[i]!;
    if (w === '--') break;
    if (w.startsWith('-')) {
      if (RUN_ALL_VALUE_FLAGS.has(w)) i++;
      continue;
    }
    // A script with arguments (`"spec -- --grep x"`) names the script by its first word.
    const name = w.split(/\s+/)[0]!;
    if (!name.includes('*')) names.push(name);
    else for (const key of Object.keys(scripts)) if (scriptPattern(name).test(key)) names.push(key);
  }
  return names;
}

function runnerOf(words: readonly string[]): boolean {
  for (const w of words) {
    if (w.startsWith('-')) continue;
    const base = w.split('/').pop()!;
    if (RUNNER_WORDS.has(base)) return true;
    if (base === 'node' || base === 'tsx') return words.includes('--test');
    if (!WRAPPERS.has(base)) return false;
  }
  return false;
}

/** Where the runner's own arguments start: after the runner word (or node's `--test`). */
function runnerArgsStart(words: readonly string[]): number {
  return words.findIndex((w) => RUNNER_WORDS.has(w.split('/').pop()!) || w === '--test') + 1;
}

/** Words from `start` (the runner's arguments) that are paths or globs, and not the value of a flag before them. */
function namedFiles(words: readonly string[], start: number): string[] {
  const out: string[] = [];
  for (let i = start; i > 0 && i < words.length; i++) {
    const w = words[i]!;
    if (w.startsWith('-')) continue;
    const prev = words[i - 1]!;
    // The value of the flag before (`-r @babel/register`, `--config x`), unless it reads as tests (`--exit test/*.js`).
    if (prev.startsWith('-') && !prev.includes('=') && !/\*|(^|\/)(test|tests|spec|specs|__tests__)(\/|$)/.test(w)) continue;
    if (/[/.*]/.test(w)) out.push(w);
  }
  return out;
}

/** Whether a script's command builds something (tsc, rollup, `npm run build`, ...) rather than lint or type-check. */
export function isBuildCommand(command: string): boolean {
  return BUILD_STEP.test(command) && !NOT_BUILD.test(command);
}

function walk(command: string, scripts: Record<string, string>, env: Record<string, string>, depth: number, into: TestScriptFacts): void {
  for (const part of splitCommands(command)) {
    const { env: own, words } = peel(part);
    const scoped = { ...env, ...own };
    const many = runAllCalls(words, scripts);
    if (many) {
      // Followed for the suite's runs; when it runs none (`run-p build:*`), the command stays whole as a
      // build step, so every script it names runs (a `minify` beside a `babel` build too).
      const inner: TestScriptFacts = { runs: [], build: [] };
      if (depth < MAX_DEPTH) for (const name of many) if (scripts[name] !== undefined) walk(scripts[name]!, scripts, scoped, depth + 1, inner);
      if (inner.runs.length > 0) {
        if (into.runs.length === 0) into.build.push(...inner.build);
        into.runs.push(...inner.runs);
      } else if (into.runs.length === 0 && isBuildCommand(part)) into.build.push(part);
      continue;
    }
    const called = scriptCall(words, scripts);
    if (called && depth < MAX_DEPTH && scripts[called] !== undefined) {
      walk(scripts[called]!, scripts, scoped, depth + 1, into);
      continue;
    }
    if (runnerOf(words)) {
      const start = runnerArgsStart(words);
      const files = namedFiles(words, start);
      into.runs.push({ env: scoped, command: words.join(' '), selectsFiles: files.length > 0, files, args: start > 0 ? words.slice(start) : [] });
      continue;
    }
    // Only steps before the first run are something the tests could need.
    if (into.runs.length === 0 && isBuildCommand(part)) into.build.push(part);
  }
}

export function readTestScript(packageJson: Record<string, unknown>): TestScriptFacts {
  const raw = packageJson.scripts;
  const scripts: Record<string, string> = {};
  if (raw && typeof raw === 'object') for (const [k, v] of Object.entries(raw)) if (typeof v === 'string') scripts[k] = v;
  const facts: TestScriptFacts = { runs: [], build: [] };
  const pre = scripts.pretest;
  if (pre !== undefined) walk(pre, scripts, {}, 1, facts);
  // A pretest that runs the suite is not a pretest to copy: its steps stay, its runs do not.
  facts.runs = [];
  if (scripts.test !== undefined) walk(scripts.test, scripts, {}, 0, facts);
  return facts;
}

/** Test code that reads a build output folder the repository does not contain (`../dist`, `../lib`). */
const BUILT_IMPORT = /(?:require\(|from\s+|import\()\s*['"]((?:\.\.?\/)+(?:dist|lib|build|out)(?:\/[^'"]*)?)['"]/;
/** Test code that loads the package itself (`require('..')`, `from '../'`): its package.json entry. */
const ROOT_IMPORT = /(?:require\(|from\s+|import\()\s*['"]((?:\.\.?\/?)+)['"]/;
const TEST_FILE = /(^|\/)(test|tests|__tests__|spec)\/|\.(test|spec)\.[cm]?[jt]sx?$/;

/** The file `require('<package>')` loads first: `exports['.']` (require, node, default), else `main`, else index.js. */
function packageEntry(packageJson: Record<string, unknown>): string {
  const pick = (v: unknown): string | undefined => {
    if (typeof v === 'string') return v;
    if (Array.isArray(v)) return v.map(pick).find(Boolean);
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if ('.' in o) return pick(o['.']);
      for (const k of ['require', 'node', 'default', 'import']) if (k in o) return pick(o[k]);
    }
    return undefined;
  };
  const entry = pick(packageJson.exports) ?? (typeof packageJson.main === 'string' && packageJson.main ? packageJson.main : 'index.js');
  return entry.replace(/^\.\//, '');
}

/** Resolves a relative import of `file` to repo-relative path segments. */
function resolveFrom(file: string, spec: string): string[] {
  const dir = file.split('/').slice(0, -1);
  for (const seg of spec.split('/')) {
    if (seg === '..') dir.pop();
    else if (seg !== '.' && seg !== '') dir.push(seg);
  }
  return dir;
}

/**
 * Build output the test files read but the repository does not hold (so a build must make it first):
 * folders they import (`../dist`), or the package's own entry when they load the package itself
 * (`require('..')` with `main: lib/cjs/x.js`, made by a build). `read` gives a file's text; `tests`, when
 * known, the files the runner runs (others, such as a benchmark kept in test/, do not count). Empty when
 * the tests read only sources.
 */
export async function builtOutputImports(
  files: readonly string[],
  read: (file: string) => Promise<string | undefined>,
  options: { tests?: readonly string[]; packageJson?: Record<string, unknown> } = {},
): Promise<string[]> {
  const present = new Set(files.map((f) => f.split('/')[0]));
  const tracked = new Set(files);
  const tests = (options.tests && options.tests.length > 0 ? options.tests : files.filter((f) => TEST_FILE.test(f))).filter((f) => /\.[cm]?[jt]sx?$/.test(f) && !f.includes('node_modules/'));
  const entry = options.packageJson ? packageEntry(options.packageJson) : undefined;
  const entryMissing = entry !== undefined && ![entry, `${entry}.js`, `${entry}/index.js`].some((f) => tracked.has(f));
  const missing = new Set<string>();
  for (const file of tests.slice(0, 400)) {
    const text = await read(file);
    if (!text) continue;
    for (const line of text.split('\n')) {
      const m = BUILT_IMPORT.exec(line);
      if (m) {
        const top = resolveFrom(file, m[1]!)[0];
        if (top && !present.has(top)) missing.add(top);
      }
      const root = ROOT_IMPORT.exec(line);
      if (root && entryMissing && resolveFrom(file, root[1]!).length === 0) missing.add(entry!);
    }
  }
  return [...missing].sort();
}
