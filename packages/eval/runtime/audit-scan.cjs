#!/usr/bin/env node
// swe-flow audit scanner: searches a file system and every git repository in it for solution bodies.
// Self-contained (Node built-ins and the git binary only), so it runs the same inside an instance
// container and on the host. Input (stdin, JSON):
//   { roots: string[], skip: string[], needles: [{ id, text }], maxFileBytes?: number }
// Output (stdout, JSON): { hits: [{ id, kind, path }], files, bytes, gitDirs, skipped }
// Matching is on normalized text: comments and all whitespace removed, the same function on both
// sides, so a verbatim or reindented copy of a body is found wherever it is.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');
const { execFileSync } = require('node:child_process');

/** Comments out (block and line, not `://`). */
function stripComments(text) {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:\\])\/\/[^\n]*/g, '$1');
}

/** Comments and all whitespace out. */
function normalize(text) {
  return stripComments(text).replace(/\s+/g, '');
}

/**
 * The longest identifier or number of a body: comments and whitespace never split it, so any copy of
 * the body that normalizes equal contains it verbatim (a cheap first test before normalizing a text).
 */
function anchorOf(text) {
  const words = stripComments(text).match(/[A-Za-z_$][\w$]*|\d+/g) || [''];
  return words.reduce((a, b) => (b.length > a.length ? b : a), '');
}

/** Code tokens of a text: identifiers, numbers, single punctuation characters. */
function countTokens(text) {
  return (stripComments(text).match(/[A-Za-z_$][\w$]*|\d+|[^\w\s]/g) || []).length;
}

/** A function telling which needles a text holds (same normalization and anchors as scan). */
function matcher(needles) {
  const asBytes = (t) => Buffer.from(t, 'utf8').toString('latin1');
  const prepared = needles.map((n) => ({ id: n.id, text: normalize(asBytes(n.text)), anchor: asBytes(anchorOf(n.text)) })).filter((n) => n.text.length > 0);
  return (text) => {
    const candidates = prepared.filter((n) => text.includes(n.anchor));
    if (candidates.length === 0) return [];
    const norm = normalize(text);
    return candidates.filter((n) => norm.includes(n.text)).map((n) => n.id);
  };
}

function scan(input) {
  const maxFileBytes = input.maxFileBytes || 64 * 1024 * 1024;
  // Files are read as latin1 (one char per byte, any encoding survives): needles are made the same way.
  const asBytes = (t) => Buffer.from(t, 'utf8').toString('latin1');
  const needles = input.needles.map((n) => ({ id: n.id, text: normalize(asBytes(n.text)), anchor: asBytes(anchorOf(n.text)) })).filter((n) => n.text.length > 0);
  const skip = new Set(input.skip || []);
  const out = { hits: [], files: 0, bytes: 0, gitDirs: [], skipped: [] };
  const seen = new Set();
  const search = (text, kind, where) => {
    // Normalizing is the slow part: only texts that hold some needle's anchor are normalized.
    const candidates = needles.filter((n) => text.includes(n.anchor));
    if (candidates.length === 0) return;
    const norm = normalize(text);
    for (const n of candidates) {
      if (norm.includes(n.text)) {
        const key = `${n.id}\0${kind}\0${where}`;
        if (!seen.has(key)) {
          seen.add(key);
          out.hits.push({ id: n.id, kind, path: where });
        }
      }
    }
  };
  const scanGit = (gitDir) => {
    out.gitDirs.push(gitDir);
    let text;
    try {
      // Every object in the repository, reachable or not: commits, trees, blobs, tags, stashes,
      // notes, reflog-only and dangling objects, loose or packed.
      text = execFileSync('git', ['-c', 'safe.directory=*', `--git-dir=${gitDir}`, 'cat-file', '--batch-all-objects', '--batch', '--unordered'], {
        maxBuffer: 2 * 1024 * 1024 * 1024,
        stdio: ['ignore', 'pipe', 'ignore'],
      }).toString('latin1');
    } catch (error) {
      out.skipped.push({ path: gitDir, reason: `git cat-file failed: ${String(error.message).split('\n')[0]}` });
      return;
    }
    out.bytes += text.length;
    search(text, 'git-object', gitDir);
  };
  const scanFile = (file, size) => {
    if (size > maxFileBytes) {
      out.skipped.push({ path: file, reason: `larger than ${maxFileBytes} bytes` });
      return;
    }
    let buf;
    try {
      buf = fs.readFileSync(file);
    } catch (error) {
      out.skipped.push({ path: file, reason: String(error.code || error.message) });
      return;
    }
    out.files++;
    out.bytes += buf.length;
    const text = buf.toString('latin1');
    search(text, 'file', file);
    if (text.includes('"sourcesContent"')) {
      // a source map: its sources are JSON strings (escaped newlines), searched as decoded text
      try {
        const map = JSON.parse(buf.toString('utf8'));
        for (const src of map.sourcesContent || []) if (typeof src === 'string') search(asBytes(src), 'source-map', file);
      } catch {
        /* not JSON */
      }
    }
    if (buf.length > 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
      // gzip (npm tarballs, caches): search the inflated bytes too
      try {
        search(zlib.gunzipSync(buf, { maxOutputLength: maxFileBytes }).toString('latin1'), 'gzip', file);
      } catch {
        /* not gzip after all, or too large */
      }
    }
  };
  const walk = (dir) => {
    if (skip.has(dir)) return;
    let entries;
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (error) {
      out.skipped.push({ path: dir, reason: String(error.code || error.message) });
      return;
    }
    const names = new Set(entries.map((e) => e.name));
    if (names.has('HEAD') && names.has('objects') && names.has('refs')) scanGit(dir);
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (skip.has(p) || e.isSymbolicLink()) continue;
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        let st;
        try {
          st = fs.statSync(p);
        } catch {
          continue;
        }
        scanFile(p, st.size);
      }
    }
  };
  for (const root of input.roots) {
    let st;
    try {
      st = fs.statSync(root);
    } catch {
      out.skipped.push({ path: root, reason: 'missing' });
      continue;
    }
    if (st.isDirectory()) walk(root);
    else scanFile(root, st.size);
  }
  return out;
}

/** Reads the input from stdin, writes the result to stdout. */
function main() {
  const chunks = [];
  process.stdin.on('data', (c) => chunks.push(c));
  process.stdin.on('end', () => {
    const input = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    process.stdout.write(JSON.stringify(scan(input)));
  });
}

module.exports = { normalize, countTokens, matcher, scan, main };

if (require.main === module) main();
