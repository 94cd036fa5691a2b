import { request } from 'node:http';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { sleep } from './http.js';

/**
 * A stand-in for Auth0's Custom Webhook log stream: POSTs batches of log
 * events to the bot the way Auth0 does (docs: at least once, retried on
 * failure; `Authorization` carrying the stream's token verbatim; content
 * format JSON Lines, JSON array or one JSON object per request; items
 * `{"log_id", "data"}`).
 */
export type StreamFormat = 'jsonlines' | 'jsonarray' | 'jsonobject';

export interface Delivery {
  status: number;
  body: string;
}

export interface LogStreamStandInOptions {
  /** The bot's base URL, e.g. http://127.0.0.1:PORT. */
  url: string;
  /** The stream's Authorization Token, sent verbatim (e.g. "Bearer …"). */
  authorization?: string;
  /** `/auth0/log-stream` or `/auth0/log-stream/{tenant}`. */
  path?: string;
}

export interface LogStreamStandIn {
  /**
   * One request with these events in `format` (a JSONOBJECT batch must hold
   * exactly one event). Resolves with the answer, or rejects on a transport error.
   */
  post(events: ReadonlyArray<Record<string, unknown>>, format: StreamFormat, options?: { authorization?: string; body?: string | Buffer }): Promise<Delivery>;
  /**
   * Delivers a batch until the bot answers 2xx, as Auth0 keeps retrying an
   * errored delivery: connection failures and non-2xx answers are retried
   * after `retryMs`, for at most `deadlineMs`. Returns how many attempts it took.
   */
  deliver(events: ReadonlyArray<Record<string, unknown>>, format: StreamFormat, options?: { retryMs?: number; deadlineMs?: number }): Promise<number>;
  /** Every answer received, in order. */
  answers: Delivery[];
}

/** Auth0's item shape: the event under `data`, its log_id beside it. */
export function streamItem(event: Record<string, unknown>): Record<string, unknown> {
  return { log_id: event.log_id, data: event };
}

export function encodeBatch(events: ReadonlyArray<Record<string, unknown>>, format: StreamFormat): string {
  const items = events.map(streamItem);
  if (format === 'jsonlines') return `${items.map((item) => JSON.stringify(item)).join('\n')}\n`;
  if (format === 'jsonarray') return JSON.stringify(items);
  if (items.length !== 1) throw new Error(`a JSONOBJECT delivery carries one event, not ${items.length}`);
  return JSON.stringify(items[0]);
}

export function startLogStreamStandIn(options: LogStreamStandInOptions): LogStreamStandIn {
  const target = new URL(options.path ?? '/auth0/log-stream', options.url);
  const answers: Delivery[] = [];
  const post: LogStreamStandIn['post'] = (events, format, postOptions = {}) =>
    new Promise((resolve, reject) => {
      const payload = postOptions.body ?? encodeBatch(events, format);
      const authorization = postOptions.authorization ?? options.authorization;
      const req = request(
        {
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': String(Buffer.byteLength(payload)),
            ...(authorization !== undefined ? { authorization } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const answer = { status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') };
            answers.push(answer);
            resolve(answer);
          });
          res.on('error', reject);
        },
      );
      req.on('error', (error: NodeJS.ErrnoException) => {
        // The bot may answer early (413) and close while the body is still being sent: its answer may still come.
        if (error.code === 'EPIPE' || error.code === 'ECONNRESET') setTimeout(() => reject(error), 5_000);
        else reject(error);
      });
      req.end(payload);
    });
  return {
    answers,
    post,
    async deliver(events, format, deliverOptions = {}) {
      const deadline = Date.now() + (deliverOptions.deadlineMs ?? 60_000);
      for (let attempt = 1; ; attempt++) {
        const answer = await post(events, format).catch(() => undefined);
        if (answer && answer.status >= 200 && answer.status < 300) return attempt;
        if (Date.now() > deadline) throw new Error(`log-stream batch not accepted after ${attempt} attempts (last: ${answer ? `${answer.status} ${answer.body}` : 'no answer'})`);
        await sleep(deliverOptions.retryMs ?? 200);
      }
    },
  };
}

/** A free TCP port on 127.0.0.1 for the bot's PORT. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
