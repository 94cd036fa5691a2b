import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { limitRequestBodies, type BufferedRequest } from '../../src/http/body-limit.js';
import { upload } from '../helpers/http-upload.js';

const LIMIT = 64 * 1024;
const FIFTY_MB = 50 * 1024 * 1024;

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server?.closeAllConnections();
  server = undefined;
});

interface Seen {
  handled: Array<{ body: string }>;
  /** Bytes the server read from each refused connection's socket, once it closed. */
  socketBytesRead: number[];
}

async function limitedServer(): Promise<{ port: number; seen: Seen }> {
  const seen: Seen = { handled: [], socketBytesRead: [] };
  const inner = (req: IncomingMessage, res: import('node:http').ServerResponse) => {
    seen.handled.push({ body: (req as BufferedRequest).rawBody?.toString() ?? '' });
    res.end('handled');
  };
  server = createServer(
    limitRequestBodies(inner, {
      maxBytes: LIMIT,
      onRefuse: (req) => req.socket.once('close', () => seen.socketBytesRead.push(req.socket.bytesRead)),
    }),
  );
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, seen };
}

describe('limitRequestBodies (issue 11, point 5)', () => {
  it('a 50 MB body with its Content-Length: 413, the handler never runs, the body is not read', async () => {
    const { port, seen } = await limitedServer();
    const result = await upload(port, FIFTY_MB, true);
    expect(result.status).toBe(413);
    expect(seen.handled).toEqual([]);
    await expect.poll(() => seen.socketBytesRead.length).toBe(1);
    // Refused on the header: only what Node's parser had already pulled off the
    // socket (a few 64 KiB reads) was ever read.
    expect(seen.socketBytesRead[0]).toBeLessThan(512 * 1024);
    expect(result.written).toBeLessThan(FIFTY_MB);
  });

  it('a 50 MB chunked body: 413 once it passes the limit, the rest is not read', async () => {
    const { port, seen } = await limitedServer();
    const result = await upload(port, FIFTY_MB, false);
    expect(result.status).toBe(413);
    expect(seen.handled).toEqual([]);
    await expect.poll(() => seen.socketBytesRead.length).toBe(1);
    // The limit plus what was in flight: a few socket reads, never the 50 MB.
    expect(seen.socketBytesRead[0]).toBeLessThan(LIMIT + 512 * 1024);
  });

  it('a body within the limit reaches the handler already read, byte for byte', async () => {
    const { port, seen } = await limitedServer();
    const body = 'x'.repeat(LIMIT);
    const response = await fetch(`http://127.0.0.1:${port}/slack/events`, { method: 'POST', body });
    expect(response.status).toBe(200);
    expect(seen.handled).toEqual([{ body }]);
  });

  it('GET requests pass untouched; an unparsable Content-Length is refused', async () => {
    const { port, seen } = await limitedServer();
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    const status = await new Promise<number | undefined>((resolve) => {
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers: { 'content-length': '-1' } }, (res) => resolve(res.statusCode));
      req.on('error', () => resolve(undefined));
      req.end();
    });
    expect(status === 400 || status === undefined).toBe(true);
    expect(seen.handled).toHaveLength(1);
  });
});
