/**
 * Bad inputs about files and interruptions, run through the real CLI: `--out` overlapping the
 * repository, `--force` on a folder swe-flow did not make, two runs on one `--out`, pseudo file
 * systems, a moved dataset, a failed run's leftovers, and SIGINT / SIGTERM / SIGHUP at trace and at
 * verify. Every case checks the code, the exit status, the advice, that no process of the run is
 * alive and no temp folder is left (each run gets a private TMPDIR), and that the user's repository
 * is byte-identical (tracked, untracked and ignored files).
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  fingerprint,
  privateTemp,
  processesOf,
  readRows,
  runCli,
  slowTinyRepo,
  startCli,
  taskFacts,
  tempLeftovers,
  tmp,
  waitForChild,
  waitForOutput,
  waitNoProcesses,
} from './safety-helpers.js';
import { BIN, gitRepo } from './helpers.js';

const FAST = ['--mode', 'isolated', '--skip-image'];

/** The checks every case ends with: nothing of the run left, the repository untouched. */
async function expectNothingLeft(tempDir: string, repo: string, before: string): Promise<void> {
  expect(await waitNoProcesses(tempDir)).toEqual([]);
  expect(await tempLeftovers(tempDir)).toEqual([]);
  expect(await fingerprint(repo)).toBe(before);
}

describe('--out that overlaps the repository, --force, pseudo file systems', () => {
  let repo: string;
  let before: string;

  beforeAll(async () => {
    repo = await slowTinyRepo();
    before = await fingerprint(repo);
  });

  const overlapCases: Array<[string, (r: string) => string, RegExp]> = [
    ['is the repository', (r) => r, /is the source .* itself/],
    ['lies inside the repository', (r) => path.join(r, 'out'), /lies inside the source/],
    ['contains the repository', (r) => path.dirname(r), /contains the source/],
  ];
  for (const [what, outOf, said] of overlapCases) {
    it(`refuses an --out that ${what}, even with --force, and deletes nothing`, async () => {
      const t = await privateTemp();
      const sibling = path.join(path.dirname(repo), 'beside.txt');
      await writeFile(sibling, 'next to the repository\n');
      const r = await runCli(['synth', repo, '--out', outOf(repo), '--force'], t);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('SWEFLOW_OUT_OVERLAPS_SOURCE');
      expect(r.stderr).toMatch(said);
      expect(r.stderr).toContain('choose an --out that neither lies inside');
      expect(await readFile(sibling, 'utf8')).toBe('next to the repository\n');
      await expectNothingLeft(t, repo, before);
    });
  }

  it('refuses an --out reached through a symlink to the repository', async () => {
    const t = await privateTemp();
    const link = path.join(await tmp('link'), 'to-repo');
    await execa('ln', ['-s', repo, link]);
    const r = await runCli(['trace', repo, '--out', link, '--force'], t);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('SWEFLOW_OUT_OVERLAPS_SOURCE');
    await expectNothingLeft(t, repo, before);
  });

  it('--force refuses a non-empty folder without swe-flow\'s marker and leaves it as it was', async () => {
    const t = await privateTemp();
    const out = await tmp('foreign');
    await writeFile(path.join(out, 'thesis.tex'), 'years of work\n');
    const r = await runCli(['synth', repo, '--out', out, '--force'], t);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('SWEFLOW_OUT_DIR_FOREIGN');
    expect(r.stderr).toContain('delete it yourself if it is disposable, or choose another --out');
    expect(await readdir(out)).toEqual(['thesis.tex']);
    await expectNothingLeft(t, repo, before);
  });

  it('refuses an --out under /proc at once instead of spinning', async () => {
    const t = await privateTemp();
    const started = Date.now();
    const r = await runCli(['synth', repo, '--out', '/proc/swe-flow-test/out'], t);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('SWEFLOW_OUT_DIR_UNWRITABLE');
    expect(r.stderr).toContain('procfs, a kernel pseudo file system; choose another --out');
    await expectNothingLeft(t, repo, before);
  });

  it('refuses a temp folder (TMPDIR) under /proc with advice to set TMPDIR', async () => {
    const t = await privateTemp();
    const out = path.join(await tmp('out'), 'o');
    const r = await execa('node', [BIN, 'synth', repo, '--out', out], {
      reject: false, env: { CI: 'true', TMPDIR: '/proc/swe-flow-test' },
    });
    expect(r.exitCode).toBe(2);
    // The temp folder is probed before anything else runs (SWEFLOW_TEMP_UNWRITABLE).
    expect(r.stderr).toMatch(/SWEFLOW_(TEMP|OUT_DIR)_UNWRITABLE/);
    expect(r.stderr).toContain('set TMPDIR to a writable folder');
    expect(existsSync(out)).toBe(false);
    await expectNothingLeft(t, repo, before);
  });
});

describe('a failed run\'s leftovers', () => {
  it('do not block the corrected rerun in the same --out', async () => {
    const repo = await gitRepo({ 'package.json': '{ "name": "broken", ', 'src/a.js': 'export const a = 1;\n' });
    const before = await fingerprint(repo);
    const out = path.join(await tmp('failed'), 'out');
    const t = await privateTemp();
    const first = await runCli(['synth', repo, '--out', out, ...FAST], t);
    expect(first.code).toBe(2);
    expect(first.stderr).toContain('SWEFLOW_INPUT_INVALID');
    // The message names the user's file, not swe-flow's copy of it.
    expect(first.stderr).toContain(`${path.join(repo, 'package.json')} is not valid JSON`);
    expect(first.stderr).not.toContain('.work');
    await expectNothingLeft(t, repo, before);
    expect(existsSync(path.join(out, '.swe-flow.lock'))).toBe(false);
    // The rerun is not refused for the folder: it fails (or not) for the repository alone.
    const second = await runCli(['synth', repo, '--out', out, ...FAST], t);
    expect(second.stderr).not.toContain('SWEFLOW_OUT_DIR_NOT_EMPTY');
    expect(second.stderr).toContain(first.stderr.match(/SWEFLOW_[A-Z_]+/)![0]);
    await expectNothingLeft(t, repo, before);
  });
});

describe('interruption, the --out lock, and a moved dataset, on a small node:test repository', () => {
  let repo: string;
  let before: string;
  let baselineOut: string;
  let baseline: unknown[];

  beforeAll(async () => {
    repo = await slowTinyRepo();
    before = await fingerprint(repo);
    baselineOut = path.join(await tmp('baseline'), 'out');
    const t = await privateTemp();
    const r = await runCli(['synth', repo, '--out', baselineOut, ...FAST], t);
    expect(r.stderr).not.toContain('internal error');
    expect(r.code).toBe(0);
    baseline = (await readRows(baselineOut)).map(taskFacts);
    expect(baseline.length).toBeGreaterThan(0);
    await expectNothingLeft(t, repo, before);
  }, 300_000);

  const cases: Array<['SIGINT' | 'SIGTERM' | 'SIGHUP', 'trace' | 'verify', number]> = [
    ['SIGINT', 'trace', 130],
    ['SIGTERM', 'trace', 143],
    ['SIGHUP', 'trace', 129],
    ['SIGINT', 'verify', 130],
    ['SIGTERM', 'verify', 143],
    ['SIGHUP', 'verify', 129],
  ];
  for (const [signal, stage, status] of cases) {
    it(`${signal} at ${stage}: runners killed, temp folders removed, exit ${status}; --resume then yields the same rows`, async () => {
      const t = await privateTemp();
      const out = path.join(await tmp(`sig-${stage}`), 'out');
      const child = startCli(['synth', repo, '--out', out, ...FAST], t);
      await waitForOutput(child, stage === 'trace' ? /running the suite untraced/ : /verify: \d+ candidates/);
      const runners = await waitForChild(t, child.pid!);
      expect(runners.length).toBeGreaterThan(0);
      if (signal === 'SIGINT' && stage === 'trace') {
        // The run holds --out: a second run on it is refused, naming the holder.
        const second = await runCli(['synth', repo, '--out', out, ...FAST], await privateTemp());
        expect(second.code).toBe(2);
        expect(second.stderr).toContain('SWEFLOW_OUT_DIR_LOCKED');
        expect(second.stderr).toContain(`PID ${child.pid}`);
        expect(second.stderr).toContain('wait for it to finish or stop it, or choose another --out');
      }
      child.kill(signal);
      const r = await child;
      expect(r.exitCode).toBe(status);
      const said = String(r.all);
      expect(said).toContain(`interrupted by ${signal}`);
      expect(said).toContain(`to continue, rerun: swe-flow synth ${repo} --out ${out} ${FAST.join(' ')} --resume`);
      expect(said).not.toContain('internal error');
      await expectNothingLeft(t, repo, before);
      expect(existsSync(path.join(out, '.swe-flow.lock'))).toBe(false);

      const resumed = await runCli(['synth', repo, '--out', out, '--resume', ...FAST], t);
      expect(resumed.stderr).not.toContain('internal error');
      expect(resumed.code).toBe(0);
      expect((await readRows(out)).map(taskFacts)).toEqual(baseline);
      await expectNothingLeft(t, repo, before);
    }, 300_000);
  }

  it('a local eval stopped by SIGINT, SIGTERM or SIGHUP mid-run leaves no process and no temp folder', async () => {
    for (const [signal, status] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
      const t = await privateTemp();
      const reports = path.join(await tmp('eval-sig'), 'reports');
      const child = startCli(['eval', '--dataset', baselineOut, '--predictions', 'gold', '--runtime', 'local', '--out', reports], t);
      // Mid-run: a runner is alive and the eval's private result folder (`mktemp -d`, beside the
      // workspace `swe-flow-eval-<instance>-*`) exists in the temp folder.
      const end = Date.now() + 120_000;
      while (!(await readdir(t)).some((e) => /^swe-flow-eval-[A-Za-z0-9]{12}$/.test(e)) || (await processesOf(t)).length < 2) {
        if (Date.now() > end || child.exitCode !== null) throw new Error(`${signal}: the eval never reached a test run:\n${String((await child).all)}`);
        await new Promise((r) => setTimeout(r, 25));
      }
      child.kill(signal);
      const r = await child;
      expect(r.exitCode, signal).toBe(status);
      expect(String(r.all)).toContain(`interrupted by ${signal}`);
      expect(String(r.all)).not.toContain('internal error');
      await expectNothingLeft(t, repo, before);
    }
  }, 300_000);

  it('a stale lock of a dead process is taken over', async () => {
    const t = await privateTemp();
    const dead = await execa('node', ['-e', 'process.stdout.write(String(process.pid))']);
    await writeFile(path.join(baselineOut, '.swe-flow.lock'), JSON.stringify({ pid: Number(dead.stdout), host: (await import('node:os')).hostname(), startedAt: 'earlier', command: 'swe-flow synth' }));
    const r = await runCli(['synth', repo, '--out', baselineOut, '--resume', ...FAST], t);
    expect(r.code).toBe(0);
    expect(existsSync(path.join(baselineOut, '.swe-flow.lock'))).toBe(false);
    await expectNothingLeft(t, repo, before);
  }, 300_000);

  it('eval refuses an --out under /proc and one that contains the dataset', async () => {
    const t = await privateTemp();
    const proc = await runCli(['eval', '--dataset', baselineOut, '--predictions', 'gold', '--out', '/proc/swe-flow-test/eval'], t);
    expect(proc.code).toBe(2);
    expect(proc.stderr).toContain('SWEFLOW_OUT_DIR_UNWRITABLE');
    const around = await runCli(['eval', '--dataset', baselineOut, '--predictions', 'gold', '--out', path.dirname(baselineOut)], t);
    expect(around.code).toBe(2);
    expect(around.stderr).toContain('SWEFLOW_OUT_OVERLAPS_SOURCE');
    await expectNothingLeft(t, repo, before);
  });

  it('a moved dataset is evaluated from its new folder (paths in repo.json are relative)', async () => {
    const repoJson = JSON.parse(await readFile(path.join(baselineOut, 'repo.json'), 'utf8')) as { workDir: string };
    expect(repoJson.workDir).toBe(path.join('.work', 'repo'));
    const moved = path.join(await tmp('moved'), 'dataset');
    await mkdir(path.dirname(moved), { recursive: true });
    await rename(baselineOut, moved);
    const t = await privateTemp();
    const r = await runCli(['eval', '--dataset', moved, '--predictions', 'gold', '--runtime', 'local'], t);
    expect(r.stderr).not.toContain('internal error');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`resolved ${baseline.length}/${baseline.length}`);
    expect(existsSync(baselineOut)).toBe(false);
    expect(await processesOf(t)).toEqual([]);
    expect(await fingerprint(repo)).toBe(before);
  }, 300_000);
});
