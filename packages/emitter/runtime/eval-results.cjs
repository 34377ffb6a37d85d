/**
 * The result reader of `tasks/<id>/eval.sh`: the same result files swe-flow's runner adapters read
 * (vitest/jest JSON, mocha's sweflow-json, node:test's swe-flow reporter lines, ava's TAP with JSON
 * names, the tape/uvu/jasmine hooks' JSON lines, node-tap's TAP 14 subtests), turned into the same test
 * ids (`file > title > ...`), in plain Node with no dependency, so that eval.sh runs in an instance
 * image with nothing of swe-flow in it. eval.sh carries this file's text; the emitter's tests hold it
 * against every adapter's own parser on the same files.
 */
const path = require('node:path');
const { fileURLToPath } = require('node:url');

/** A result file's path as the adapters write ids: repository-relative, POSIX. */
function relPath(root, file) {
  const abs = String(file || '').startsWith('file://') ? fileURLToPath(file) : String(file || '');
  if (!path.isAbsolute(abs)) return abs.split(path.sep).join('/').replace(/^\.\//, '');
  const rel = path.relative(root, abs);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return abs;
  return rel.split(path.sep).join('/');
}

function statusWord(status) {
  if (status === 'passed') return 'PASSED';
  if (status === 'failed') return 'FAILED';
  return 'SKIPPED';
}

function jsonLines(text) {
  return text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
}

/** vitest and jest: the runner's own JSON report (testResults[].assertionResults[]). */
function fromJestJson(text, root, runner, set) {
  const data = JSON.parse(text);
  for (const file of data.testResults || []) {
    const abs = file.name || file.testFilePath;
    if (!abs) continue;
    const rel = relPath(root, abs);
    for (const a of file.assertionResults || []) {
      let titles = [...(a.ancestorTitles || []), a.title || ''];
      if (runner === 'vitest' && titles.length > 1 && titles[0] === '') titles = titles.slice(1);
      set([rel, ...titles], a.status === 'passed' ? 'passed' : a.status === 'failed' ? 'failed' : 'skipped');
    }
  }
}

/** mocha: swe-flow's sweflow-json reporter; a test reported twice (a failing after-each hook) keeps its failure. */
function fromMochaJson(text, root, runner, set) {
  const seen = new Map();
  for (const t of JSON.parse(text).tests || []) {
    const key = [relPath(root, t.file), ...(t.titlePath || [])];
    const status = t.state === 'passed' ? 'passed' : t.state === 'failed' ? 'failed' : 'skipped';
    const id = key.join(' > ');
    if (seen.has(id)) {
      if (status === 'failed') set(key, status);
      continue;
    }
    seen.set(id, true);
    set(key, status);
  }
}

/** node:test: swe-flow's reporter, one JSON line per finished test or suite (children before their parent). */
function fromNodeTestEvents(text, root, runner, set) {
  const perFile = new Map();
  const order = [];
  for (const ev of jsonLines(text)) {
    const file = ev.file || '';
    if (!perFile.has(file)) { perFile.set(file, []); order.push(file); }
    const list = perFile.get(file);
    let k = list.length;
    while (k > 0 && list[k - 1].nesting > ev.nesting) k--;
    const children = list.slice(k);
    if (children.length > 0 || ev.suite) {
      for (const c of children) { c.titlePath.unshift(ev.name); c.nesting = ev.nesting; }
      continue;
    }
    if (ev.nesting === 0 && ev.file && ev.name === ev.file) continue;
    list.push({ nesting: ev.nesting, titlePath: [ev.name], ev });
  }
  for (const file of order) {
    for (const p of perFile.get(file)) {
      if (p.ev.skip === 'test name does not match pattern') continue;
      const status = p.ev.skip || p.ev.todo ? 'skipped' : p.ev.type === 'test:pass' ? 'passed' : 'failed';
      set([relPath(root, file), ...p.titlePath], status);
    }
  }
}

/** ava: TAP whose test names are swe-flow's JSON ["file","title"]. */
function fromAvaTap(text, root, runner, set) {
  for (const line of text.split('\n')) {
    const m = /^(ok|not ok) \d+ - (.*)$/.exec(line);
    if (!m) continue;
    let name = m[2];
    let directive;
    const d = /^(.*\])\s*# (SKIP|TODO)\b.*$/.exec(name);
    if (!name.endsWith(']') && d) { name = d[1]; directive = d[2]; }
    let parsed;
    try { parsed = JSON.parse(name); } catch { parsed = undefined; }
    if (!Array.isArray(parsed) || parsed.length !== 2) continue;
    set([relPath(root, parsed[0]), parsed[1]], directive ? 'skipped' : m[1] === 'ok' ? 'passed' : 'failed');
  }
}

/** tape, uvu, jasmine: swe-flow's hooks write one JSON line {file, titlePath, status} per test. */
function fromHookLines(text, root, runner, set) {
  for (const row of jsonLines(text)) set([relPath(root, row.file), ...(row.titlePath || [])], row.status);
}

/** node-tap: TAP 14 with nested subtests; a file per top-level subtest, results are the subtests without subtests. */
function fromTap14(text, root, runner, set) {
  const lines = text.split('\n');
  const point = /^(ok|not ok)\b(?:\s+\d+)?(?:\s+-)?\s*(.*)$/;
  const indentOf = (l) => l.length - l.trimStart().length;
  // One level: its test points, each with the body of the subtest it closes.
  function level(from, to, indent) {
    const nodes = [];
    let body;
    for (let i = from; i < to; i++) {
      const l = lines[i];
      if (!l.trim()) continue;
      const ind = indentOf(l);
      if (ind > indent) continue;
      const t = l.trim();
      if (t.startsWith('# Subtest')) {
        const start = i + 1;
        let j = start;
        while (j < to && (!lines[j].trim() || indentOf(lines[j]) > indent)) j++;
        body = [start, j];
        i = j - 1;
        continue;
      }
      const m = point.exec(t);
      if (m) {
        const parts = splitDirective(m[2]);
        const node = { name: parts.name, ok: m[1] === 'ok', skip: parts.skip, body };
        if (body || node.skip) nodes.push(node);
        body = undefined;
        // its YAML diagnostics
        if (i + 1 < to && lines[i + 1].trim() === '---' && indentOf(lines[i + 1]) > indent) {
          let j = i + 2;
          while (j < to && !(lines[j].trim() === '...' && indentOf(lines[j]) === indentOf(lines[i + 1]))) j++;
          i = j;
        }
      }
    }
    return nodes;
  }
  function splitDirective(raw) {
    let name = '';
    let rest = '';
    for (let i = 0; i < raw.length; i++) {
      if (raw[i] === '\\' && i + 1 < raw.length) { name += raw[i + 1]; i++; continue; }
      if (raw[i] === '#') { rest = raw.slice(i + 1); break; }
      name += raw[i];
    }
    const directive = /^\s*(SKIP|TODO)\b/i.test(rest);
    return { name: name.trim(), skip: directive };
  }
  function childIndent(body) {
    for (let i = body[0]; i < body[1]; i++) if (lines[i].trim()) return indentOf(lines[i]);
    return 0;
  }
  function leaves(node, titles, file) {
    const subs = node.body ? level(node.body[0], node.body[1], childIndent(node.body)) : [];
    if (subs.length > 0) { for (const s of subs) leaves(s, [...titles, s.name], file); return; }
    set([file, ...titles], node.skip ? 'skipped' : node.ok ? 'passed' : 'failed');
  }
  if (!/^TAP version/m.test(text)) throw new Error('not TAP');
  for (const fileNode of level(0, lines.length, 0)) {
    if (!fileNode.body) continue;
    const file = relPath(root, fileNode.name);
    for (const t of level(fileNode.body[0], fileNode.body[1], childIndent(fileNode.body))) leaves(t, [t.name], file);
  }
}

const FORMATS = {
  vitest: fromJestJson, jest: fromJestJson, mocha: fromMochaJson, 'node-test': fromNodeTestEvents,
  ava: fromAvaTap, tape: fromHookLines, uvu: fromHookLines, jasmine: fromHookLines, tap: fromTap14,
};

/** Test id → PASSED / FAILED / SKIPPED, as swe-flow's adapter for `runner` reads the same file; undefined when unreadable. */
function sweflowStatuses(text, root, runner) {
  const out = new Map();
  const parse = FORMATS[runner];
  if (!parse || !text || !text.trim()) return undefined;
  try {
    parse(text, root, runner, (parts, status) => out.set(parts.join(' > '), statusWord(status)));
  } catch {
    return undefined;
  }
  return out;
}

module.exports = { sweflowStatuses };
