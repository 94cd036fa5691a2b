import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
// `ws` is what @slack/socket-mode itself uses; the stand-in plays Slack's side of the socket.
import { WebSocketServer, type WebSocket } from 'ws';

export interface ApiCall {
  method: string;
  authorization: string | undefined;
  /** The form or JSON body, decoded. */
  body: Record<string, unknown>;
}

/**
 * A local stand-in for Slack in Socket Mode: the Web API over HTTP (SLACK_API_URL =
 * `apiUrl`) answering auth.test, apps.connections.open (pointing at its WebSocket)
 * and any other method with `{ ok: true }` (or `answers[method]`), and the
 * WebSocket that delivers envelopes. `url('/x')` is an address on the same server
 * (a response_url).
 */
export async function startSocketStandIn(answers: Record<string, (body: Record<string, unknown>) => object> = {}) {
  const calls: ApiCall[] = [];
  const sockets = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  let socket: WebSocket | undefined;
  const connected = new Promise<WebSocket>((resolve) => {
    sockets.on('connection', (ws) => {
      socket = ws;
      ws.send(JSON.stringify({ type: 'hello', num_connections: 1, connection_info: { app_id: 'A0001' } }));
      resolve(ws);
    });
  });
  await new Promise<void>((resolve) => sockets.once('listening', () => resolve()));
  const wsPort = (sockets.address() as AddressInfo).port;
  const api: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const body = decode(raw, req.headers['content-type']);
      const method = (req.url ?? '').replace(/^\/api\//, '');
      calls.push({ method, authorization: req.headers.authorization, body });
      const answer =
        answers[method]?.(body) ??
        (method === 'apps.connections.open' ? { ok: true, url: `ws://127.0.0.1:${wsPort}/link` } : method === 'auth.test' ? { ok: true, user_id: 'UBOT', bot_id: 'BBOT' } : { ok: true });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  return {
    apiUrl: `${base}/api/`,
    url: (path: string) => `${base}${path}`,
    calls,
    connected,
    async close(): Promise<void> {
      socket?.terminate();
      await new Promise<void>((resolve) => sockets.close(() => resolve()));
      await new Promise<void>((resolve) => api.close(() => resolve()));
    },
  };
}

function decode(raw: string, contentType: string | undefined): Record<string, unknown> {
  if (!raw) return {};
  if (contentType?.includes('json')) return JSON.parse(raw) as Record<string, unknown>;
  const form = Object.fromEntries(new URLSearchParams(raw));
  for (const key of ['blocks', 'metadata']) if (typeof form[key] === 'string') form[key] = JSON.parse(form[key]);
  return form;
}
