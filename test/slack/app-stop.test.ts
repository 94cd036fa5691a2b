import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/index.js';
import { silentLogger } from '../../src/log.js';
import { startSlackCompanion } from '../../src/slack/app.js';
import { SAMPLE_RULES } from '../helpers/bolt-fixtures.js';
import { tempStateDb } from '../helpers/temp-db.js';

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
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('settles with nothing running once the shutdown signal aborts, and opens no further connection', async () => {
    const wsPort = await closedPort();
    const methods: string[] = [];
    let connectionOpened: () => void = () => {};
    const opened = new Promise<void>((resolve) => (connectionOpened = resolve));
    const api: Server = createServer((req, res) => {
      const method = (req.url ?? '').replace(/^\/api\//, '');
      methods.push(method);
      req.resume();
      const body = method === 'apps.connections.open' ? { ok: true, url: `ws://127.0.0.1:${wsPort}/link` } : { ok: true, user_id: 'UBOT', bot_id: 'BBOT' };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (method === 'apps.connections.open') connectionOpened();
    });
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => api.close(() => resolve())));
    const temp = tempStateDb();
    cleanups.push(temp.cleanup);

    const shutdown = new AbortController();
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
    await opened;
    shutdown.abort();

    // Without the fix this promise never settles (the test times out).
    await expect(starting).resolves.toBeUndefined();
    expect(methods).toEqual(['auth.test', 'apps.connections.open']);
  });
});
