#!/usr/bin/env node
/**
 * `npm test`'s runner: every package's own test script (`npm run test` in packages/<name>, vitest),
 * several packages at a time. Most of a package's suite waits on child processes (runners, installs,
 * Docker builds, time limits), so two lanes on a 2-core machine finish well before one; packages start
 * longest first (tools/test-durations.json, seconds from a measured CI run; a package not listed there
 * starts first) so the longest one does not run alone at the end.
 *
 *   node tools/test-lanes.mjs [--lanes N] [package ...]
 *
 * Lanes: --lanes, else SWEFLOW_TEST_LANES, else 2. Each package's output goes live to
 * reports/test-logs/<package>.log and is printed whole when the package ends, so lanes never interleave.
 * Ends with each package's wall time and exits 1 when any package failed.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const logDir = path.join(root, 'reports', 'test-logs');

function parseArgs(argv) {
  const args = { lanes: Number(process.env.SWEFLOW_TEST_LANES ?? 2), only: [] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--lanes') args.lanes = Number(argv[++i]);
    else args.only.push(argv[i]);
  }
  if (!Number.isInteger(args.lanes) || args.lanes < 1) {
    console.error(`test-lanes: --lanes (or SWEFLOW_TEST_LANES) must be a whole number of at least 1, got ${args.lanes}`);
    process.exit(2);
  }
  return args;
}

/** Packages with a test script, longest first by the recorded durations (unknown ones first). */
function packagesToRun(only) {
  const known = JSON.parse(readFileSync(path.join(root, 'tools', 'test-durations.json'), 'utf8')).seconds;
  const all = readdirSync(path.join(root, 'packages')).filter((name) => {
    const pkg = path.join(root, 'packages', name, 'package.json');
    return existsSync(pkg) && typeof JSON.parse(readFileSync(pkg, 'utf8')).scripts?.test === 'string';
  });
  const missing = only.filter((name) => !all.includes(name));
  if (missing.length > 0) {
    console.error(`test-lanes: no package with a test script named ${missing.join(', ')} (packages: ${all.join(', ')})`);
    process.exit(2);
  }
  const chosen = only.length > 0 ? all.filter((name) => only.includes(name)) : all;
  return chosen.sort((a, b) => (known[b] ?? Infinity) - (known[a] ?? Infinity) || a.localeCompare(b));
}

const children = new Set();

/** Runs one package's tests; resolves with its exit code and wall seconds. */
function runPackage(name, lane) {
  const started = Date.now();
  const logFile = path.join(logDir, `${name}.log`);
  const log = createWriteStream(logFile);
  console.log(`> ${name}:test started (lane ${lane}, ${new Date().toISOString().slice(11, 19)} UTC; live log ${path.relative(root, logFile)})`);
  // Its own process group, so a stop reaches the runners and Docker clients the suite started.
  const child = spawn('npm', ['run', 'test'], { cwd: path.join(root, 'packages', name), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      children.delete(child);
      log.end(() => {
        const seconds = Math.round((Date.now() - started) / 1000);
        const exit = code ?? signal;
        console.log(`\n> ${name}:test (lane ${lane}): ${seconds} s, exit ${exit}\n`);
        process.stdout.write(readFileSync(logFile));
        resolve({ name, seconds, ok: code === 0 });
      });
    });
  });
}

async function lane(queue, index, results) {
  for (let name = queue.shift(); name !== undefined; name = queue.shift()) results.push(await runPackage(name, index));
}

function stopChildren(signal) {
  for (const child of children) {
    try {
      process.kill(-child.pid, signal);
    } catch {
      // Already gone.
    }
  }
  process.exit(signal === 'SIGINT' ? 130 : 143);
}

async function main() {
  const { lanes, only } = parseArgs(process.argv.slice(2));
  const queue = packagesToRun(only);
  mkdirSync(logDir, { recursive: true });
  process.on('SIGINT', () => stopChildren('SIGINT'));
  process.on('SIGTERM', () => stopChildren('SIGTERM'));
  console.log(`test-lanes: ${queue.length} packages, ${lanes} at a time: ${queue.join(', ')}`);
  const started = Date.now();
  const results = [];
  await Promise.all(Array.from({ length: Math.min(lanes, queue.length) }, (_, i) => lane(queue, i + 1, results)));
  const seconds = Math.round((Date.now() - started) / 1000);
  writeFileSync(path.join(root, 'reports', 'test-durations.json'), `${JSON.stringify({ lanes, wallSeconds: seconds, seconds: Object.fromEntries(results.map((r) => [r.name, r.seconds])) }, null, 2)}\n`);
  console.log(`\ntest-lanes: ${seconds} s wall, ${lanes} at a time`);
  for (const r of results) console.log(`  ${r.name.padEnd(12)} ${String(r.seconds).padStart(5)} s  ${r.ok ? 'ok' : 'FAILED'}`);
  const failed = results.filter((r) => !r.ok).map((r) => r.name);
  if (failed.length > 0) console.log(`test-lanes: failed: ${failed.join(', ')}`);
  process.exit(failed.length > 0 ? 1 : 0);
}

await main();
