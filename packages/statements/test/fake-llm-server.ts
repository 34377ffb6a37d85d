import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A real HTTP server on 127.0.0.1 speaking the OpenAI chat-completions protocol, for tests: it can
 * answer, rate-limit (429 + Retry-After), fail (5xx) and hang, and it records every request it gets,
 * when it arrived, and how many were in flight at once.
 */

export interface RecordedRequest {
  index: number;
  path: string;
  authorization: string | undefined;
  body: {
    model: string;
    messages: { role: string; content: string }[];
    temperature?: number;
    [key: string]: unknown;
  };
  receivedAt: number;
}

export type Reply =
  | { kind: 'ok'; content: string; delayMs?: number }
  | { kind: 'status'; status: number; retryAfter?: string; body?: string }
  | { kind: 'hang' };

export type Handler = (request: RecordedRequest) => Reply | Promise<Reply>;

export interface FakeLlmServer {
  /** Base URL without `/v1`, e.g. `http://127.0.0.1:43123`. */
  url: string;
  requests: RecordedRequest[];
  /** Highest number of requests in flight at the same time. */
  maxInFlight: number;
  handler: Handler;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function completion(model: string, content: string): Record<string, unknown> {
  return {
    id: 'chatcmpl-test',
    object: 'chat.completion',
    created: 0,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  };
}

export async function startFakeLlmServer(handler: Handler): Promise<FakeLlmServer> {
  const sockets = new Set<Socket>();
  let inFlight = 0;
  const state: FakeLlmServer = {
    url: '',
    requests: [],
    maxInFlight: 0,
    handler,
    close: async () => {},
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, inFlight);
    let done = false;
    const finish = () => {
      if (!done) {
        done = true;
        inFlight--;
      }
    };
    res.on('close', finish);
    void (async () => {
      const raw = await readBody(req);
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
        return;
      }
      const request: RecordedRequest = {
        index: state.requests.length,
        path: req.url,
        authorization: req.headers.authorization,
        body: JSON.parse(raw) as RecordedRequest['body'],
        receivedAt: Date.now(),
      };
      state.requests.push(request);
      const reply = await state.handler(request);
      if (reply.kind === 'hang') return; // never answer; the client must time out
      if (reply.kind === 'status') {
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (reply.retryAfter !== undefined) headers['retry-after'] = reply.retryAfter;
        res.writeHead(reply.status, headers).end(reply.body ?? JSON.stringify({ error: { message: `status ${reply.status}` } }));
        return;
      }
      if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
      if (res.destroyed) return;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(completion(request.body.model, reply.content)));
    })();
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  state.url = `http://127.0.0.1:${port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return state;
}
