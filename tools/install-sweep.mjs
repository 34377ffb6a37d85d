#!/usr/bin/env node
// Installs each given repository as `swe-flow synth` does (its Node, its package manager, the
// fallbacks) and prints one JSON line per repository: whether the plain install worked (what swe-flow
// did before the fallbacks), which fallbacks the working install needed, and the Node chosen.
//   node tools/install-sweep.mjs <git-dir-or-url> ... > sweep.jsonl
// Each repository is cloned into a temp folder, installed, and the folder removed.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { detectProject, installDependencies, setUpRepositoryNode } from '@swe-flow/workspace';

const logger = { debug() {}, info() {}, warn() {}, error() {} };

async function sweep(source) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'swf-sweep-'));
  const started = Date.now();
  const row = { source };
  try {
    await execa('git', ['clone', '--quiet', source, dir]);
    row.commit = (await execa('git', ['rev-parse', 'HEAD'], { cwd: dir })).stdout;
    const facts = await detectProject(dir);
    row.packageManager = facts.packageManager + (facts.yarnBerry ? ` berry (${facts.yarnLinker})` : '');
    row.lockfile = facts.lockfile ?? facts.ignoredLockfile ?? null;
    const node = await setUpRepositoryNode(dir, facts, { logger });
    const record = await installDependencies(dir, facts, { logger, node: node.runtime, nodeFor: node.nodeFor, timeoutMs: 10 * 60_000 });
    Object.assign(row, {
      ok: true, plainOk: record.attempts[0].ok, node: record.node, nodeSource: node.choice.source,
      fallbacks: record.fallbacks, dropped: record.droppedDependencies,
    });
  } catch (error) {
    const attempts = error?.details?.attempts;
    Object.assign(row, {
      ok: false, plainOk: false, code: error?.code ?? 'unknown',
      fallbacks: attempts ? attempts.slice(1).map((a) => a.label) : [],
      error: String(error?.message ?? error).split('\n').slice(0, 12).join('\n'),
    });
  } finally {
    row.seconds = Math.round((Date.now() - started) / 100) / 10;
    await rm(dir, { recursive: true, force: true });
  }
  return row;
}

for (const source of process.argv.slice(2)) console.log(JSON.stringify(await sweep(source)));
