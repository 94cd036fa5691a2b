import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';

/**
 * Request limits in front of any HTTP endpoint the bot serves. A body over the
 * limit is refused with 413 before it is read (by its Content-Length) or as
 * soon as it passes the limit (chunked), and the connection is closed so that
 * the rest is never read: memory stays flat whatever a client sends.
 * The log stream takes up to 5 MB (its own handler reads with readLimitedBody).
 */
export const BODY_LIMITS = {
  /**
   * POST /slack/events. A slash command is a few KiB, but a click (block_actions) carries the
   * whole message clicked, blocks and all, URL-encoded: an alert whose log values are long and
   * escape-heavy (an attacker picks user names and user agents) came to 90–130 KiB, a sequence
   * alert of 8 steps to ~500 KiB, and 64 KiB refused their buttons with 413 — the attacker kept
   * responders from acknowledging or muting. 1 MiB holds the largest message the bot builds
   * (app-limits.test.ts) and still bounds what an unsigned request can make the bot buffer.
   */
  slackEvents: 1024 * 1024,
} as const;

export type BodyRead = { ok: true; body: Buffer } | { ok: false; status: 413 | 400 };

/**
 * Reads a request's body, at most `maxBytes`. Never buffers more than that:
 * a declared Content-Length over the limit is refused without reading a byte.
 */
export function readLimitedBody(req: IncomingMessage, maxBytes: number): Promise<BodyRead> {
  const declared = req.headers['content-length'];
  if (declared !== undefined) {
    const length = Number(declared);
    if (!Number.isSafeInteger(length) || length < 0) return Promise.resolve({ ok: false, status: 400 });
    if (length > maxBytes) return Promise.resolve({ ok: false, status: 413 });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (result: BodyRead) => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      if (!result.ok) req.pause();
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) settle({ ok: false, status: 413 });
      else chunks.push(chunk);
    };
    const onEnd = () => settle({ ok: true, body: Buffer.concat(chunks, size) });
    const onError = () => settle({ ok: false, status: 400 });
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

/**
 * After refusing, the connection stays open (not read from) this long before it
 * is closed: closing a socket with unread data resets it, and a client still
 * uploading would see the reset instead of the answer.
 */
export const LINGER_MS = 1_000;

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 413: 'Payload Too Large' };

/**
 * Answers a refused request and closes its connection without reading the rest
 * of the body. The answer is written straight to the socket, which is paused at
 * once and destroyed after LINGER_MS: through ServerResponse, Node would either
 * drain the unread body (keep-alive) or destroy the socket the moment the answer
 * is flushed (Connection: close), resetting it before an uploading client reads it.
 */
export function refuse(req: IncomingMessage, res: ServerResponse, status: number, reason: string): void {
  const socket = req.socket;
  if (!res.headersSent && socket.writable) {
    const body = `${reason}\n`;
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Refused'}\r\ncontent-type: text/plain; charset=utf-8\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  }
  req.pause();
  socket.pause();
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
}

export interface BodyLimitOptions {
  /** Largest body accepted, in bytes. */
  maxBytes: number;
  /** Which requests the limit applies to; others pass untouched. @default every request with a body */
  applies?: (req: IncomingMessage) => boolean;
  /**
   * Checked before any byte of the body is read (headers only): a status and a
   * reason refuse the request (e.g. a stale or future signature timestamp).
   */
  precheck?: (req: IncomingMessage) => { status: number; reason: string } | undefined;
  /** Told about every refusal (a log line; never the body). */
  onRefuse?: (req: IncomingMessage, status: number, reason: string) => void;
}

/** The body as `listener` will find it: Bolt's HTTPReceiver uses `rawBody` when present instead of reading the stream. */
export interface BufferedRequest extends IncomingMessage {
  rawBody?: Buffer;
}

/**
 * Wraps a request listener: a body the limit applies to is read here (bounded)
 * and handed on as `req.rawBody`; an oversized body gets 413 without being read.
 */
export function limitRequestBodies(listener: RequestListener, options: BodyLimitOptions): RequestListener {
  const applies = options.applies ?? ((req: IncomingMessage) => req.method !== 'GET' && req.method !== 'HEAD');
  return (req, res) => {
    if (!applies(req)) {
      listener(req, res);
      return;
    }
    const refusal = options.precheck?.(req);
    if (refusal) {
      options.onRefuse?.(req, refusal.status, refusal.reason);
      refuse(req, res, refusal.status, refusal.reason);
      return;
    }
    void readLimitedBody(req, options.maxBytes).then((read) => {
      if (!read.ok) {
        const reason = read.status === 413 ? `request body larger than ${options.maxBytes} bytes` : 'unreadable request body';
        options.onRefuse?.(req, read.status, reason);
        refuse(req, res, read.status, reason);
        return;
      }
      (req as BufferedRequest).rawBody = read.body;
      listener(req, res);
    });
  };
}
