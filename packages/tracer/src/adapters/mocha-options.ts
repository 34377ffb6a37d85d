/**
 * The mocha options a repository runs its suite with, beyond what mocha reads by itself: the options
 * on the test script's mocha command line (`mocha --ui tdd -r ./test/setup.js --recursive`), and, for
 * mocha 8 and later (which no longer read it), a `test/mocha.opts` the repository still keeps when it
 * has no other mocha config (mde/ejs: `--ui tdd` there, and again in the jakefile that runs mocha).
 * Split with mocha's own table of options that take a value, so `-r test/support/env` is a module to
 * require, not a spec file. Options that would change what swe-flow reads or runs (reporter, watch,
 * parallel, grep, bail) are left out: swe-flow sets its own.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { RepoFacts } from '../adapter.js';
import { findInstalledRunner } from './runner-bin.js';
import { hasFile, matchGlobs } from './runner-kit.js';

/** mocha 5-11 options that take a value (long and short spellings). */
const TAKES_VALUE = new Set([
  '--reporter', '-R', '--reporter-option', '--reporter-options', '-O', '--ui', '-u', '--require', '-r', '--timeout', '-t', '--timeouts',
  '--slow', '-s', '--grep', '-g', '--fgrep', '-f', '--file', '--config', '--opts', '--package', '--extension', '--spec',
  '--ignore', '--exclude', '--jobs', '-j', '--retries', '--watch-files', '--watch-ignore', '--node-option', '-n', '--compilers',
  '--globals', '--global', '--loader', '--import', '--delay-ms',
]);

/** Options swe-flow decides itself in every run; the script's are dropped (with their value). */
const DROPPED = new Set([
  '--reporter', '-R', '--reporter-option', '--reporter-options', '-O', '--watch', '-w', '--watch-files', '--watch-ignore',
  '--parallel', '-p', '--jobs', '-j', '--grep', '-g', '--fgrep', '-f', '--invert', '-i', '--bail', '-b', '--dry-run',
  '--forbid-only', '--list-interfaces', '--list-reporters', '--help', '-h', '--version', '-V', '--growl', '-G', '--inspect', '--inspect-brk',
]);

export interface MochaCommandLine {
  /** Spec files, folders or globs (positional, and `--spec` values). */
  files: string[];
  /** Options to pass on to every mocha run, in order, each with its value. */
  options: string[];
}

/** Splits the words after `mocha` on a command line into spec files and options to keep. */
export function splitMochaArgs(words: readonly string[]): MochaCommandLine {
  const files: string[] = [];
  const options: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (!word.startsWith('-') || word === '-') {
      files.push(word);
      continue;
    }
    const eq = word.indexOf('=');
    const written = eq > 0 ? word.slice(0, eq) : word;
    // yargs reads `--u tdd` (ejs's jakefile) as `-u tdd`.
    const name = /^--[A-Za-z]$/.test(written) ? written.slice(1) : written;
    const inline = eq > 0;
    const value = !inline && TAKES_VALUE.has(name) ? words[++i] : undefined;
    if (name === '--spec') {
      const spec = inline ? word.slice(eq + 1) : value;
      if (spec !== undefined) files.push(spec);
      continue;
    }
    if (DROPPED.has(name)) continue;
    options.push(word);
    if (value !== undefined) options.push(value);
  }
  return { files, options };
}

/** Words of a `mocha.opts` file (one or more options per line; `#` comment lines skipped). */
export function readMochaOptsWords(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .flatMap((l) => l.split(/\s+/));
}

/** Whether the repository has a mocha config of the kind mocha 6+ reads: a `.mocharc.*` file or a package.json `mocha` key. */
export function hasMochaConfig(facts: RepoFacts): boolean {
  return hasFile(facts, /^\.mocharc\.(js|cjs|mjs|json|jsonc|yaml|yml)$/) || 'mocha' in facts.packageJson;
}

/**
 * Whether `test/mocha.opts` says how the repository runs mocha although the installed mocha ignores it:
 * mocha 8+, and no `.mocharc.*` or package.json `mocha` key that would say it instead.
 */
function ignoredMochaOpts(facts: RepoFacts): string | undefined {
  if (!facts.files.includes('test/mocha.opts')) return undefined;
  if (hasMochaConfig(facts)) return undefined;
  const mocha = findInstalledRunner(facts.root, 'mocha');
  if (!mocha || mocha.major < 8) return undefined;
  try {
    return readFileSync(path.join(facts.root, 'test', 'mocha.opts'), 'utf8');
  } catch {
    return undefined;
  }
}

/** Where test files conventionally live, for repositories that start mocha from a script of their own. */
const CONVENTIONAL_SPECS = ['**/*.{test,spec}.{js,cjs,mjs}'];

/**
 * Spec globs for a repository that names no spec anywhere mocha reads (no files on the script's mocha
 * command line, no mocha config, nothing in mocha's default `./test`): it starts mocha from a script
 * of its own (node-fs-extra's `test.js` adds its `__tests__` files through the API). The
 * conventional test-file names, per top-level folder that holds any (never node_modules).
 */
function conventionalSpecs(facts: RepoFacts): string[] {
  if (hasMochaConfig(facts)) return [];
  if (facts.files.some((f) => /^test\/[^/]+\.(js|cjs|mjs)$/.test(f))) return [];
  const found = matchGlobs(facts.files, CONVENTIONAL_SPECS);
  const tops = [...new Set(found.map((f) => (f.includes('/') ? f.split('/')[0]! : '')))].sort();
  return tops.map((top) => (top ? `${top}/**/*.{test,spec}.{js,cjs,mjs}` : '*.{test,spec}.{js,cjs,mjs}'));
}

/**
 * The spec files and options every mocha run of this repository gets: the test script's, and those of
 * a `test/mocha.opts` the installed mocha ignores (script options after them, so the script wins);
 * with no spec named anywhere, the conventional test files.
 */
export function mochaRunArgs(facts: RepoFacts, scriptArgs: readonly string[]): MochaCommandLine {
  const script = splitMochaArgs(scriptArgs);
  const opts = ignoredMochaOpts(facts);
  const legacy = opts === undefined ? { files: [], options: [] } : splitMochaArgs(readMochaOptsWords(opts));
  const files = script.files.length > 0 ? script.files : legacy.files.length > 0 ? legacy.files : conventionalSpecs(facts);
  return { files, options: [...legacy.options, ...script.options] };
}
