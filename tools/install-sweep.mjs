#!/usr/bin/env node
// Installs each given repository as `swe-flow synth` does (its Node, its package manager, the
// fallbacks) and prints one JSON line per repository: whether the plain install worked (what swe-flow
// did before the fallbacks), which fallbacks the working install needed, and the Node chosen.
//   node tools/install-sweep.mjs <git-dir-or-url> ... > sweep.jsonl
//   node tools/install-sweep.mjs --manifest corpus/manifest.json --mirror-dir /work/.mirror [--jobs 2] [--only a/b,c/d] [--timeout-min 15] > sweep.jsonl
// With a manifest, each repository is cloned from <mirror-dir>/<owner>+<name>/repo at the manifest's
// commit. Each repository is cloned into a temp folder, installed, and the folder removed. The install
// limit is synth's own (installTimeoutMs, 15 min) unless --timeout-min says otherwise; each row records the
// 1-minute load average at its start and end (the machine may be shared).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { SynthConfigSchema, mapPool } from '@swe-flow/core';
import { detectProject, installDependencies, setUpRepositoryNode } from '@swe-flow/workspace';

const logger = { debug() {}, info() {}, warn() {}, error() {} };

async function sweep({ source, commit, name }, timeoutMs) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'swf-sweep-'));
  const started = Date.now();
  const row = { name: name ?? source, source, loadStart: Math.round(os.loadavg()[0] * 10) / 10 };
  try {
    await execa('git', ['clone', '--quiet', '--no-checkout', source, dir]);
    await execa('git', ['checkout', '--quiet', commit ?? 'HEAD'], { cwd: dir });
    row.commit = (await execa('git', ['rev-parse', 'HEAD'], { cwd: dir })).stdout;
    const facts = await detectProject(dir);
    row.packageManager = facts.packageManager + (facts.yarnBerry ? ` berry (${facts.yarnLinker})` : '');
    row.lockfile = facts.lockfile ?? facts.ignoredLockfile ?? null;
    const node = await setUpRepositoryNode(dir, facts, { logger });
    row.node = node.choice.version;
    row.nodeSource = node.choice.source;
    row.nodeReason = node.choice.reason;
    const record = await installDependencies(dir, facts, { logger, node: node.runtime, nodeFor: node.nodeFor, timeoutMs });
    Object.assign(row, {
      ok: true, plainOk: record.attempts[0].ok, node: record.node, nodeSource: node.choice.source,
      packageManagerVersion: record.packageManagerVersion, command: record.command.join(' '),
      fallbacks: record.fallbacks, dropped: record.droppedDependencies,
    });
  } catch (error) {
    const attempts = error?.details?.attempts;
    Object.assign(row, {
      ok: false, plainOk: false, code: error?.code ?? 'unknown',
      fallbacks: attempts ? attempts.slice(1).map((a) => a.label) : [],
      timedOut: !!error?.details?.timedOut,
      error: String(error?.message ?? error).split('\n').slice(0, 12).join('\n'),
    });
  } finally {
    row.seconds = Math.round((Date.now() - started) / 100) / 10;
    row.loadEnd = Math.round(os.loadavg()[0] * 10) / 10;
    await rm(dir, { recursive: true, force: true });
  }
  return row;
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { manifest: { type: 'string' }, 'mirror-dir': { type: 'string' }, jobs: { type: 'string' }, only: { type: 'string' }, 'timeout-min': { type: 'string' } },
});
const items = positionals.map((source) => ({ source }));
if (values.manifest) {
  const manifest = JSON.parse(await readFile(values.manifest, 'utf8'));
  // --only also sets the order.
  const only = values.only?.split(',');
  const repos = only ? only.map((n) => manifest.repositories.find((r) => r.name === n)).filter(Boolean) : manifest.repositories;
  for (const repo of repos) {
    const source = values['mirror-dir'] ? path.join(values['mirror-dir'], repo.name.replace('/', '+'), 'repo') : repo.url;
    items.push({ source, commit: repo.commit, name: repo.name });
  }
}
// Each line printed as its repository finishes.
// synth's own default install limit (core's installTimeoutMs) unless --timeout-min says otherwise.
const timeoutMs = values['timeout-min'] === undefined ? SynthConfigSchema.parse({}).installTimeoutMs : Number(values['timeout-min']) * 60_000;
await mapPool(items, Math.max(1, Number(values.jobs ?? 1)), async (item) => console.log(JSON.stringify(await sweep(item, timeoutMs))));
