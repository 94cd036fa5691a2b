import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fault the stand-ins can inject in place of (or before) a normal answer.
 * - `status`: answer with this HTTP status (429 carries rate-limit headers) and do nothing else;
 * - `slow`: wait `ms`, then answer normally;
 * - `late`: do the work at once (a post is recorded), but answer only after `ms`
 *   (the window where a client killed or timed out does not know it succeeded);
 * - `reset`: destroy the socket without answering (the client sees ECONNRESET);
 * - `hang`: never answer (the client must time out);
 * - `pass`: answer normally (spaces queued faults out over several calls);
 * - `echo`: answer `status` with an error body that echoes the request's Authorization
 *   header in its code and message fields (an API that reflects credentials).
 */
export type Fault =
  | { kind: 'echo'; status: number }
  | { kind: 'status'; status: number; retryAfterSeconds?: number }
  | { kind: 'slow'; ms: number }
  | { kind: 'late'; ms: number }
  | { kind: 'reset' }
  | { kind: 'hang' }
  | { kind: 'pass' };

/** Faults queued for the next requests whose path matches (`*` = any path). */
export class FaultQueue {
  private readonly queue: Array<{ path: string; fault: Fault }> = [];
  private chaos?: { path: string; rate: number; faults: Fault[]; random: () => number };

  /** Queues `fault` for the next `times` requests to `path`. */
  push(path: string, fault: Fault, times = 1): void {
    for (let i = 0; i < times; i++) this.queue.push({ path, fault });
  }

  /** From now on, each request to `path` fails with probability `rate`, picking a fault with a seeded PRNG. */
  setChaos(path: string, rate: number, faults: Fault[], seed: number): void {
    this.chaos = { path, rate, faults, random: seededRandom(seed) };
  }

  clear(): void {
    this.queue.length = 0;
    this.chaos = undefined;
  }

  get pending(): number {
    return this.queue.length;
  }

  take(path: string): Fault | undefined {
    const index = this.queue.findIndex((entry) => entry.path === '*' || entry.path === path);
    if (index >= 0) return this.queue.splice(index, 1)[0]!.fault;
    const chaos = this.chaos;
    if (chaos && (chaos.path === '*' || chaos.path === path) && chaos.random() < chaos.rate) {
      return chaos.faults[Math.floor(chaos.random() * chaos.faults.length)];
    }
    return undefined;
  }
}

/** mulberry32: small, fast, good enough to make test chaos reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  fault?: Fault['kind'];
  at: number;
  /** When the answer was sent (a `late` fault sends it well after the work was done). */
  answeredAt?: number;
  /** Which client made it: the bearer token it carried (each bot process gets its own). */
  client?: string;
}

export type Handler = (request: IncomingMessage, body: string, url: URL) => Promise<HttpAnswer> | HttpAnswer;
export interface HttpAnswer {
  status: number;
  headers?: Record<string, string>;
  body: unknown;
}

export interface StandInServer {
  server: Server;
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Starts a node:http server on 127.0.0.1 with an ephemeral port. */
export async function listen(handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<StandInServer> {
  const server = createServer(handle);
  // Keep-alive sockets would hold close() open; the stand-ins are short-lived.
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/** Parses a JSON or form-urlencoded body into a flat record (form values stay strings). */
export function parseBody(request: IncomingMessage, body: string): Record<string, unknown> {
  if (body.trim() === '') return {};
  const type = request.headers['content-type'] ?? '';
  if (type.includes('application/json')) {
    try {
      const parsed: unknown = JSON.parse(body);
      return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  }
  return Object.fromEntries(new URLSearchParams(body));
}

export function send(response: ServerResponse, answer: HttpAnswer): void {
  const payload = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
  response.writeHead(answer.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    ...answer.headers,
  });
  response.end(payload);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends the normal answer, after the delay of a `late` fault (the work is already done). */
export async function answerAfterFault(fault: Fault | undefined, response: ServerResponse, answer: HttpAnswer, record: RecordedRequest): Promise<void> {
  if (fault?.kind === 'late') await sleep(fault.ms);
  send(response, answer);
  record.answeredAt = Date.now();
}

/**
 * Plays a fault against a request: true when the fault answered (or dropped) it,
 * false when the request should go on to the normal handler. Each stand-in says
 * how its API answers an error status.
 */
export async function applyFault(
  fault: Fault,
  request: IncomingMessage,
  response: ServerResponse,
  record: RecordedRequest,
  errorAnswer: (status: number, retryAfterSeconds: number) => HttpAnswer,
): Promise<boolean> {
  switch (fault.kind) {
    case 'slow':
      await sleep(fault.ms);
      return false;
    case 'pass':
    case 'late': // the stand-in answers late after doing the work: see answerAfterFault
      return false;
    case 'reset':
      request.socket.destroy();
      return true;
    case 'hang':
      return true;
    case 'echo': {
      record.status = fault.status;
      const credentials = String(request.headers.authorization ?? '');
      send(response, {
        status: fault.status,
        body: { statusCode: fault.status, error: credentials, errorCode: `Authorization: ${credentials}`, message: `Invalid request with ${credentials}` },
      });
      return true;
    }
    case 'status':
      record.status = fault.status;
      send(response, errorAnswer(fault.status, fault.retryAfterSeconds ?? 1));
      return true;
  }
}
