#!/usr/bin/env node
/**
 * `npx eslint packages` with the Nx project graph built first. The layer rule
 * (`@nx/enforce-module-boundaries`) reads the cached graph under `.nx/workspace-data/`; without it the
 * rule prints a warning and is skipped, and a clean lint would prove nothing about the layers. So the
 * graph is computed here (`nx show projects`), and a lint whose output still says the rule was skipped fails.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' };

const graph = spawnSync('npx', ['nx', 'show', 'projects'], { cwd: root, env, encoding: 'utf8' });
if (graph.status !== 0) {
  process.stderr.write(`${graph.stdout}${graph.stderr}\nlint: the Nx project graph could not be built (exit ${graph.status}); the layer rule needs it\n`);
  process.exit(1);
}

const lint = spawnSync('npx', ['eslint', ...(process.argv.length > 2 ? process.argv.slice(2) : ['packages'])], { cwd: root, env, encoding: 'utf8' });
process.stdout.write(lint.stdout);
process.stderr.write(lint.stderr);
if (/No cached ProjectGraph is available/.test(`${lint.stdout}${lint.stderr}`)) {
  process.stderr.write('lint: @nx/enforce-module-boundaries was skipped (no cached project graph); failing rather than passing without it\n');
  process.exit(1);
}
process.exit(lint.status ?? 1);
