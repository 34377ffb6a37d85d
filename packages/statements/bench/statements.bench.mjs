// Benchmarks for @swe-flow/statements, run against the build:
//   npx tsc -b packages/statements/tsconfig.lib.json && node packages/statements/bench/statements.bench.mjs
// A loopback OpenAI-compatible server answers after LATENCY_MS, as a hosted model would (slower).
import { createServer } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeOfflineStatement, writeStatements, findLeak, publicTextOf } from '../dist/index.js';

const STEPS = Number(process.env.STEPS ?? 40);
const LATENCY_MS = Number(process.env.LATENCY_MS ?? 100);

function makeInput(step) {
  const tests = Array.from({ length: 6 }, (_, i) => ({
    id: `test/m${step}.test.ts > feature ${step} > case ${i}`,
    file: `test/m${step}.test.ts`,
    titlePath: [`feature ${step}`, `case ${i}`],
    source: `it('case ${i}', async () => {
      const s = new Store({ size: ${i + 1} });
      s.put('k${i}', ${i});
      expect(s.get('k${i}')).toBe(${i});
      expect(s.entries()).toEqual([['k${i}', ${i}]]);
      expect(() => s.put(null, 1)).toThrow(TypeError);
      await expect(s.flush()).resolves.toBeUndefined();
      for (const [k, v] of pairs) { assert.strictEqual(s.get(k), v); }
    })`,
  }));
  return {
    repo: 'bench/store', step,
    functions: [
      { id: `src/m${step}.ts:3:3:Store#put`, file: `src/m${step}.ts`, name: 'Store#put', kind: 'method', signature: 'put(key: string, value: number): void', async: false, generator: false },
      { id: `src/m${step}.ts:9:3:Store#get`, file: `src/m${step}.ts`, name: 'Store#get', kind: 'method', signature: 'get(key: string): number | undefined', async: false, generator: false },
    ],
    tests,
    passToPass: Array.from({ length: step * 6 }, (_, i) => `test/old.test.ts > t ${i}`),
    referenceBodies: ['{\n    if (typeof key !== "string") throw new TypeError("key must be a string");\n    this.map.set(key, value);\n  }', '{\n    return this.map.get(key);\n  }'],
  };
}

function startServer() {
  let count = 0;
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      count++;
      const body = JSON.parse(raw);
      const step = /Step: (\d+)/.exec(body.messages[1].content)[1];
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ choices: [{ index: 0, message: { role: 'assistant', content: `## Overview\n\nStep ${step}.` }, finish_reason: 'stop' }] }));
      }, LATENCY_MS);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${server.address().port}`, get count() { return count; } })));
}

async function time(fn) {
  const t0 = performance.now();
  const r = await fn();
  return { ms: performance.now() - t0, r };
}

const inputs = Array.from({ length: STEPS }, (_, i) => makeInput(i + 1));
const rows = [];

// Offline writer, after one untimed pass so the JIT has warmed up.
for (const i of inputs) findLeak(writeOfflineStatement(i), i.referenceBodies, { publicText: publicTextOf(i) });
const offline = await time(async () => inputs.map((i) => writeOfflineStatement(i)));
rows.push(['offline writer', offline.ms, 0]);
const leak = await time(async () => offline.r.map((s, k) => findLeak(s, inputs[k].referenceBodies, { publicText: publicTextOf(inputs[k]) })));
rows.push(['leak check of offline statements', leak.ms, 0]);

const srv = await startServer();
const cacheDir = await mkdtemp(join(tmpdir(), 'swe-flow-bench-'));
const base = { baseUrl: srv.url, model: 'bench', rpm: 100_000 };
const seq = await time(() => writeStatements(inputs, { llm: { ...base, concurrency: 1, cacheDir: false } }));
rows.push(['LLM, concurrency 1, no cache (baseline)', seq.ms, seq.r.stats.requests]);
const par = await time(() => writeStatements(inputs, { llm: { ...base, concurrency: 4, cacheDir } }));
rows.push(['LLM, concurrency 4, cold cache', par.ms, par.r.stats.requests]);
const before = srv.count;
const warm = await time(() => writeStatements(inputs, { llm: { ...base, concurrency: 4, cacheDir } }));
rows.push(['LLM, concurrency 4, warm cache (rerun)', warm.ms, srv.count - before]);
srv.server.close();
await rm(cacheDir, { recursive: true, force: true });

const baseline = seq.ms;
console.log(`statements bench: ${STEPS} steps x 6 tests, server latency ${LATENCY_MS} ms, node ${process.version}`);
console.log('| case | total ms | per step ms | HTTP requests | vs baseline |');
console.log('|---|---:|---:|---:|---:|');
for (const [name, ms, req] of rows) {
  console.log(`| ${name} | ${ms.toFixed(1)} | ${(ms / STEPS).toFixed(2)} | ${req} | ${(baseline / ms).toFixed(1)}x faster |`);
}
