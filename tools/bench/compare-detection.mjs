#!/usr/bin/env node
// Runner detection on every corpus repository at its pinned commit, read from /work/.mirror/<owner>+<name>/repo:
// the before build's detectRunner against the after build's. Prints one line per repository, then the counts.
//   node tools/bench/compare-detection.mjs <before-root> <after-root> corpus/manifest.json  (each root built: packages/tracer/dist)
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
const [beforeDist, afterDist, manifest] = process.argv.slice(2);
const before = await import(`${beforeDist}/packages/tracer/dist/index.js`);
const after = await import(`${afterDist}/packages/tracer/dist/index.js`);
const repos = JSON.parse(readFileSync(manifest, 'utf8')).repositories;
let same = 0, differ = 0;
for (const r of repos) {
  const dir = `/work/.mirror/${r.name.replace("/", "+")}/repo`;
  const pkgDir = r.package ? `${r.package}/` : '';
  let facts;
  try {
    const files = execFileSync('git', ['--git-dir', dir, 'ls-tree', '-r', '--name-only', r.commit], { maxBuffer: 1 << 28 }).toString().split('\n').filter(Boolean);
    const pj = JSON.parse(execFileSync('git', ['--git-dir', dir, 'show', `${r.commit}:${pkgDir}package.json`]).toString());
    facts = { root: `/x/${r.name}`, packageJson: pj, files: pkgDir ? files.filter((f) => f.startsWith(pkgDir)).map((f) => f.slice(pkgDir.length)) : files };
  } catch (e) { console.log(`${r.name}: unreadable (${e.message.split('\n')[0]})`); continue; }
  const pick = (m) => { try { return m.detectRunner(facts).name; } catch (e) { return `error ${e.code}`; } };
  const a = pick(before), b = pick(after);
  if (a === b) same++; else differ++;
  console.log(`${a === b ? 'same  ' : 'DIFFER'} ${r.name}: ${a} -> ${b} (manifest: ${r.runner})`);
}
console.log(`${same} same, ${differ} differ`);
