import type { IncomingMessage } from 'node:http';

export type BodyResult =
  | { ok: true; body: Buffer }
  /** 413: the body is over the limit (stated up front or found while reading); the rest was not read. */
  | { ok: false; status: 413; reason: string }
  /** The client went away or the body broke off before its end. */
  | { ok: false; status: 400; reason: string };

/**
 * After a 413, the rest of an oversized body is read and thrown away (never
 * kept), so that a client still sending gets to read the answer instead of a
 * connection reset; past this many bytes the connection is cut instead.
 */
const DISCARD_LIMIT_BYTES = 64 * 1024 * 1024;

/**
 * Reads a request body of at most `limitBytes`. A Content-Length over the
 * limit is refused before reading anything; a body growing past it is cut off
 * at the limit. Memory is bounded by the limit whatever the client sends.
 */
export function readBody(req: IncomingMessage, limitBytes: number): Promise<BodyResult> {
  const tooLarge = { ok: false, status: 413, reason: `request body is larger than ${formatBytes(limitBytes)}` } as const;
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) {
    discardRest(req, 0);
    return Promise.resolve(tooLarge);
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (result: BodyResult) => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) {
        chunks.length = 0;
        finish(tooLarge);
        discardRest(req, size);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => finish({ ok: true, body: Buffer.concat(chunks, size) });
    const onError = () => finish({ ok: false, status: 400, reason: 'the request body broke off' });
    const onAborted = () => finish({ ok: false, status: 400, reason: 'the client closed the request before its end' });
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}

function discardRest(req: IncomingMessage, alreadyRead: number): void {
  let discarded = alreadyRead;
  req.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > DISCARD_LIMIT_BYTES) req.socket.destroy();
  });
  req.on('error', () => {});
  req.resume();
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}
