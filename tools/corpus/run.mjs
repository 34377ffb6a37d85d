#!/usr/bin/env node
// Runs `swe-flow synth` over the public corpus (corpus/manifest.json), one repository at a time,
// each under a time limit, and writes a results table. Resumable: a repository with a result in
// the output folder is skipped unless --rerun names it.
//
//   node tools/corpus/run.mjs --out /tmp/corpus-run [--only unjs/ufo,tj/commander.js] [--runner vitest]
//        [--rerun unjs/ufo] [--timeout-min 20] [--mirror-dir /work/.mirror] [--synth-args="--max-steps 10"] [--prune-work]
//        [--manifest corpus/manifest.json]
//   node tools/corpus/run.mjs --out /tmp/corpus-run --table-only      # re-render results.md
//   node tools/corpus/run.mjs --out /tmp/corpus-run --recollect       # re-read each repository's output, then render
//
// Per repository it writes OUT/<owner+name>/ (the synth output), OUT/<owner+name>.result.json, and
// OUT/results.md (the table, in manifest order) plus OUT/results.jsonl. The baseline of "synth ÷
// suite" is the untraced suite run of the same synth run (trace.json stats.untracedWallMs), as in
// tools/bench/synth-report.mjs; synth time excludes the prepare stage (clone + install).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { renderTable } from './table.mjs';
import { collectResult } from './collect.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');

function options() {
  const { values } = parseArgs({
    options: {
      manifest: { type: 'string', default: path.join(root, 'corpus', 'manifest.json') },
      out: { type: 'string' },
      only: { type: 'string' },
      runner: { type: 'string' },
      rerun: { type: 'string' },
      'timeout-min': { type: 'string', default: '20' },
      'mirror-dir': { type: 'string' },
      'synth-args': { type: 'string', default: '' },
      'prune-work': { type: 'boolean', default: false },
      'table-only': { type: 'boolean', default: false },
      recollect: { type: 'boolean', default: false },
    },
  });
  if (!values.out) {
    console.error('usage: run.mjs --out DIR [--manifest FILE] [--only a/b,c/d] [--runner NAME] [--rerun a/b,c/d] [--timeout-min N] [--mirror-dir DIR] [--synth-args="..."] [--prune-work] [--table-only | --recollect]');
    process.exit(2);
  }
  return values;
}

const slug = (name) => name.replace('/', '+');
const list = (s) => (s ? s.split(',').map((x) => x.trim()).filter(Boolean) : []);

function selectEntries(manifest, opts) {
  const only = list(opts.only);
  const unknown = only.filter((n) => !manifest.repositories.some((e) => e.name === n));
  if (unknown.length > 0) throw new Error(`not in the manifest: ${unknown.join(', ')}`);
  // --only runs in the order given; otherwise manifest order.
  const chosen = only.length > 0 ? only.map((n) => manifest.repositories.find((e) => e.name === n)) : manifest.repositories;
  return chosen.filter((e) => !opts.runner || e.runner === opts.runner);
}

/** The synth command line of one entry: its URL at its commit, with its overrides as a config file. */
function synthArgs(entry, outDir, opts) {
  const args = [path.join(root, 'packages', 'cli', 'dist', 'bin.js'), 'synth', entry.url, '--ref', entry.commit, '--out', outDir, '--force', '--json'];
  if (entry.overrides?.config) {
    const configFile = `${outDir}.config.json`;
    writeFileSync(configFile, JSON.stringify(entry.overrides.config, null, 2));
    args.push('--config', configFile);
  }
  return [...args, ...opts['synth-args'].split(/\s+/).filter(Boolean)];
}

/** Runs one synth in its own process group; kills the group at the limit. */
function runSynth(args, outDir, env, limitMs) {
  return new Promise((resolve) => {
    const started = Date.now();
    const stdout = createWriteStream(`${outDir}.stdout.jsonl`);
    const stderr = createWriteStream(`${outDir}.stderr.log`);
    const child = spawn(process.execPath, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(stdout);
    child.stderr.pipe(stderr);
    let timedOut = false;
    const kill = (signal) => {
      try {
        process.kill(-child.pid, signal);
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill('SIGTERM');
      setTimeout(() => kill('SIGKILL'), 10_000).unref();
    }, limitMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      kill('SIGKILL'); // leftovers of the group (runner workers, servers a test started)
      resolve({ exitCode: code, signal, timedOut, wallMs: Date.now() - started });
    });
  });
}

/** The command as typed (a long --only list abbreviated) and the machine, for the table's header. */
function runMeta() {
  const args = process.argv.slice(2).map((a, i, all) => {
    if (all[i - 1] === '--only' && a.split(',').length > 4) return `<${a.split(',').length} repositories>`;
    return /\s/.test(a) ? `'${a}'` : a;
  });
  return { command: `node tools/corpus/run.mjs ${args.join(' ')}`, machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`, startedAt: new Date().toISOString() };
}

/** Reads every finished repository's output again (after collect.mjs changed), keeping its run facts. */
function recollect(outRoot, manifest) {
  for (const entry of manifest.repositories) {
    const outDir = path.join(outRoot, slug(entry.name));
    const file = `${outDir}.result.json`;
    if (!existsSync(file)) continue;
    const old = JSON.parse(readFileSync(file, 'utf8'));
    const run = { exitCode: old.exitCode, signal: null, timedOut: old.errorCode === 'CORPUS_TIME_LIMIT', wallMs: old.wallMs };
    const result = collectResult(entry, outDir, run, { loadBefore: old.loadBefore, loadAfter: old.loadAfter, limitMs: Number(/limit of ([\d.]+) min/.exec(old.message ?? '')?.[1] ?? 20) * 60_000 });
    writeFileSync(file, JSON.stringify({ ...result, finishedAt: old.finishedAt }, null, 2));
  }
}

function readResults(outRoot, entries) {
  return entries.map((e) => {
    const file = path.join(outRoot, `${slug(e.name)}.result.json`);
    return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : null;
  });
}

function writeTable(outRoot, manifest, meta) {
  const results = readResults(outRoot, manifest.repositories).filter(Boolean);
  writeFileSync(path.join(outRoot, 'results.jsonl'), results.map((r) => JSON.stringify(r)).join('\n') + '\n');
  writeFileSync(path.join(outRoot, 'results.md'), renderTable(results, meta));
  return results;
}

async function main() {
  const opts = options();
  const manifest = JSON.parse(readFileSync(opts.manifest, 'utf8'));
  const outRoot = path.resolve(opts.out);
  mkdirSync(outRoot, { recursive: true });
  const metaFile = path.join(outRoot, 'run-meta.json');
  if (opts.recollect) recollect(outRoot, manifest);
  if (opts['table-only'] || opts.recollect) {
    writeTable(outRoot, manifest, existsSync(metaFile) ? JSON.parse(readFileSync(metaFile, 'utf8')) : runMeta());
    return;
  }
  const meta = runMeta();
  writeFileSync(metaFile, JSON.stringify(meta, null, 2));
  const rerun = new Set(list(opts.rerun));
  const env = { ...process.env, NO_COLOR: '1', CI: '1' };
  if (opts['mirror-dir']) env.SWEFLOW_MIRROR_DIR = path.resolve(opts['mirror-dir']);
  const limitMs = Number(opts['timeout-min']) * 60_000;
  for (const entry of selectEntries(manifest, opts)) {
    const outDir = path.join(outRoot, slug(entry.name));
    const resultFile = `${outDir}.result.json`;
    if (existsSync(resultFile) && !rerun.has(entry.name)) {
      console.log(`${entry.name}: done before, skipped (--rerun ${entry.name} runs it again)`);
      continue;
    }
    const loadBefore = os.loadavg()[0];
    console.log(`${entry.name}: synth (limit ${opts['timeout-min']} min, load ${loadBefore.toFixed(1)})`);
    const run = await runSynth(synthArgs(entry, outDir, opts), outDir, env, limitMs);
    const result = collectResult(entry, outDir, run, { loadBefore, loadAfter: os.loadavg()[0], limitMs });
    writeFileSync(resultFile, JSON.stringify(result, null, 2));
    console.log(`${entry.name}: ${result.verified ?? 0} verified, ${result.errorCode ?? 'no error'} in ${(run.wallMs / 1000).toFixed(0)} s`);
    if (opts['prune-work']) rmSync(path.join(outDir, '.work'), { recursive: true, force: true });
    writeTable(outRoot, manifest, meta);
  }
  writeTable(outRoot, manifest, meta);
}

await main();
