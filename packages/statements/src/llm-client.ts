import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ErrorCodes, SweFlowError, silentLogger, type Logger } from '@swe-flow/core';

/**
 * A client for any OpenAI-compatible `/v1/chat/completions` endpoint, built on Node's global fetch:
 * requests-per-minute spacing, a concurrency cap, retries with exponential backoff and jitter on 429
 * (honouring Retry-After), 5xx, network errors and timeouts, and an on-disk cache keyed by a hash of
 * the full request so that a rerun sends nothing.
 */

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** Request parameters that are part of the cache key. */
export interface ChatParams {
  temperature?: number;
  max_tokens?: number;
  top_p?: number;
  seed?: number;
}

export interface LlmOptions {
  /** e.g. `http://127.0.0.1:8080` or `https://api.example.com/v1`; env `SWEFLOW_LLM_BASE_URL`. */
  baseUrl?: string;
  /** env `SWEFLOW_LLM_MODEL`. */
  model?: string;
  /** Sent as `Authorization: Bearer …`; env `SWEFLOW_LLM_API_KEY`. Never part of the cache key. */
  apiKey?: string;
  /** Requests started per minute, evenly spaced; default 60. */
  rpm?: number;
  /** Requests in flight at once; default 4. */
  concurrency?: number;
  /** Retries after the first attempt; default 4. */
  maxRetries?: number;
  /** Per-attempt timeout; default 120 s. */
  timeoutMs?: number;
  /** First backoff delay; doubles per attempt, with jitter; default 1 s. */
  backoffBaseMs?: number;
  /** Backoff ceiling; default 30 s. */
  backoffMaxMs?: number;
  /** A Retry-After longer than this is not waited for: the request fails; default 120 s. */
  maxRetryAfterMs?: number;
  /** Cache directory; `false` disables the cache. Default `.swe-flow-cache/llm` under the cwd. */
  cacheDir?: string | false;
  /** Default request parameters; default `{ temperature: 0 }`. */
  params?: ChatParams;
  logger?: Logger;
}

export interface ChatResult {
  content: string;
  /** True when the answer came from the cache and no request was sent. */
  cached: boolean;
}

export interface LlmClientStats {
  /** HTTP requests sent, retries included. */
  requests: number;
  retries: number;
  /** Answers served from the cache. */
  cacheHits: number;
  /** Calls that failed after all retries. */
  failures: number;
}

/** Where a caller wants the requests of one call counted (besides the client's own totals). */
export interface RequestCounter {
  requests: number;
  retries: number;
}

export const LLM_ENV = {
  baseUrl: 'SWEFLOW_LLM_BASE_URL',
  model: 'SWEFLOW_LLM_MODEL',
  apiKey: 'SWEFLOW_LLM_API_KEY',
} as const;

/** Options merged with the environment; `undefined` when no endpoint or model is configured. */
export function resolveLlmOptions(
  options: LlmOptions = {},
  env: Record<string, string | undefined> = process.env,
): (LlmOptions & { baseUrl: string; model: string }) | undefined {
  const baseUrl = options.baseUrl ?? env[LLM_ENV.baseUrl];
  const model = options.model ?? env[LLM_ENV.model];
  const apiKey = options.apiKey ?? env[LLM_ENV.apiKey];
  if (!baseUrl || !model) return undefined;
  return { ...options, baseUrl, model, ...(apiKey ? { apiKey } : {}) };
}

/** `http://h:1` → `http://h:1/v1/chat/completions`; `https://h/v1` → `https://h/v1/chat/completions`. */
export function chatCompletionsUrl(baseUrl: string): string {
  const trimmed = baseUrl.replace(/\/+$/, '');
  if (trimmed.endsWith('/chat/completions')) return trimmed;
  if (/\/v\d+[a-z]*$/.test(trimmed)) return `${trimmed}/chat/completions`;
  return `${trimmed}/v1/chat/completions`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Retry-After: seconds or an HTTP date; `undefined` when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Starts at most `rpm` requests a minute, spaced evenly, and keeps at most `concurrency` in flight. */
class Limiter {
  private nextStart = 0;
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly intervalMs: number,
    private readonly concurrency: number,
  ) {}

  async acquire(): Promise<void> {
    if (this.active >= this.concurrency) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.active++;
    }
    // Reserve a start slot synchronously, so concurrent acquirers never share one.
    const now = Date.now();
    const start = Math.max(now, this.nextStart);
    this.nextStart = start + this.intervalMs;
    if (start > now) await sleep(start - now);
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next(); // the slot passes straight to the next waiter
    else this.active--;
  }
}

class RetryableError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

interface CacheEntry {
  key: string;
  request: unknown;
  content: string;
  createdAt: string;
}

export class LlmClient {
  readonly url: string;
  readonly model: string;
  readonly stats: LlmClientStats = { requests: 0, retries: 0, cacheHits: 0, failures: 0 };
  private readonly options: LlmOptions;
  private readonly limiter: Limiter;
  private readonly logger: Logger;
  private readonly inflight = new Map<string, Promise<ChatResult>>();

  constructor(options: LlmOptions & { baseUrl: string; model: string }) {
    this.options = options;
    this.url = chatCompletionsUrl(options.baseUrl);
    this.model = options.model;
    const rpm = options.rpm ?? 60;
    const concurrency = options.concurrency ?? 4;
    if (!(rpm > 0) || !(concurrency >= 1)) {
      throw new SweFlowError(ErrorCodes.CONFIG_INVALID, `LLM rpm (${rpm}) and concurrency (${concurrency}) must be positive; fix the LLM options`);
    }
    this.limiter = new Limiter(60_000 / rpm, Math.floor(concurrency));
    this.logger = options.logger ?? silentLogger;
  }

  /** Builds a client from options and env, or returns `undefined` when no LLM is configured. */
  static fromEnv(options: LlmOptions = {}, env: Record<string, string | undefined> = process.env): LlmClient | undefined {
    const resolved = resolveLlmOptions(options, env);
    return resolved ? new LlmClient(resolved) : undefined;
  }

  /** The exact body sent; its hash is the cache key (the API key and URL are not part of it). */
  requestBody(messages: readonly ChatMessage[], params: ChatParams = {}): Record<string, unknown> {
    return { model: this.model, messages, ...{ temperature: 0, ...this.options.params, ...params } };
  }

  static cacheKey(body: Record<string, unknown>): string {
    return createHash('sha256').update(canonicalJson(body)).digest('hex');
  }

  /** Sends a chat completion (or answers from the cache). Throws `SWEFLOW_LLM_FAILED` when all retries fail. */
  async chat(messages: readonly ChatMessage[], params: ChatParams = {}, sink?: RequestCounter): Promise<ChatResult> {
    const body = this.requestBody(messages, params);
    const key = LlmClient.cacheKey(body);
    const pending = this.inflight.get(key);
    // Identical requests in flight share one HTTP request.
    if (pending) return pending.then((r) => ({ ...r, cached: true }));
    const promise = this.chatUncoalesced(key, body, sink).finally(() => this.inflight.delete(key));
    this.inflight.set(key, promise);
    return promise;
  }

  private async chatUncoalesced(key: string, body: Record<string, unknown>, sink: RequestCounter | undefined): Promise<ChatResult> {
    const hit = await this.readCache(key);
    if (hit !== undefined) {
      this.stats.cacheHits++;
      return { content: hit, cached: true };
    }
    const content = await this.send(body, sink);
    await this.writeCache(key, body, content);
    return { content, cached: false };
  }

  private cachePath(key: string): string | undefined {
    const dir = this.options.cacheDir === undefined ? join(process.cwd(), '.swe-flow-cache', 'llm') : this.options.cacheDir;
    return dir === false ? undefined : join(dir, key.slice(0, 2), `${key}.json`);
  }

  private async readCache(key: string): Promise<string | undefined> {
    const path = this.cachePath(key);
    if (!path) return undefined;
    try {
      const entry = JSON.parse(await readFile(path, 'utf8')) as CacheEntry;
      return entry.key === key && typeof entry.content === 'string' ? entry.content : undefined;
    } catch {
      return undefined; // missing or torn entry: ask again
    }
  }

  private async writeCache(key: string, request: unknown, content: string): Promise<void> {
    const path = this.cachePath(key);
    if (!path) return;
    const entry: CacheEntry = { key, request, content, createdAt: new Date().toISOString() };
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(tmp, `${JSON.stringify(entry, null, 2)}\n`);
    await rename(tmp, path);
  }

  private backoff(attempt: number): number {
    const base = this.options.backoffBaseMs ?? 1000;
    const max = this.options.backoffMaxMs ?? 30_000;
    const ceiling = Math.min(max, base * 2 ** attempt);
    return ceiling / 2 + Math.random() * (ceiling / 2); // "equal jitter": never zero, never above the ceiling
  }

  private async send(body: Record<string, unknown>, sink: RequestCounter | undefined): Promise<string> {
    const maxRetries = this.options.maxRetries ?? 4;
    let lastError: unknown;
    for (let attempt = 0; attempt <= maxRetries; attempt++) {
      if (attempt > 0) {
        this.stats.retries++;
        if (sink) sink.retries++;
      }
      await this.limiter.acquire();
      this.stats.requests++;
      if (sink) sink.requests++;
      let retryAfterMs: number | undefined;
      try {
        return await this.attempt(body);
      } catch (error) {
        lastError = error;
        if (!(error instanceof RetryableError)) break;
        retryAfterMs = error.retryAfterMs;
        this.logger.debug('LLM request failed; retrying', { attempt, error: error.message });
      } finally {
        this.limiter.release();
      }
      if (attempt === maxRetries) break;
      const maxRetryAfter = this.options.maxRetryAfterMs ?? 120_000;
      if (retryAfterMs !== undefined && retryAfterMs > maxRetryAfter) break;
      await sleep(retryAfterMs ?? this.backoff(attempt));
    }
    this.stats.failures++;
    throw new SweFlowError(
      ErrorCodes.LLM_FAILED,
      `LLM request to ${this.url} failed: ${(lastError as Error)?.message ?? String(lastError)}; check SWEFLOW_LLM_BASE_URL/MODEL/API_KEY or run without an LLM`,
      { cause: lastError, details: { url: this.url, model: this.model } },
    );
  }

  private async attempt(body: Record<string, unknown>): Promise<string> {
    const timeoutMs = this.options.timeoutMs ?? 120_000;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
    try {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
      let response: Response;
      try {
        response = await fetch(this.url, { method: 'POST', headers, body: JSON.stringify(body), signal: controller.signal });
      } catch (error) {
        // Network errors and our own timeout are worth another try.
        throw new RetryableError(controller.signal.aborted ? `timed out after ${timeoutMs} ms` : (error as Error).message);
      }
      let text: string;
      try {
        text = await response.text();
      } catch (error) {
        throw new RetryableError(controller.signal.aborted ? `timed out after ${timeoutMs} ms` : (error as Error).message);
      }
      if (response.status === 429 || response.status === 408 || response.status >= 500) {
        throw new RetryableError(`HTTP ${response.status}: ${text.slice(0, 200)}`, parseRetryAfter(response.headers.get('retry-after')));
      }
      if (!response.ok) throw new Error(`HTTP ${response.status}: ${text.slice(0, 200)}`);
      let parsed: { choices?: { message?: { content?: unknown } }[] };
      try {
        parsed = JSON.parse(text) as typeof parsed;
      } catch {
        throw new RetryableError(`unreadable response body: ${text.slice(0, 200)}`);
      }
      const content = parsed.choices?.[0]?.message?.content;
      if (typeof content !== 'string' || content.trim() === '') throw new Error('response has no message content');
      return content;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** JSON with sorted object keys, so equal requests hash equally whatever the key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
