#!/usr/bin/env node
// Compares the datasets of two `swe-flow synth` output directories: the same rows (instance id,
// FAIL_TO_PASS, PASS_TO_PASS, base commit, patch) and the same rejects (instance id and reason).
//   node tools/bench/compare-datasets.mjs <out-dir-a> <out-dir-b>
// Exits 1 when they differ.
import { readFileSync } from 'node:fs';
import path from 'node:path';

const jsonl = (dir, file) => readFileSync(path.join(dir, file), 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
const rowKey = (r) => JSON.stringify([r.FAIL_TO_PASS, r.PASS_TO_PASS, r.base_commit, r.patch]);
const [a, b] = process.argv.slice(2);
if (!a || !b) {
  console.error('usage: compare-datasets.mjs <out-dir-a> <out-dir-b>');
  process.exit(2);
}
const rowsA = new Map(jsonl(a, 'dataset.jsonl').map((r) => [r.instance_id, rowKey(r)]));
const rowsB = new Map(jsonl(b, 'dataset.jsonl').map((r) => [r.instance_id, rowKey(r)]));
const differ = [...rowsA.keys()].filter((id) => rowsB.has(id) && rowsB.get(id) !== rowsA.get(id));
const onlyA = [...rowsA.keys()].filter((id) => !rowsB.has(id));
const onlyB = [...rowsB.keys()].filter((id) => !rowsA.has(id));
const rejects = (dir) => jsonl(dir, 'rejects.jsonl').map((r) => `${r.instance_id}:${r.reason}`).sort().join('\n');
const sameRejects = rejects(a) === rejects(b);
console.log(`rows: ${rowsA.size} vs ${rowsB.size}; identical ${rowsA.size - differ.length - onlyA.length}; differ ${differ.length}; only in a ${onlyA.length}; only in b ${onlyB.length}; rejects ${sameRejects ? 'identical' : 'differ'}`);
for (const id of [...differ, ...onlyA, ...onlyB].slice(0, 10)) console.log(`  ${id}`);
process.exit(differ.length + onlyA.length + onlyB.length === 0 && sameRejects ? 0 : 1);
