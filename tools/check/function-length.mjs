#!/usr/bin/env node
// Lists functions in packages/*/src longer than a limit (default 120 lines, from the line of their
// first token to the line of their last), test files left out. Exits 1 when any is over.
//   node tools/check/function-length.mjs [--max 120] [--all]
// --all also prints the ten longest functions under the limit.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const max = Number(args[args.indexOf('--max') + 1]) || 120;
const isTest = (f) => /\.(test|spec|bench|suite|testing)\.[cm]?ts$/.test(f) || f.includes('__fixtures__');

function* sourceFiles(dir) {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) yield* sourceFiles(p);
    else if (/\.[cm]?ts$/.test(name) && !name.endsWith('.d.ts') && !isTest(name)) yield p;
  }
}

const nameOf = (node, sf) => {
  if (node.name) return node.name.getText(sf);
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  const parent = node.parent;
  if (parent && ts.isVariableDeclaration(parent)) return parent.name.getText(sf);
  if (parent && ts.isPropertyAssignment(parent)) return parent.name.getText(sf);
  return '(anonymous)';
};

const found = [];
for (const pkg of readdirSync(path.join(root, 'packages'))) {
  const src = path.join(root, 'packages', pkg, 'src');
  try { statSync(src); } catch { continue; }
  for (const file of sourceFiles(src)) {
    const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (node) => {
      if (ts.isFunctionLike(node) && 'body' in node && node.body) {
        const start = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
        const end = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
        found.push({ file: path.relative(root, file), line: start + 1, name: nameOf(node, sf), lines: end - start + 1 });
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
}
found.sort((a, b) => b.lines - a.lines);
const over = found.filter((f) => f.lines > max);
for (const f of over) console.log(`${f.lines}\t${f.file}:${f.line}\t${f.name}`);
if (args.includes('--all')) for (const f of found.filter((x) => x.lines <= max).slice(0, 10)) console.log(`(${f.lines})\t${f.file}:${f.line}\t${f.name}`);
console.log(`${over.length} of ${found.length} functions in packages/*/src are longer than ${max} lines`);
process.exit(over.length > 0 ? 1 : 0);
