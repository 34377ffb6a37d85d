import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  checkStatement,
  LlmClient,
  parseRetryAfter,
  writeDocstrings,
  writeOfflineStatement,
  writeStatement,
  writeStatements,
  type LlmOptions,
  type StatementInput,
} from '../src/index.js';
import { startFakeLlmServer, type FakeLlmServer, type RecordedRequest } from './fake-llm-server.js';
import { queueAva, shapesVitest, slugMocha } from './inputs.js';

/** What the fake model answers: a document naming the step and listing every test id it was shown. */
function answerFor(request: RecordedRequest): string {
  const user = request.body.messages.find((m) => m.role === 'user')?.content ?? '';
  const ids = [...user.matchAll(/^### (test\/\S.*)$/gm)].map((m) => m[1]);
  const step = /^Step: (\d+)$/m.exec(user)?.[1];
  return `## Overview\n\nStep ${step} written by the model.\n\n## Acceptance: these tests must pass\n\n${ids.map((id) => `- \`${id}\``).join('\n')}`;
}

let server: FakeLlmServer;
let cacheDir: string;

beforeEach(async () => {
  server = await startFakeLlmServer((req) => ({ kind: 'ok', content: answerFor(req) }));
  cacheDir = await mkdtemp(join(tmpdir(), 'swe-flow-llm-cache-'));
});

afterEach(async () => {
  await server.close();
  await rm(cacheDir, { recursive: true, force: true });
});

function llm(extra: LlmOptions = {}): LlmOptions {
  return { baseUrl: server.url, model: 'test-model', apiKey: 'sk-test', cacheDir, backoffBaseMs: 20, timeoutMs: 5_000, rpm: 60_000, ...extra };
}

describe('LLM writer over real HTTP', () => {
  it('writes a statement from the prompts, the tests and the signatures, never the bodies', async () => {
    const result = await writeStatement(shapesVitest, { llm: llm() });
    expect(result.source).toBe('llm');
    expect(result.statement).toContain('Step 2 written by the model.');
    expect(result.stats).toMatchObject({ llm: 1, cached: 0, fallback: 0, requests: 1, retries: 0 });
    expect(server.requests).toHaveLength(1);
    const req = server.requests[0]!;
    expect(req.path).toBe('/v1/chat/completions');
    expect(req.authorization).toBe('Bearer sk-test');
    expect(req.body.model).toBe('test-model');
    expect(req.body.temperature).toBe(0);
    const system = await readFile(new URL('../prompts/statement-system.md', import.meta.url), 'utf8');
    expect(req.body.messages[0]).toEqual({ role: 'system', content: system.trim() });
    const user = req.body.messages[1]!.content;
    expect(user).toContain('static create(radius: number): Circle');
    expect(user).toContain("expect(() => Circle.create(-1)).toThrow(RangeError);");
    expect(user).toContain('export const loadCircle');
    expect(user).not.toContain('Math.PI * this.radius');
    expect(user).not.toContain('return new Circle(radius)');
  });

  it('appends the functions and the acceptance list when the model leaves them out', async () => {
    server.handler = () => ({ kind: 'ok', content: '```markdown\n## Overview\n\nShort.\n```' });
    const result = await writeStatement(shapesVitest, { llm: llm() });
    expect(result.statement.startsWith('## Overview\n\nShort.\n\n## Functions to implement\n\n')).toBe(true);
    expect(result.statement).toContain('## Acceptance: these tests must pass');
    for (const t of shapesVitest.tests) expect(result.statement).toContain(t.id);
    expect(checkStatement(result.statement, { functions: shapesVitest.functions, failToPass: shapesVitest.tests.map((t) => t.id) }).ok).toBe(true);
    // The appended list is the offline document's acceptance section, byte for byte.
    const offline = writeOfflineStatement(shapesVitest);
    expect(result.statement.endsWith(`\n\n${offline.slice(offline.indexOf('## Acceptance: these tests must pass'))}`)).toBe(true);
  });

  it('retries a 429, waiting for Retry-After, and counts the retry', async () => {
    server.handler = (req) =>
      req.index === 0 ? { kind: 'status', status: 429, retryAfter: '1' } : { kind: 'ok', content: answerFor(req) };
    const result = await writeStatement(shapesVitest, { llm: llm() });
    expect(result.source).toBe('llm');
    expect(result.stats).toMatchObject({ llm: 1, fallback: 0, requests: 2, retries: 1 });
    expect(server.requests).toHaveLength(2);
    // Retry-After: 1 means one second between the two arrivals (our backoff alone would be ~20 ms).
    expect(server.requests[1]!.receivedAt - server.requests[0]!.receivedAt).toBeGreaterThanOrEqual(950);
  });

  it('falls back to the offline writer after 500s on every attempt, and counts it', async () => {
    server.handler = () => ({ kind: 'status', status: 500 });
    const result = await writeStatement(shapesVitest, { llm: llm({ maxRetries: 2 }) });
    expect(result.source).toBe('fallback');
    expect(result.statement).toBe(writeOfflineStatement(shapesVitest));
    expect(result.stats).toMatchObject({ llm: 0, fallback: 1, requests: 3, retries: 2 });
    expect(server.requests).toHaveLength(3);
    // Nothing is cached for a failure: the next run asks again.
    await writeStatement(shapesVitest, { llm: llm({ maxRetries: 0 }) });
    expect(server.requests).toHaveLength(4);
  });

  it('gives up at once when Retry-After is longer than maxRetryAfterMs', async () => {
    server.handler = () => ({ kind: 'status', status: 429, retryAfter: '3600' });
    const result = await writeStatement(shapesVitest, { llm: llm({ maxRetries: 3, maxRetryAfterMs: 10_000 }) });
    expect(result.source).toBe('fallback');
    expect(server.requests).toHaveLength(1);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('2', now)).toBe(2000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });

  it('does not retry a 400: the request itself is wrong', async () => {
    server.handler = () => ({ kind: 'status', status: 400 });
    const result = await writeStatement(shapesVitest, { llm: llm({ maxRetries: 3 }) });
    expect(result.source).toBe('fallback');
    expect(server.requests).toHaveLength(1);
  });

  it('times out a hanging request, retries it, and succeeds', async () => {
    server.handler = (req) => (req.index === 0 ? { kind: 'hang' } : { kind: 'ok', content: answerFor(req) });
    const result = await writeStatement(shapesVitest, { llm: llm({ timeoutMs: 300 }) });
    expect(result.source).toBe('llm');
    expect(result.stats).toMatchObject({ llm: 1, requests: 2, retries: 1 });
    expect(server.requests[1]!.receivedAt - server.requests[0]!.receivedAt).toBeGreaterThanOrEqual(290);
  });

  it('falls back when every attempt hangs', async () => {
    server.handler = () => ({ kind: 'hang' });
    const result = await writeStatement(slugMocha, { llm: llm({ timeoutMs: 200, maxRetries: 1 }) });
    expect(result.source).toBe('fallback');
    expect(result.statement).toBe(writeOfflineStatement(slugMocha));
    expect(server.requests).toHaveLength(2);
  });

  it('answers a rerun from the on-disk cache: zero requests at the server', async () => {
    const inputs = [shapesVitest, slugMocha, queueAva];
    const first = await writeStatements(inputs, { llm: llm() });
    expect(first.stats).toMatchObject({ llm: 3, cached: 0, requests: 3 });
    expect(server.requests).toHaveLength(3);
    const entries = (await readdir(cacheDir, { recursive: true })).filter((f) => f.endsWith('.json'));
    expect(entries).toHaveLength(3);

    // A new client (as in a new process) over the same cache directory.
    const second = await writeStatements(inputs, { llm: llm() });
    expect(server.requests).toHaveLength(3);
    expect(second.stats).toMatchObject({ llm: 0, cached: 3, requests: 0 });
    expect(second.sources).toEqual(['cached', 'cached', 'cached']);
    expect(second.statements).toEqual(first.statements);

    // A different model is a different request: it is sent.
    await writeStatement(shapesVitest, { llm: llm({ model: 'other-model' }) });
    expect(server.requests).toHaveLength(4);
  });

  it('keeps at most `concurrency` requests in flight, observed at the server', async () => {
    server.handler = (req) => ({ kind: 'ok', content: answerFor(req), delayMs: 150 });
    const inputs: StatementInput[] = Array.from({ length: 6 }, (_, i) => ({ ...slugMocha, step: i + 1 }));
    const result = await writeStatements(inputs, { llm: llm({ concurrency: 2, cacheDir: false, rpm: 60_000 }) });
    expect(result.stats.llm).toBe(6);
    expect(server.requests).toHaveLength(6);
    expect(server.maxInFlight).toBe(2);
  });

  it('spaces request starts to honour the rpm limit, observed at the server', async () => {
    const inputs: StatementInput[] = Array.from({ length: 5 }, (_, i) => ({ ...slugMocha, step: i + 1 }));
    // 600 per minute = one start every 100 ms.
    const result = await writeStatements(inputs, { llm: llm({ rpm: 600, concurrency: 5, cacheDir: false }) });
    expect(result.stats.llm).toBe(5);
    const arrivals = server.requests.map((r) => r.receivedAt).sort((a, b) => a - b);
    // Starts are spaced 100 ms apart by the client; on a loaded machine one arrival can lag and the
    // next catch up, so single gaps get slack while the whole span must honour the limit.
    for (let i = 1; i < arrivals.length; i++) expect(arrivals[i]! - arrivals[i - 1]!).toBeGreaterThanOrEqual(40);
    expect(arrivals[arrivals.length - 1]! - arrivals[0]!).toBeGreaterThanOrEqual(4 * 95);
  });

  it('shares one request between identical calls in flight', async () => {
    server.handler = (req) => ({ kind: 'ok', content: answerFor(req), delayMs: 100 });
    const client = new LlmClient({ ...llm(), baseUrl: server.url, model: 'test-model', cacheDir: false });
    const [a, b] = await Promise.all([
      client.chat([{ role: 'user', content: 'Step: 7' }]),
      client.chat([{ role: 'user', content: 'Step: 7' }]),
    ]);
    expect(a.content).toBe(b.content);
    expect(server.requests).toHaveLength(1);
  });
});

describe('leak check in the LLM writer', () => {
  const pasted = 'if (!Number.isFinite(radius) || radius < 0) throw new RangeError(\'radius must be a non-negative finite number\');';

  it('rejects a statement that pastes a reference body line, regenerates once, and keeps the clean answer', async () => {
    server.handler = (req) =>
      req.index === 0
        ? { kind: 'ok', content: `${answerFor(req)}\n\nImplementation hint: \`${pasted}\`` }
        : { kind: 'ok', content: answerFor(req) };
    const result = await writeStatement(shapesVitest, { llm: llm() });
    expect(result.source).toBe('llm');
    expect(result.statement).not.toContain('Number.isFinite(radius)');
    expect(result.stats).toMatchObject({ llm: 1, leakRejected: 1, fallback: 0, requests: 2 });
    // The regeneration request carries the rejected answer and the leak-retry prompt naming the fragment.
    const retry = server.requests[1]!.body.messages;
    expect(retry.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(retry[3]!.content).toContain('`if ( ! number . isfinite ( radius`');
  });

  it('falls back to offline when the regenerated statement leaks again', async () => {
    server.handler = (req) => ({ kind: 'ok', content: `${answerFor(req)}\n\n${pasted}` });
    const result = await writeStatement(shapesVitest, { llm: llm() });
    expect(result.source).toBe('fallback');
    expect(result.statement).toBe(writeOfflineStatement(shapesVitest));
    expect(result.stats).toMatchObject({ llm: 0, leakRejected: 2, fallback: 1, requests: 2 });
  });

  it('accepts an answer that quotes the expected error message the test itself shows', async () => {
    server.handler = (req) => ({
      kind: 'ok',
      content: `${answerFor(req)}\n\nA negative radius throws a RangeError: "radius must be a non-negative finite number".`,
    });
    const result = await writeStatement(shapesVitest, { llm: llm() });
    expect(result.source).toBe('llm');
    expect(result.stats.leakRejected).toBe(0);
  });
});

describe('docstrings', () => {
  const fns = [
    ...shapesVitest.functions,
    { id: 'src/math.ts:1:1:addAll', file: 'src/math.ts', name: 'addAll', kind: 'declaration' as const, signature: 'export function addAll(...xs: number[]): number', async: false, generator: false },
  ];

  it('writes offline docstrings from the signature for functions without JSDoc only', async () => {
    const docs = await writeDocstrings(fns);
    expect(Object.keys(docs).sort()).toEqual(['src/math.ts:1:1:addAll', 'src/shapes.ts:8:3:Circle#area']);
    expect(docs['src/shapes.ts:8:3:Circle#area']).toBe('/**\n * Area of `Circle`.\n *\n * @returns {number} The result.\n */');
    expect(docs['src/math.ts:1:1:addAll']).toContain('@param {...number} xs');
  });

  it('asks the LLM, extracts the JSDoc block, caches it, and falls back on failure', async () => {
    server.handler = (req) => ({
      kind: 'ok',
      content: `Here you go:\n\n/**\n   * Docs for ${/Function: (\S+)/.exec(req.body.messages[1]!.content)?.[1]}.\n   */`,
    });
    const stats = { llm: 0, cached: 0, offline: 0, fallback: 0, leakRejected: 0, requests: 0, retries: 0 };
    const docs = await writeDocstrings(fns, { llm: llm(), stats });
    expect(docs['src/shapes.ts:8:3:Circle#area']).toBe('/**\n * Docs for Circle#area.\n */');
    expect(server.requests[0]!.body.messages[1]!.content).toContain('area(): number');
    expect(stats).toMatchObject({ llm: 2, requests: 2 });

    const again = await writeDocstrings(fns, { llm: llm(), stats });
    expect(again).toEqual(docs);
    expect(server.requests).toHaveLength(2);
    expect(stats.cached).toBe(2);

    server.handler = () => ({ kind: 'status', status: 503 });
    const failed = await writeDocstrings(fns, { llm: llm({ cacheDir: false, maxRetries: 1 }), stats });
    expect(failed['src/shapes.ts:8:3:Circle#area']).toBe('/**\n * Area of `Circle`.\n *\n * @returns {number} The result.\n */');
    expect(stats.fallback).toBe(2);
  });

  it('rejects a docstring that pastes the body', async () => {
    server.handler = () => ({ kind: 'ok', content: '/**\n * Returns Math.PI * this.radius * this.radius.\n */' });
    const stats = { llm: 0, cached: 0, offline: 0, fallback: 0, leakRejected: 0, requests: 0, retries: 0 };
    const docs = await writeDocstrings([fns[0]!], {
      llm: llm(),
      stats,
      referenceBodies: { [fns[0]!.id]: shapesVitest.referenceBodies![0]! },
      leakNgram: 6,
    });
    expect(docs[fns[0]!.id]).not.toContain('this.radius');
    expect(stats).toMatchObject({ leakRejected: 2, fallback: 1 });
  });
});

describe('configuration', () => {
  it('reads the endpoint from SWEFLOW_LLM_* env variables', () => {
    const client = LlmClient.fromEnv({}, { SWEFLOW_LLM_BASE_URL: 'https://api.example.com/v1', SWEFLOW_LLM_MODEL: 'm' });
    expect(client?.url).toBe('https://api.example.com/v1/chat/completions');
    expect(LlmClient.fromEnv({}, {})).toBeUndefined();
  });

  it('refuses an LLM writer without endpoint', async () => {
    const saved = { ...process.env };
    delete process.env.SWEFLOW_LLM_BASE_URL;
    delete process.env.SWEFLOW_LLM_MODEL;
    try {
      await expect(writeStatement(shapesVitest, { llm: {} })).rejects.toMatchObject({ code: 'SWEFLOW_CONFIG_INVALID' });
    } finally {
      Object.assign(process.env, saved);
    }
  });
});
