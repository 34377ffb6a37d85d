import { createHash } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliRecordSchema } from '@swe-flow/core';
import { BIN, gitRepo, REPO_ROOT, tmp } from './helpers.js';

/**
 * Bad input, part B (issue 22): usage mistakes, configs, `--ref`/`--name`, the temp folder, eval's
 * predictions and trust model, lost tests, the `--json` records. Every case asserts the code, the exit
 * status and the advice; that the user's repository is byte-identical afterwards (a hash of every file
 * under it, .git included); and that nothing is left in the run's own temp folder.
 */

/** sha256 over every path, mode, link target and content under `dir` (the .git folder included). */
async function treeHash(dir: string): Promise<string> {
  const hash = createHash('sha256');
  const walk = async (rel: string): Promise<void> => {
    for (const name of (await readdir(path.join(dir, rel))).sort()) {
      const file = path.join(rel, name);
      const st = await lstat(path.join(dir, file));
      hash.update(`${file}\0${st.mode}\0`);
      if (st.isSymbolicLink()) hash.update(await readlink(path.join(dir, file)));
      else if (st.isDirectory()) await walk(file);
      else hash.update(await readFile(path.join(dir, file)));
    }
  };
  await walk('.');
  return hash.digest('hex');
}

/** Every folder this file makes, removed when it ends. */
const made: string[] = [];
async function tmpd(prefix: string): Promise<string> {
  const dir = await tmp(prefix);
  made.push(dir);
  return dir;
}
async function repoOf(files: Record<string, string>): Promise<string> {
  const dir = await gitRepo(files);
  made.push(dir);
  return dir;
}

interface Run { code: number | undefined; stdout: string; stderr: string; tmpLeft: string[] }

/** The real CLI with a temp folder of its own, which must be empty when the command ends. */
async function swf(args: string[], options: { env?: Record<string, string>; cwd?: string } = {}): Promise<Run> {
  const tmpdir = await tmp('t'); // removed below, after it was checked
  const r = await execa('node', [BIN, ...args], {
    cwd: options.cwd ?? REPO_ROOT, reject: false, timeout: 300_000,
    env: { CI: 'true', FORCE_COLOR: '0', TMPDIR: tmpdir, ...options.env },
  });
  const tmpLeft = await readdir(tmpdir).catch(() => []);
  await rm(tmpdir, { recursive: true, force: true });
  return { code: r.exitCode, stdout: r.stdout, stderr: r.stderr, tmpLeft };
}

const math = [
  'export function clamp(value, low, high) {',
  '  if (value < low) return low;',
  '  if (value > high) return high;',
  '  return value;',
  '}',
  'export function mean(values) {',
  '  let total = 0;',
  '  for (const v of values) total += v;',
  '  return values.length === 0 ? 0 : total / values.length;',
  '}',
  '',
].join('\n');
const head = "import test from 'node:test';\nimport assert from 'node:assert/strict';\nimport { clamp, mean } from '../src/math.js';\n";

/** A node:test repository: two good test files, one that fails to load, one that exits, one shared name. */
function userRepo(): Promise<string> {
  return repoOf({
    'package.json': JSON.stringify({ name: 'stats', version: '1.0.0', type: 'module', scripts: { test: 'node --test test/' } }),
    'package-lock.json': JSON.stringify({ name: 'stats', version: '1.0.0', lockfileVersion: 3, requires: true, packages: { '': { name: 'stats', version: '1.0.0' } } }),
    'src/math.js': math,
    'test/clamp.test.js': `${head}test('clamps below', () => { assert.equal(clamp(-5, 0, 10), 0); });\ntest('clamps above', () => { assert.equal(clamp(50, 0, 10), 10); });\n`,
    'test/mean.test.js': `${head}test('means', () => { assert.equal(mean([1, 2, 3]), 2); });\ntest('same', () => { assert.equal(mean([]), 0); });\ntest('same', () => { assert.equal(mean([4]), 4); });\n`,
    'test/broken.test.js': `${head}throw new Error('this file does not load');\n`,
    'test/exit.test.js': `${head}test('exits', () => { assert.equal(mean([2]), 2); process.exit(0); });\n`,
  });
}

describe('bad inputs (usage, configs, eval, lost tests)', () => {
  let repo: string;
  let before: string;
  let dataset: string;
  let synthStdout: string;
  let rows: { instance_id: string; patch: string }[];
  const unchanged = async () => expect(await treeHash(repo)).toBe(before);

  beforeAll(async () => {
    repo = await userRepo();
    // A dirty work tree: swe-flow must copy it and not touch the index either.
    await writeFile(path.join(repo, 'NOTES.md'), 'untracked\n');
    before = await treeHash(repo);
    dataset = path.join(await tmpd('ds'), 'out');
    const r = await swf(['synth', repo, '--out', dataset, '--skip-image', '--json']);
    expect(r.code, r.stderr).toBe(0);
    synthStdout = r.stdout;
    rows = (await readFile(path.join(dataset, 'dataset.jsonl'), 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as { instance_id: string; patch: string });
    expect(rows.length).toBeGreaterThan(0);
  }, 300_000);

  afterAll(async () => {
    await unchanged();
    for (const dir of made) await rm(dir, { recursive: true, force: true });
  });

  /** A usage error: exit 2, the code, the advice; nothing written, the repository untouched. */
  async function refused(args: string[], code: string, advice: RegExp, options: { env?: Record<string, string>; cwd?: string } = {}): Promise<Run> {
    const out = path.join(await tmpd('o'), 'out');
    const r = await swf(args.map((a) => (a === 'OUT' ? out : a === 'REPO' ? repo : a)), options);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(code);
    expect(r.stderr).toMatch(advice);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(r.tmpLeft).toEqual([]);
    expect(await stat(out).catch(() => null)).toBeNull();
    await unchanged();
    return r;
  }

  describe('command line', () => {
    it('an unknown option', () => refused(['synth', 'REPO', '--out', 'OUT', '--bogus'], 'SWEFLOW_USAGE', /unknown option --bogus; run `swe-flow synth --help`/));
    it('a mistyped option gets a did-you-mean', () => refused(['synth', 'REPO', '--ouy', 'OUT'], 'SWEFLOW_USAGE', /did you mean --out\?/));
    it('the repository argument missing', () => refused(['synth', '--out', 'OUT'], 'SWEFLOW_USAGE', /needs <repo> \(a local path or a git URL\)/));
    it('an option value missing', () => refused(['synth', 'REPO', '--out'], 'SWEFLOW_USAGE', /option --out needs a value: --out <dir>/));
    it('a negative number given as a separate argument', () => refused(['synth', 'REPO', '--out', 'OUT', '--workers', '-3'], 'SWEFLOW_USAGE', /write --workers=-3/));
    it('an extra positional argument', () => refused(['synth', 'REPO', 'extra', '--out', 'OUT'], 'SWEFLOW_USAGE', /unexpected argument "extra": `swe-flow synth <repo>` takes <repo>/));
    it('a positional argument to a command that takes none', () => refused(['doctor', 'now'], 'SWEFLOW_USAGE', /takes no positional argument/));
    it('schedule: an --order it does not know', () => refused(['schedule', '--trace', 'REPO', '--out', 'OUT', '--order', 'random'], 'SWEFLOW_USAGE', /--order "random" is not known; use dependency or paper/));
    it('schedule: a --max-functions-per-step that is not a whole number', () => refused(['schedule', '--trace', 'REPO', '--out', 'OUT', '--max-functions-per-step', 'ten'], 'SWEFLOW_USAGE', /must be a whole number above 0/));
    it('an unknown command', async () => {
      const r = await swf(['frobnicate']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/unknown command "frobnicate". Run `swe-flow --help`/);
    });
    it('a usage error with --json is one error record of the documented schema', async () => {
      const r = await swf(['synth', repo, '--bogus', '--json']);
      expect(r.code).toBe(2);
      const records = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as unknown);
      expect(records).toHaveLength(1);
      expect(CliRecordSchema.parse(records[0])).toMatchObject({ type: 'error', code: 'SWEFLOW_USAGE' });
    });
  });

  describe('--ref and --name', () => {
    it('a ref that starts with - is refused before git sees it', () => refused(['synth', 'REPO', '--out', 'OUT', '--ref=--upload-pack=touch /tmp/x'], 'SWEFLOW_CONFIG_INVALID', /ref: a branch, tag or commit \(it must not start with '-'/));
    it('a ref the local repository lacks names the refs it has', async () => {
      const out = path.join(await tmpd('o'), 'out');
      const r = await swf(['synth', repo, '--out', out, '--ref', 'no-such-branch']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/SWEFLOW_REF_NOT_FOUND: .* has no branch, tag or commit named "no-such-branch" \(it has [^)]*master|main/);
      expect(r.stderr).toContain('check --ref');
      expect(r.tmpLeft).toEqual([]);
      await unchanged();
    });
    it('a ref on a sub-folder of a repository', async () => {
      const mono = await repoOf({ 'app/package.json': JSON.stringify({ name: 'app', scripts: { test: 'node --test' } }) });
      const hash = await treeHash(mono);
      const r = await swf(['synth', path.join(mono, 'app'), '--out', path.join(await tmpd('o'), 'out'), '--ref', 'HEAD']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/SWEFLOW_USAGE: --ref needs the repository root \(.*\), not a sub-folder/);
      expect(await treeHash(mono)).toBe(hash);
    });
    it('a name with .. segments', () => refused(['synth', 'REPO', '--out', 'OUT', '--name', '../..'], 'SWEFLOW_CONFIG_INVALID', /name: owner\/repo/));
    it('a name with more than one slash', () => refused(['synth', 'REPO', '--out', 'OUT', '--name', 'a/b/c'], 'SWEFLOW_CONFIG_INVALID', /name: owner\/repo/));
  });

  describe('options and config files', () => {
    it('a value out of range', () => refused(['synth', 'REPO', '--out', 'OUT', '--workers', '0'], 'SWEFLOW_CONFIG_INVALID', /workers:/));
    it('an unknown mode', () => refused(['synth', 'REPO', '--out', 'OUT', '--mode', 'sideways'], 'SWEFLOW_CONFIG_INVALID', /modes\.0:/));
    it('an --exclude-test /regex/ that does not compile, before anything runs', () => refused(['synth', 'REPO', '--out', 'OUT', '--exclude-test', '/(/'], 'SWEFLOW_CONFIG_INVALID', /excludeTests\.0: not a valid \/regular expression\/: escape it or give a plain substring/));
    it('a --config file that does not exist', () => refused(['synth', 'REPO', '--out', 'OUT', '--config', '/nonexistent/swe-flow.config.json'], 'SWEFLOW_CONFIG_INVALID', /does not exist/));

    const withConfig = async (name: string, text: string, code: string, advice: RegExp) => {
      const dir = await tmpd('cfg');
      await writeFile(path.join(dir, name), text);
      const r = await refused(['synth', 'REPO', '--out', 'OUT'], code, advice, { cwd: dir });
      expect(r.stderr).toContain(path.join(dir, name));
    };
    it('a JSON config with a syntax error', () => withConfig('swe-flow.config.json', '{ "workers": 2,, }', 'SWEFLOW_CONFIG_INVALID', /could not load/));
    it('a JSON config with an unknown key', () => withConfig('swe-flow.config.json', '{ "wrokers": 2 }', 'SWEFLOW_CONFIG_INVALID', /has invalid options:\n.*wrokers/));
    it('a .ts config with a syntax error names the line', () => withConfig('swe-flow.config.ts', 'export default {\n  workers: 2,,\n};\n', 'SWEFLOW_CONFIG_INVALID', /swe-flow\.config\.ts:2:\d+ has a syntax error/));
    it('a .ts config without a default export', () => withConfig('swe-flow.config.ts', 'export const config = { workers: 2 };\n', 'SWEFLOW_CONFIG_INVALID', /has no default export: write `export default \{ \.\.\. \}`/));
    it('a .ts config with a bad value is validated like a JSON one', () => withConfig('swe-flow.config.ts', "const c: { runtime: string } = { runtime: 'moon' };\nexport default c;\n", 'SWEFLOW_CONFIG_INVALID', /runtime:/));
  });

  describe('environment', () => {
    it('a temp folder that cannot be written', async () => {
      const out = path.join(await tmpd('o'), 'out');
      const r = await execa('node', [BIN, 'synth', repo, '--out', out], { cwd: REPO_ROOT, reject: false, env: { CI: 'true', TMPDIR: '/proc/swe-flow-no-such-dir' } });
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toMatch(/SWEFLOW_TEMP_UNWRITABLE: the temp folder \/proc\/swe-flow-no-such-dir cannot be written \(\w+\); set TMPDIR/);
      expect(await stat(out).catch(() => null)).toBeNull();
      await unchanged();
    });
  });

  describe('eval', () => {
    const predictions = async (records: unknown[]) => {
      const file = path.join(await tmpd('p'), 'preds.jsonl');
      await writeFile(file, records.map((r) => JSON.stringify(r)).join('\n'));
      return file;
    };
    const evalArgs = (preds: string, ...extra: string[]) => ['eval', '--dataset', dataset, '--predictions', preds, '--out', 'OUT', ...extra];

    it('no --dataset', () => refused(['eval', '--predictions', 'gold'], 'SWEFLOW_USAGE', /--dataset <dir\|dataset.jsonl> is required/));
    it('predictions that match no instance: an error, not resolved 0/0', async () => {
      const preds = await predictions([{ instance_id: 'other__repo-1', model_name_or_path: 'm', model_patch: '' }]);
      await refused(evalArgs(preds, '--runtime', 'local'), 'SWEFLOW_NO_MATCHING_PREDICTIONS', /none of the 1 predictions names an instance of this dataset \(e\.g\. other__repo-1\); check that the predictions were made for/);
    });
    it('an empty predictions file', async () => {
      await refused(evalArgs(await predictions([]), '--runtime', 'local'), 'SWEFLOW_NO_MATCHING_PREDICTIONS', /hold no record/);
    });
    it('model predictions without a Docker engine: refused, with --runtime local as the way to run them here', async () => {
      const preds = await predictions([{ instance_id: rows[0]!.instance_id, model_name_or_path: 'm', model_patch: rows[0]!.patch }]);
      await refused(evalArgs(preds), 'SWEFLOW_DOCKER_UNAVAILABLE', /untrusted code.*pass --runtime local to run the predictions on this machine/, { env: { DOCKER_HOST: 'tcp://127.0.0.1:9' } });
    });
    it('--runtime local with model predictions warns; unknown instances are counted and named', async () => {
      const row = rows[0]!;
      const preds = await predictions([
        { instance_id: row.instance_id, model_name_or_path: 'm', model_patch: row.patch },
        { instance_id: 'ghost__repo-7', model_name_or_path: 'm', model_patch: '' },
      ]);
      const out = path.join(await tmpd('o'), 'reports');
      const r = await swf(['eval', '--dataset', dataset, '--predictions', preds, '--out', out, '--runtime', 'local', '--run-id', 'r1']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/runtime local: the predictions' patches run as code on this machine/);
      expect(r.stderr).toMatch(/1 of 2 predictions name instances .* does not have \(ghost__repo-7\); they are not graded/);
      expect(r.stdout).toMatch(/^resolved 1\/1/);
      const report = JSON.parse(await readFile(path.join(out, 'r1', 'report.json'), 'utf8')) as { unknown_predictions: string[] };
      expect(report.unknown_predictions).toEqual(['ghost__repo-7']);
      expect(r.tmpLeft).toEqual([]);
    });
    it('gold on the local runtime runs without the untrusted-code warning', async () => {
      const out = path.join(await tmpd('o'), 'reports');
      const r = await swf(['eval', '--dataset', dataset, '--predictions', 'gold', '--out', out, '--instances', rows[0]!.instance_id]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).not.toMatch(/untrusted|run as code on this machine/);
      expect(r.stdout).toMatch(/^resolved 1\/1/);
    });
    it('--out that is a file', async () => {
      const file = path.join(await tmpd('f'), 'a-file');
      await writeFile(file, 'x');
      const r = await swf(['eval', '--dataset', dataset, '--predictions', 'gold', '--out', file]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/SWEFLOW_OUT_DIR_UNWRITABLE: cannot write .*a-file.*(not a directory; choose another --out|give --out a folder you can write)/);
      expect(await readFile(file, 'utf8')).toBe('x');
    });
    it('--out under a pseudo file system', async () => {
      const r = await swf(['eval', '--dataset', dataset, '--predictions', 'gold', '--out', '/proc/swe-flow-reports']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/SWEFLOW_OUT_DIR_UNWRITABLE: .*pseudo file system.*(choose another --out|give --out a folder you can write)/);
    });
    it('the patch guard: traversal, an absolute path and a test edit are patch_failed, and nothing is written outside', async () => {
      const victim = path.join(await tmpd('victim'), 'pwned.txt');
      const create = (from: string, to: string) => [`diff --git a/${from} b/${from}`, 'new file mode 100644', '--- /dev/null', `+++ ${to}`, '@@ -0,0 +1 @@', '+pwned', ''].join('\n');
      const patches = {
        traversal: create('../../pwned.txt', 'b/../../pwned.txt'),
        absolute: create('pwned.txt', victim),
        'test edit': ['diff --git a/test/clamp.test.js b/test/clamp.test.js', '--- a/test/clamp.test.js', '+++ b/test/clamp.test.js', '@@ -1 +1 @@', "-import test from 'node:test';", "+import test from 'node:test'; // always green", ''].join('\n'),
      };
      const out = path.join(await tmpd('o'), 'reports');
      for (const [name, patch] of Object.entries(patches)) {
        const preds = await predictions([{ instance_id: rows[0]!.instance_id, model_name_or_path: 'm', model_patch: patch }]);
        const r = await swf(['eval', '--dataset', dataset, '--predictions', preds, '--out', out, '--runtime', 'local', '--run-id', name.replace(' ', '-')]);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout, name).toMatch(/^resolved 0\/1 .*patch_failed 1/);
        expect(await stat(victim).catch(() => null)).toBeNull();
      }
      await unchanged();
    });
  });

  describe('what a run reports', () => {
    it('every --json line of a real synth is a record of the documented schema, ending in one result', () => {
      const records = synthStdout.split('\n').filter(Boolean).map((l) => CliRecordSchema.parse(JSON.parse(l)));
      expect(new Set(records.map((r) => r.type))).toEqual(new Set(['log', 'progress', 'result']));
      expect(records.at(-1)).toMatchObject({ type: 'result', completed: 'all' });
      expect(records.filter((r) => r.type === 'result')).toHaveLength(1);
    });
    it('tests lost silently are counted with their reason in summary.json and summary.md', async () => {
      const summary = JSON.parse(await readFile(path.join(dataset, 'summary.json'), 'utf8')) as { lostTests: { file: string; id?: string; reason: string }[] };
      expect(summary.lostTests.map((l) => [l.id ?? l.file, l.reason])).toEqual([
        ['test/broken.test.js', 'file-reported-no-tests'],
        ['test/exit.test.js', 'calls-process-exit'],
        ['test/mean.test.js > same', 'duplicate-name'],
      ]);
      const md = await readFile(path.join(dataset, 'summary.md'), 'utf8');
      expect(md).toMatch(/## Lost tests\n\n3 lost \(file-reported-no-tests: 1, calls-process-exit: 1, duplicate-name: 1\)/);
      expect(md).toMatch(/\| `test\/exit.test.js` \| calls-process-exit \|.*mock process.exit/);
    });
    it('a test file that hangs is cut by --test-file-timeout and listed as lost, the rest traced; --exclude-test excludes with its reason', async () => {
      const hang = await repoOf({
        'package.json': JSON.stringify({ name: 'h', version: '1.0.0', type: 'module', scripts: { test: 'node --test test/' } }),
        'package-lock.json': JSON.stringify({ name: 'h', version: '1.0.0', lockfileVersion: 3, requires: true, packages: { '': { name: 'h', version: '1.0.0' } } }),
        'src/math.js': math,
        'test/hang.test.js': `${head}test('hangs', async () => { clamp(1, 0, 2); await new Promise(() => setInterval(() => {}, 1000)); });\n`,
        'test/ok.test.js': `${head}test('clamps', () => { assert.equal(clamp(5, 0, 1), 1); });\ntest('means slowly', () => { assert.equal(mean([1]), 1); });\n`,
      });
      const hash = await treeHash(hang);
      const out = path.join(await tmpd('o'), 'out');
      const started = Date.now();
      const r = await swf(['trace', hang, '--out', out, '--test-file-timeout', '3000', '--exclude-test', 'slowly', '--exclude-test', '/^nothing$/']);
      expect(r.code, r.stderr).toBe(0);
      expect(Date.now() - started).toBeLessThan(120_000);
      const trace = JSON.parse(await readFile(path.join(out, 'trace.json'), 'utf8')) as { tests: { id: string }[]; excluded: { id: string; reason: string }[]; lost: { file: string; reason: string }[] };
      expect(trace.tests.map((t) => t.id)).toEqual(['test/ok.test.js > clamps']);
      expect(trace.excluded).toEqual([{ id: 'test/ok.test.js > means slowly', reason: 'excluded-by-option', error: 'matches --exclude-test slowly' }]);
      expect(trace.lost.map((l) => [l.file, l.reason])).toEqual([['test/hang.test.js', 'file-reported-no-tests']]);
      expect(r.stderr).toMatch(/warn lost test\/hang\.test\.js: .*--test-file-timeout/);
      expect(await treeHash(hang)).toBe(hash);
    });
    it('a test that hangs forever, named by --exclude-test, never starts: synth finishes and lists it excluded with its reason', async () => {
      const marker = path.join(await tmpd('marker'), 'started');
      const hang = await repoOf({
        'package.json': JSON.stringify({ name: 'h', version: '1.0.0', type: 'module', scripts: { test: 'node --test test/' } }),
        'package-lock.json': JSON.stringify({ name: 'h', version: '1.0.0', lockfileVersion: 3, requires: true, packages: { '': { name: 'h', version: '1.0.0' } } }),
        'src/math.js': math,
        'test/math.test.js': `${head}import fs from 'node:fs';\ntest('hangs forever', async () => { fs.writeFileSync(process.env.HANG_MARKER, 'started'); clamp(1, 0, 2); await new Promise(() => setInterval(() => {}, 1000)); });\ntest('clamps', () => { assert.equal(clamp(5, 0, 1), 1); });\ntest('means', () => { assert.equal(mean([1, 3]), 2); });\n`,
      });
      const hash = await treeHash(hang);
      const out = path.join(await tmpd('o'), 'out');
      // No --test-file-timeout: only the exclusion keeps the run from waiting on the test (its default is 120 s).
      const r = await swf(['synth', hang, '--out', out, '--mode', 'isolated', '--skip-image', '--exclude-test', 'hangs forever'], { env: { HANG_MARKER: marker } });
      expect(r.code, r.stderr).toBe(0);
      expect(await stat(marker).catch(() => null)).toBeNull();
      const trace = JSON.parse(await readFile(path.join(out, 'trace.json'), 'utf8')) as { tests: { id: string }[]; excluded: { id: string; reason: string; error?: string }[] };
      expect(trace.tests.map((t) => t.id)).toEqual(['test/math.test.js > clamps', 'test/math.test.js > means']);
      expect(trace.excluded).toEqual([{ id: 'test/math.test.js > hangs forever', reason: 'excluded-by-option', error: 'matches --exclude-test hangs forever' }]);
      const rows = (await readFile(path.join(out, 'dataset.jsonl'), 'utf8')).split('\n').filter(Boolean);
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.join('\n')).not.toContain('hangs forever');
      // The instrumentation cache is shared across runs on purpose; nothing else may stay.
      expect(r.tmpLeft.filter((e) => e !== 'sweflow-instrument-cache')).toEqual([]);
      expect(await treeHash(hang)).toBe(hash);
    }, 300_000);
    it('a suite that hangs: the trace-timeout message names options that exist', async () => {
      const hang = await repoOf({
        'package.json': JSON.stringify({ name: 'h', version: '1.0.0', type: 'module', scripts: { test: 'node --test test/' } }),
        'package-lock.json': JSON.stringify({ name: 'h', version: '1.0.0', lockfileVersion: 3, requires: true, packages: { '': { name: 'h', version: '1.0.0' } } }),
        'test/h.test.js': "import test from 'node:test';\ntest('hangs', async () => { await new Promise(() => setInterval(() => {}, 1000)); });\n",
      });
      await mkdir(path.join(hang, 'src'));
      const r = await swf(['synth', hang, '--out', path.join(await tmpd('o'), 'out'), '--trace-timeout', '3000']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/SWEFLOW_TRACE_TIMEOUT: .*raise --trace-timeout \(traceTimeoutMs in swe-flow\.config\.json\)/);
      const { stdout } = await execa('node', [BIN, 'synth', '--help'], { cwd: REPO_ROOT });
      expect(stdout).toContain('--trace-timeout');
    });
  });
});
