// Stubs the functions of a TypeScript checkout and type-checks it (ts-morph, in memory) three ways:
// original, stubbed without return-type pins, stubbed with pins (and the pinned reference).
// usage: npx tsc -b packages/skeleton/tsconfig.lib.json &&
//        EVERY=2 node packages/skeleton/bench/typecheck-after-stub.mjs <checkout> src [more dirs]
// EVERY=n stubs every n-th function of each file (1 = all). Reads files only; writes nothing.
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Project, ts } from 'ts-morph';
import { applyInsertions, computeReturnTypePins, locateFunctions, stubFunctions } from '../dist/index.js';

const [root, ...dirs] = process.argv.slice(2);
if (!root || dirs.length === 0) throw new Error('usage: typecheck-after-stub.mjs <checkout> <dir> [dir...]');
const every = Number(process.env.EVERY ?? 1);
const files = dirs.flatMap((d) =>
  fs
    .readdirSync(path.join(root, d), { recursive: true })
    .filter((f) => /\.(c|m)?ts$/.test(f) && !f.endsWith('.d.ts'))
    .map((f) => `${d}/${f}`),
);
const sources = files.map((p) => ({ path: p, code: fs.readFileSync(path.join(root, p), 'utf8') }));
const compilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  strict: true,
  noEmit: true,
  skipLibCheck: true,
};

function diagnostics(srcs) {
  const project = new Project({ useInMemoryFileSystem: true, compilerOptions });
  for (const s of srcs) project.createSourceFile(`/${s.path}`, s.code);
  return project.getPreEmitDiagnostics().map((d) => {
    const text = ts.flattenDiagnosticMessageText(d.getMessageText(), ' ');
    return `${d.getSourceFile()?.getFilePath()}:${d.getLineNumber()} ${text}`;
  });
}

let functions = 0;
const ids = [];
for (const s of sources) {
  const fns = locateFunctions(s.code, s.path);
  functions += fns.length;
  ids.push(...fns.filter((_, i) => i % every === 0).map((f) => f.id));
}
const skipped = {};
let t0 = performance.now();
const pins = computeReturnTypePins(sources, ids, { compilerOptions, onSkip: (_, r) => (skipped[r] = (skipped[r] ?? 0) + 1) });
const pinMs = performance.now() - t0;
const pinsOf = (file) => pins.filter((p) => p.file === file);
t0 = performance.now();
const bare = sources.map((s) => ({ path: s.path, code: stubFunctions(s.code, s.path, ids).code }));
const stubMs = performance.now() - t0;
const results = sources.map((s) => stubFunctions(s.code, s.path, ids, { insertions: pinsOf(s.path) }));
const pinned = sources.map((s, i) => ({ path: s.path, code: results[i].code }));
const reference = sources.map((s) => ({ path: s.path, code: applyInsertions(s.code, pinsOf(s.path)) }));
const before = diagnostics(sources);
const fresh = (list) => list.filter((d) => !before.includes(d));
const noPins = fresh(diagnostics(bare));
const withPins = fresh(diagnostics(pinned));
const referenceNew = fresh(diagnostics(reference));
console.log(
  JSON.stringify(
    {
      files: sources.length,
      lines: sources.reduce((n, s) => n + s.code.split('\n').length, 0),
      functions,
      targets: ids.length,
      stubbed: results.reduce((n, r) => n + r.stubbed.length, 0),
      stubbedByParent: results.reduce((n, r) => n + r.stubbedByParent.length, 0),
      pinnedFunctions: new Set(pins.map((p) => p.id)).size,
      skipped,
      unusedImports: results.reduce((n, r) => n + r.unusedImports.length, 0),
      newDiagnostics: { stubbedWithoutPins: noPins.length, stubbedWithPins: withPins.length, pinnedReference: referenceNew.length },
      ms: { pins: Math.round(pinMs), stubAllFiles: Math.round(stubMs) },
    },
    null,
    1,
  ),
);
for (const d of [...noPins.map((d) => `without pins: ${d}`), ...withPins.map((d) => `with pins: ${d}`)].slice(0, 20)) console.log(d);
