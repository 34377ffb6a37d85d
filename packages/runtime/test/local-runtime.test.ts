import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readlink, rm, writeFile, cp, lstat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalRuntime } from '../src/index.js';
import { commitAll, FIXTURES, makeTinyRepo, sh, type TinyRepo } from './helpers.js';

/** Running (a killed process whose parent died may linger as a zombie until init reaps it: dead). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

describe('local runtime', () => {
  let repo: TinyRepo;
  let deps: string;
  const tmpDir = path.join(os.tmpdir(), 'swe-flow-local-test');

  beforeAll(async () => {
    repo = await makeTinyRepo();
    // Real dependencies: npm ci of the fixture's lockfile from the registry.
    deps = await mkdtemp(path.join(os.tmpdir(), 'swe-flow-deps-'));
    await cp(path.join(FIXTURES, 'tiny-npm'), deps, { recursive: true });
    await sh('npm', ['ci', '--no-audit', '--no-fund', '--silent'], deps);
  }, 300_000);

  afterAll(async () => {
    await rm(deps, { recursive: true, force: true });
  });

  it('checks out a commit of a bare task repo into a temp dir, and dispose removes it (twice is safe)', async () => {
    const runtime = createLocalRuntime({ tmpDir });
    const a = await runtime.open({ taskRepo: repo.taskRepo, commit: repo.first, label: 'first' });
    const b = await runtime.open({ taskRepo: repo.taskRepo, commit: repo.second });
    try {
      expect(a.root).not.toBe(b.root);
      expect(a.root.startsWith(tmpDir)).toBe(true);
      expect(await a.readFile('second.txt')).toBeUndefined();
      expect(await b.readFile('second.txt')).toBe('from the second commit\n');
      const head = await a.exec({ command: 'git', args: ['rev-parse', 'HEAD'] }, { timeoutMs: 10_000 });
      expect(head.stdout.trim()).toBe(repo.first);
      // edits stay in the workspace
      await a.writeFile('duration.js', 'module.exports = 1;\n');
      expect(await b.readFile('duration.js')).toContain("require('ms')");
      await expect(a.writeFile('../escape.txt', 'x')).rejects.toMatchObject({ code: 'SWEFLOW_INPUT_INVALID' });
    } finally {
      await a.dispose();
      await b.dispose();
      await a.dispose();
    }
    expect(existsSync(a.root)).toBe(false);
    expect(existsSync(b.root)).toBe(false);
    await expect(runtime.open({ taskRepo: repo.taskRepo, commit: 'no-such-ref' })).rejects.toMatchObject({ code: 'SWEFLOW_GIT_FAILED' });
    await expect(runtime.open({ taskRepo: '/nonexistent/repo.git', commit: 'x' })).rejects.toMatchObject({ code: 'SWEFLOW_PATH_MISSING' });
  });

  it('links node_modules from the dependencies dir, keeping tool caches private', async () => {
    await mkdir(path.join(deps, 'node_modules', '.vite'), { recursive: true });
    const ws = await createLocalRuntime({ tmpDir }).open({ taskRepo: repo.taskRepo, commit: repo.first, dependenciesDir: deps });
    try {
      const r = await ws.exec({ command: 'node', args: ['-e', "console.log(require('./duration').toMillis('1s'))"] }, { timeoutMs: 20_000 });
      expect(r.stdout.trim()).toBe('1000');
      expect((await lstat(path.join(ws.root, 'node_modules'))).isDirectory()).toBe(true);
      expect(await readlink(path.join(ws.root, 'node_modules', 'ms'))).toBe(path.join(deps, 'node_modules', 'ms'));
      expect(existsSync(path.join(ws.root, 'node_modules', '.vite'))).toBe(false);
    } finally {
      await ws.dispose();
    }
    // disposing must not follow the links into the shared dependencies
    expect(existsSync(path.join(deps, 'node_modules', 'ms', 'package.json'))).toBe(true);
  });

  it('re-points workspace package links of a monorepo at the checkout, and links nested node_modules', async () => {
    const src = await mkdtemp(path.join(os.tmpdir(), 'swe-flow-mono-'));
    await writeFile(path.join(src, 'package.json'), JSON.stringify({ name: 'mono', private: true, workspaces: ['packages/*'] }));
    for (const [name, body] of [['a', "module.exports = () => 'a-original';"], ['b', "module.exports = () => require('a')();"]] as const) {
      await mkdir(path.join(src, 'packages', name), { recursive: true });
      await writeFile(path.join(src, 'packages', name, 'package.json'), JSON.stringify({ name, version: '1.0.0', main: 'index.js', dependencies: name === 'b' ? { a: '1.0.0' } : {} }));
      await writeFile(path.join(src, 'packages', name, 'index.js'), `${body}\n`);
    }
    await writeFile(path.join(src, '.gitignore'), 'node_modules\n');
    await sh('git', ['init', '--quiet'], src);
    await commitAll(src, 'mono');
    await sh('npm', ['install', '--no-audit', '--no-fund', '--silent', '--offline'], src);
    // a nested node_modules, as hoisting conflicts leave them
    await mkdir(path.join(src, 'packages', 'b', 'node_modules', 'nested-dep'), { recursive: true });
    await writeFile(path.join(src, 'packages', 'b', 'node_modules', 'nested-dep', 'index.js'), "module.exports = 'nested';\n");
    // the task repo's version of a differs from the installed source tree
    await writeFile(path.join(src, 'packages', 'a', 'index.js'), "module.exports = () => 'a-stubbed';\n");
    const stubbed = await commitAll(src, 'stub a');
    await writeFile(path.join(src, 'packages', 'a', 'index.js'), "module.exports = () => 'a-original';\n");

    const ws = await createLocalRuntime({ tmpDir }).open({ taskRepo: src, commit: stubbed, dependenciesDir: src });
    try {
      const r = await ws.exec(
        { command: 'node', args: ['-e', "console.log(require('b')(), require.resolve('a'), require('./packages/b/node_modules/nested-dep'))"] },
        { timeoutMs: 20_000 },
      );
      expect(r.stderr).toBe('');
      const [value, resolved, nested] = r.stdout.trim().split(' ');
      expect(value).toBe('a-stubbed');
      expect(resolved!.startsWith(realpathSync(ws.root))).toBe(true);
      expect(nested).toBe('nested');
    } finally {
      await ws.dispose();
      await rm(src, { recursive: true, force: true });
    }
  });

  it('kills the whole process tree when a command runs out of time', async () => {
    const ws = await createLocalRuntime({ tmpDir }).open({ taskRepo: repo.taskRepo, commit: repo.first });
    try {
      const r = await ws.exec(
        { command: 'sh', args: ['-c', 'sleep 300 & echo $! > child.pid; echo waiting; wait'] },
        { timeoutMs: 1000 },
      );
      expect(r.timedOut).toBe(true);
      expect(r.exitCode).toBeNull();
      expect(r.stdout).toBe('waiting\n');
      expect(r.durationMs).toBeLessThan(10_000);
      const pid = Number((await readFile(path.join(ws.root, 'child.pid'), 'utf8')).trim());
      expect(pid).toBeGreaterThan(0);
      await new Promise((res) => setTimeout(res, 200));
      expect(alive(pid)).toBe(false);
    } finally {
      await ws.dispose();
    }
  });

  it('captures exit codes, stdout/stderr separately, stdin, cwd and env, with bounded output', async () => {
    const ws = await createLocalRuntime({ tmpDir, maxOutputBytes: 1000 }).open({ taskRepo: repo.taskRepo, commit: repo.second });
    try {
      const r = await ws.exec({ command: 'sh', args: ['-c', 'echo out; echo err >&2; exit 4'] }, { timeoutMs: 10_000 });
      expect(r).toMatchObject({ exitCode: 4, stdout: 'out\n', stderr: 'err\n', timedOut: false });
      const input = await ws.exec({ command: 'cat', args: [] }, { timeoutMs: 10_000, input: 'from stdin' });
      expect(input.stdout).toBe('from stdin');
      await mkdir(path.join(ws.root, 'sub'));
      const env = await ws.exec({ command: 'sh', args: ['-c', 'echo "$PWD $SWE_X"'], cwd: 'sub', env: { SWE_X: 'y' } }, { timeoutMs: 10_000 });
      expect(env.stdout.trim()).toBe(`${path.join(ws.root, 'sub')} y`);
      // we run under vitest: its worker markers must not leak into a task's own test runner
      expect(process.env['VITEST']).toBeDefined();
      const markers = await ws.exec({ command: 'node', args: ['-e', "console.log(Object.keys(process.env).filter((k) => /^VITEST|^NODE_TEST_CONTEXT$/.test(k)).length, process.env.PATH === undefined)"] }, { timeoutMs: 10_000 });
      expect(markers.stdout.trim()).toBe('0 false');
      const big = await ws.exec({ command: 'node', args: ['-e', "process.stdout.write('z'.repeat(1e6))"] }, { timeoutMs: 10_000 });
      expect(big.exitCode).toBe(0);
      expect(big.stdout.startsWith('z'.repeat(1000) + '\n[swe-flow: output truncated, 999000 more bytes dropped]')).toBe(true);
      const missing = await ws.exec({ command: 'swe-flow-no-such-command', args: [] }, { timeoutMs: 10_000 });
      expect(missing.exitCode).toBeNull();
      expect(missing.stderr).toMatch(/ENOENT/);
    } finally {
      await ws.dispose();
    }
  });

  it('spawn keeps a process alive for line requests; kill and dispose end it and its children', async () => {
    const ws = await createLocalRuntime({ tmpDir }).open({ taskRepo: repo.taskRepo, commit: repo.first, label: 'spawn' });
    try {
      let out = '';
      const echo = "process.stdin.setEncoding('utf8'); process.stdin.on('data', (d) => process.stdout.write(d.toUpperCase() + process.cwd() + '\\n'));";
      const p = await ws.spawn!({ command: 'node', args: ['-e', echo] }, { onStdout: (c) => { out += c; } });
      p.write('one\n');
      for (let i = 0; i < 100 && !out.includes('\n'); i++) await new Promise((r) => setTimeout(r, 50));
      p.write('two\n');
      for (let i = 0; i < 100 && out.split('\n').length < 4; i++) await new Promise((r) => setTimeout(r, 50));
      // One process served both requests, in the workspace root.
      expect(out).toContain(`ONE\n${ws.root}`);
      expect(out).toContain(`TWO\n${ws.root}`);
      await p.kill();
      expect(await p.exited).toBeNull();

      // A spawned process (with a child of its own) dies with the workspace.
      const sleeper = await ws.spawn!({ command: 'sh', args: ['-c', 'sleep 300 & echo $!; wait'] }, { onStdout: (c) => { out += `pid:${c}`; } });
      for (let i = 0; i < 100 && !out.includes('pid:'); i++) await new Promise((r) => setTimeout(r, 50));
      const child = Number(out.split('pid:')[1]!.trim());
      expect(child).toBeGreaterThan(0);
      await ws.dispose();
      await sleeper.exited;
      await new Promise((r) => setTimeout(r, 200));
      // Gone, or a zombie waiting for init to reap it: not running either way.
      const state = existsSync(`/proc/${child}/stat`) ? readFileSync(`/proc/${child}/stat`, 'utf8').split(') ')[1]?.[0] : 'gone';
      expect(['gone', 'Z', 'X']).toContain(state);
    } finally {
      await ws.dispose();
    }
  });
});
