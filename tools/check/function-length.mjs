#!/usr/bin/env node
// Lists functions in packages/*/src longer than a limit (default 120 lines, from the line of their
// first token to the line of their last): declarations, expressions, arrow functions, methods,
// accessors and constructors, nested ones counted on their own. Every .ts/.mts/.cts/.js/.mjs/.cjs
// file under packages/*/src but tests (`*.test.*`, `*.spec.*`, `*.bench.*`, `*.suite.*`,
// `*.testing.*`) and declaration files. Prints `file:line:name:length` per function over the limit
// and exits 1 when there is any; `npm run lint` and .ci/run run it.
//   node tools/check/function-length.mjs [--max 120] [--all] [--root DIR]
// --all also prints the ten longest functions under the limit; --root checks another tree (its packages/*/src).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const args = process.argv.slice(2);
const option = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const root = path.resolve(option('--root') ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '../..'));
const max = Number(option('--max')) || 120;
const SOURCE = /\.(?:[cm]?ts|[cm]?js)$/;
const isTest = (f) => /\.(test|spec|bench|suite|testing)\.[cm]?[tj]s$/.test(f) || f.endsWith('.d.ts');

function* sourceFiles(dir) {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== 'node_modules' && name !== '__fixtures__') yield* sourceFiles(p);
    } else if (SOURCE.test(name) && !isTest(name)) yield p;
  }
}

const nameOf = (node, sf) => {
  if (node.name) return node.name.getText(sf);
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  const parent = node.parent;
  if (parent && (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent))) return parent.name.getText(sf);
  if (parent && ts.isCallExpression(parent)) return `(callback of ${parent.expression.getText(sf).slice(0, 40)})`;
  return '(anonymous)';
};

const scriptKind = (file) => (/\.[cm]?js$/.test(file) ? ts.ScriptKind.JS : ts.ScriptKind.TS);

/** Every function-like node with a body in one file: its line, name and length in lines. */
function functionsIn(file) {
  const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true, scriptKind(file));
  const out = [];
  const visit = (node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
      const end = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
      out.push({ file: path.relative(root, file), line: start + 1, name: nameOf(node, sf), lines: end - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

const found = [];
for (const pkg of readdirSync(path.join(root, 'packages'))) {
  const src = path.join(root, 'packages', pkg, 'src');
  try { statSync(src); } catch { continue; }
  for (const file of sourceFiles(src)) found.push(...functionsIn(file));
}
found.sort((a, b) => b.lines - a.lines);
const over = found.filter((f) => f.lines > max);
for (const f of over) console.log(`${f.file}:${f.line}:${f.name}:${f.lines}`);
if (args.includes('--all')) for (const f of found.filter((x) => x.lines <= max).slice(0, 10)) console.log(`(under) ${f.file}:${f.line}:${f.name}:${f.lines}`);
console.log(`${over.length} of ${found.length} functions in packages/*/src are longer than ${max} lines`);
process.exit(over.length > 0 ? 1 : 0);
