import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadCatalog } from '../../src/catalog/index.js';
import { silentLogger } from '../../src/log.js';
import { startSlackCompanion } from '../../src/slack/companion.js';
import { SAMPLE_RULES } from '../helpers/bolt-fixtures.js';
import { tempStateDb } from '../helpers/temp-db.js';

/**
 * @slack/socket-mode (2.x and 3.x) waits `clientPingTimeout` (5 s by default) × consecutive failures of
 * apps.connections.open before each reconnect (SocketModeClient.delayReconnectAttempt); here that
 * call answers, so each refused WebSocket is retried after 5 s. A minute of fake time is far past
 * it: a client left running is seen reconnecting (the control test below shows it).
 */
const PAST_RECONNECT_DELAYS_MS = 60_000;

// Captured before any fake timer is installed: real waits for the sockets to do their work.
const realSetTimeout = globalThis.setTimeout;
const realWait = (ms: number) => new Promise<void>((resolve) => realSetTimeout(resolve, ms));

/** Moves fake time forward in 1 s steps, letting real I/O (HTTP, refused sockets) run between steps. */
async function advancePastReconnectDelays(): Promise<void> {
  for (let elapsed = 0; elapsed < PAST_RECONNECT_DELAYS_MS; elapsed += 1000) {
    await vi.advanceTimersByTimeAsync(1000);
    await realWait(5);
  }
}

/** A port nothing listens on: the WebSocket connection is refused and Socket Mode keeps retrying. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Shutdown while the Slack app is still starting. Socket Mode's start resolves only once
 * the socket is connected and reconnects forever until then: without the shutdown signal
 * stopping it, SIGTERM left `run` alive (reconnecting) after "stopped".
 */
describe('startSlackCompanion stopped while Socket Mode is still connecting', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    vi.useRealTimers();
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /**
   * A Slack Web API stand-in answering auth.test and apps.connections.open. The WebSocket URL it
   * hands out is a closed port (refused: Socket Mode reconnects after its delay), or from the
   * `liveFrom`-th call on, its own address, where it completes the handshake and says hello.
   */
  async function startConnecting(shutdown: AbortController, liveFrom = Number.POSITIVE_INFINITY) {
    // Only the timers: Date, nextTick and setImmediate stay real so sockets and promises run.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    const wsPort = await closedPort();
    const methods: string[] = [];
    let connectionOpened: () => void = () => {};
    const opened = new Promise<void>((resolve) => (connectionOpened = resolve));
    const api: Server = createServer((req, res) => {
      const method = (req.url ?? '').replace(/^\/api\//, '');
      methods.push(method);
      req.resume();
      const opens = methods.filter((m) => m === 'apps.connections.open').length;
      const url = opens >= liveFrom ? `ws://127.0.0.1:${(api.address() as AddressInfo).port}/link` : `ws://127.0.0.1:${wsPort}/link`;
      const body = method === 'apps.connections.open' ? { ok: true, url } : { ok: true, user_id: 'UBOT', bot_id: 'BBOT' };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (method === 'apps.connections.open') connectionOpened();
    });
    api.on('upgrade', (req: IncomingMessage, socket: Duplex) => {
      const accept = createHash('sha1').update(`${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
      const hello = Buffer.from('{"type":"hello"}');
      socket.write(Buffer.concat([Buffer.from([0x81, hello.length]), hello]));
      // Anything the client sends next is its close frame (no time passes for pings): hang up.
      socket.on('data', () => socket.destroy());
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => api.close(() => resolve())));
    const temp = tempStateDb();
    cleanups.push(temp.cleanup);
    const starting = startSlackCompanion({
      config: {
        slack: { botToken: 'xoxb-test', appToken: 'xapp-1-A0001-1-test', apiUrl: `http://127.0.0.1:${(api.address() as AddressInfo).port}/api/` },
        port: 0,
        healthPort: undefined,
        alertChannel: '#alerts',
        pollSchedule: '*/30 * * * * *',
        tenants: [{ key: 'acme.eu.auth0.com' }],
      },
      store: temp.store,
      catalog: loadCatalog(),
      rules: () => SAMPLE_RULES,
      logger: silentLogger(),
      signal: shutdown.signal,
    });
    // Whatever happens, the app is stopped before the stand-in closes.
    cleanups.push(async () => {
      shutdown.abort();
      const running = await starting.catch(() => undefined);
      await running?.stop();
    });
    await opened;
    return { methods, starting };
  }

  it('settles with nothing running once the shutdown signal aborts, and opens no further connection', async () => {
    const shutdown = new AbortController();
    const { methods, starting } = await startConnecting(shutdown);
    shutdown.abort();

    // Without the fix this promise never settles (the test times out).
    await expect(starting).resolves.toBeUndefined();
    expect(methods).toEqual(['auth.test', 'apps.connections.open']);
    // A socket client left running reconnects after its delay: nothing may happen then either.
    await advancePastReconnectDelays();
    expect(methods, 'Slack calls after shutdown, past the reconnect delays').toEqual(['auth.test', 'apps.connections.open']);
  });

  it('after several refused reconnects, stops without an unhandled rejection', async () => {
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    cleanups.push(() => void process.off('unhandledRejection', onRejection));
    const shutdown = new AbortController();
    const { methods, starting } = await startConnecting(shutdown);
    const opens = () => methods.filter((method) => method === 'apps.connections.open').length;
    // Socket Mode refused again and again: three more connection attempts, driven by fake time.
    for (let elapsed = 0; elapsed < PAST_RECONNECT_DELAYS_MS && opens() < 4; elapsed += 1000) {
      await vi.advanceTimersByTimeAsync(1000);
      await realWait(5);
    }
    expect(opens(), 'refused reconnects before the stop').toBe(4);
    shutdown.abort();
    await expect(starting).resolves.toBeUndefined();
    await advancePastReconnectDelays();
    // Unhandled rejections surface on the next turns of the event loop.
    await realWait(50);
    expect(rejections.map((reason) => String((reason as Error)?.message ?? reason)), 'unhandled rejections after stop').toEqual([]);
    expect(opens(), 'Slack calls after shutdown').toBe(4);
  });

  it('control: without shutdown, the same fake time makes Socket Mode reconnect (what the test above would see)', async () => {
    const shutdown = new AbortController();
    // The third connection attempt reaches a WebSocket that says hello: connected, nothing left pending.
    const { methods, starting } = await startConnecting(shutdown, 3);
    const opens = () => methods.filter((method) => method === 'apps.connections.open').length;
    for (let elapsed = 0; elapsed < PAST_RECONNECT_DELAYS_MS && opens() < 3; elapsed += 1000) {
      await vi.advanceTimersByTimeAsync(1000);
      await realWait(5);
    }
    expect(opens(), 'connection attempts driven by fake time alone').toBe(3);
    await expect(starting).resolves.toMatchObject({ stop: expect.any(Function) });
  });
});
