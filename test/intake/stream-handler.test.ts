import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { StateBusyError } from '../../src/errors.js';
import { createRouter, listen, type ListeningServer } from '../../src/http/server.js';
import { createLogStreamHandler, LOG_STREAM_DEFAULTS } from '../../src/intake/stream-handler.js';
import { TenantIntake } from '../../src/intake/tenant-intake.js';
import { setMetricsSink, type MetricsSink } from '../../src/metrics/index.js';
import { TenantCheckpointStore } from '../../src/run/checkpoint-store.js';
import { alertOnFailedLogins } from '../helpers/auth0-evaluator.js';
import { captureLogger, logEvent } from '../helpers/auth0-fixtures.js';
import { tempStateDb, type TempState } from '../helpers/temp-db.js';

const TOKEN = 'stream-token-acme-0d2c9f';
const GLOBEX_TOKEN = 'stream-token-globex-77aa1e';
/** Auth0's Custom Webhook item: the log event under `data`, its id beside it. */
const item = (seq: number, overrides: Record<string, unknown> = {}) => {
  const event = logEvent(seq, overrides);
  return { log_id: event.log_id, data: event };
};
const idOf = (seq: number) => logEvent(seq).log_id;

interface Harness {
  temp: TempState;
  server: ListeningServer;
  logs: ReturnType<typeof captureLogger>;
  stores: Map<string, TenantCheckpointStore>;
  statuses: Array<[string, number]>;
  post(path: string, body: string | Buffer, headers?: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }>;
  queued(tenant?: string): string[];
}

describe('POST /auth0/log-stream', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function harness(tenants: Array<{ key: string; logStreamToken?: string }> = [{ key: 'acme', logStreamToken: TOKEN }]): Promise<Harness> {
    const temp = tempStateDb();
    const logs = captureLogger();
    const stores = new Map<string, TenantCheckpointStore>();
    const intakes = new Map<string, TenantIntake>();
    for (const { key } of tenants) {
      const store = new TenantCheckpointStore(temp.store, key, '#alerts');
      stores.set(key, store);
      intakes.set(key, new TenantIntake({ tenant: key, store, evaluator: alertOnFailedLogins(), logger: logs.logger }));
    }
    const statuses: Array<[string, number]> = [];
    const restore = setMetricsSink({ ...noopSink(), streamRequest: (tenant, status) => statuses.push([tenant, status]) });
    const handler = createLogStreamHandler({ tenants, intakeFor: (key) => intakes.get(key), logger: logs.logger });
    const server = await listen(createRouter({ health: () => ({ status: 'ok', lastSuccessAt: null, ageSeconds: null, maxAgeSeconds: 0 }), logStream: handler }), 0, '127.0.0.1');
    cleanups.push(() => temp.cleanup(), () => server.close(), restore);
    return {
      temp,
      server,
      logs,
      stores,
      statuses,
      post: (path, body, headers = { authorization: `Bearer ${TOKEN}` }) => send(server.port, path, body, headers),
      queued: (tenant = 'acme') =>
        (temp.db.prepare('SELECT alert FROM outbox WHERE tenant = ? ORDER BY id').all(tenant) as Array<{ alert: string }>).map(
          (row) => (JSON.parse(row.alert) as { logIds: string[] }).logIds[0]!,
        ),
    };
  }

  it.each([
    // Each of Auth0's content formats, and bare events as /api/v2/logs returns them.
    { format: 'JSON Lines', body: [item(1), item(2), item(3)].map((i) => JSON.stringify(i)).join('\n') + '\n' },
    { format: 'JSON array', body: JSON.stringify([item(1), item(2), item(3)]) },
    { format: 'JSON array of bare events', body: JSON.stringify([logEvent(1), logEvent(2), logEvent(3)]) },
    { format: 'JSON Lines with CRLF and blank lines', body: `${JSON.stringify(item(1))}\r\n\r\n${JSON.stringify(item(2))}\r\n${JSON.stringify(item(3))}` },
  ])('stores a batch sent as $format, then answers 200', async ({ body }) => {
    const h = await harness();
    const response = await h.post('/auth0/log-stream', body);
    expect(response).toEqual({ status: 200, body: { received: 3, evaluated: 3, duplicates: 0, malformed: 0 } });
    expect(h.queued()).toEqual([idOf(1), idOf(2), idOf(3)]);
    expect((await h.temp.store.readTenant('acme'))?.lastStreamAt).not.toBeNull();
  });

  it('stores a JSON object body as one item (JSONOBJECT: one log per request), wrapped or bare', async () => {
    const h = await harness();
    expect((await h.post('/auth0/log-stream', JSON.stringify(item(1)))).body).toMatchObject({ received: 1, evaluated: 1 });
    expect((await h.post('/auth0/log-stream', JSON.stringify(logEvent(2)))).body).toMatchObject({ received: 1, evaluated: 1 });
    // The item's log_id stands in for an event without one.
    const { log_id: _dropped, ...withoutId } = logEvent(3);
    expect((await h.post('/auth0/log-stream', JSON.stringify({ log_id: idOf(3), data: withoutId }))).body).toMatchObject({ evaluated: 1 });
    expect(h.queued()).toEqual([idOf(1), idOf(2), idOf(3)]);
  });

  it('skips a batch already stored (Auth0 retried, or the poller brought it first): 200, nothing twice', async () => {
    const h = await harness();
    const body = JSON.stringify([item(1), item(2)]);
    await h.post('/auth0/log-stream', body);
    expect((await h.post('/auth0/log-stream', JSON.stringify([item(2), item(1), item(3), item(3)]))).body).toEqual({
      received: 4,
      evaluated: 1,
      duplicates: 3,
      malformed: 0,
    });
    expect(h.queued()).toEqual([idOf(1), idOf(2), idOf(3)]);
  });

  it('evaluates an event whose fields have the stream types (scope as an array), like the poller', async () => {
    const h = await harness();
    const response = await h.post('/auth0/log-stream', JSON.stringify([item(1, { scope: ['openid', 'profile'], details: { request: { path: '/x' } } })]));
    expect(response.body).toMatchObject({ evaluated: 1, malformed: 0 });
    expect(h.queued()).toEqual([idOf(1)]);
  });

  it('skips malformed items with a warning naming each, and stores the rest', async () => {
    const h = await harness();
    const body = [JSON.stringify(item(1)), '{"log_id": broken', JSON.stringify(item(2, { type: undefined })), JSON.stringify({ log_id: 'x', data: 'text' }), JSON.stringify(item(3))].join('\n');
    const response = await h.post('/auth0/log-stream', body);
    expect(response).toEqual({ status: 200, body: { received: 5, evaluated: 2, duplicates: 0, malformed: 3 } });
    expect(h.queued()).toEqual([idOf(1), idOf(3)]);
    const warnings = h.logs.records().filter((r) => r.level === 40).map((r) => r.msg);
    expect(warnings).toEqual([
      'skipping malformed log-stream item line 2',
      `skipping malformed log-stream item log_id ${idOf(2)}`,
      'skipping malformed log-stream item line 4',
    ]);
  });

  it.each([
    { why: 'not JSON at all', body: 'hello', reason: /not valid JSON, nor JSON Lines/ },
    { why: 'a truncated array', body: '[{"log_id": "1"', reason: /not valid JSON/ },
    { why: 'an object that is neither an item nor an event (e.g. a {"logs": [...]} wrapper)', body: JSON.stringify({ logs: [item(1)] }), reason: /must be one log item .* has the keys "logs"/ },
    { why: 'a JSON string', body: '"text"', reason: /neither an array, an object nor JSON Lines/ },
  ])('answers 400 with the reason for $why, storing nothing', async ({ body, reason }) => {
    const h = await harness();
    const response = await h.post('/auth0/log-stream', body);
    expect(response.status).toBe(400);
    expect(response.body.error).toMatch(reason);
    expect(h.queued()).toEqual([]);
    expect(await h.temp.store.readTenant('acme')).toBeUndefined();
  });

  it.each([
    { why: 'no Authorization header', headers: {} as Record<string, string> },
    { why: 'a wrong token', headers: { authorization: 'Bearer WRONG-token-4471' } },
    { why: 'a wrong bare token', headers: { authorization: 'WRONG-token-4471' } },
    { why: 'the token with another scheme', headers: { authorization: `Basic ${TOKEN}` } },
    { why: 'a prefix of the token', headers: { authorization: `Bearer ${TOKEN.slice(0, -1)}` } },
  ])('answers 401 for $why, storing nothing and logging no header', async ({ headers }) => {
    const h = await harness();
    const response = await h.post('/auth0/log-stream', JSON.stringify([item(1)]), headers);
    expect(response.status).toBe(401);
    expect(h.queued()).toEqual([]);
    expect(await h.temp.store.readTenant('acme')).toBeUndefined();
    expect(h.logs.lines.join('\n')).not.toMatch(/WRONG-token|stream-token-acme/);
    expect(h.statuses).toEqual([['acme', 401]]);
  });

  it.each([
    // Auth0 sends the Authorization Token verbatim: with a scheme or without.
    { form: 'Bearer <token>', header: `Bearer ${TOKEN}` },
    { form: 'bearer <token> (scheme in any case)', header: `bearer ${TOKEN}` },
    { form: 'the bare token', header: TOKEN },
  ])('accepts $form', async ({ header }) => {
    const h = await harness();
    expect((await h.post('/auth0/log-stream', JSON.stringify([item(1)]), { authorization: header })).status).toBe(200);
  });

  it('is off (404) for a tenant without a log-stream token, and entirely off without any', async () => {
    const off = await harness([{ key: 'acme' }]);
    expect((await off.post('/auth0/log-stream', JSON.stringify([item(1)]))).status).toBe(404);
    expect((await off.post('/auth0/log-stream/acme', JSON.stringify([item(1)]))).status).toBe(404);
    expect(off.queued()).toEqual([]);
  });

  it('routes several tenants by path, each with its own token', async () => {
    const h = await harness([
      { key: 'acme', logStreamToken: TOKEN },
      { key: 'globex', logStreamToken: GLOBEX_TOKEN },
      { key: 'initech' },
    ]);
    const body = JSON.stringify([item(1)]);
    expect(await h.post('/auth0/log-stream', body)).toMatchObject({ status: 404, body: { error: 'several tenants: post to /auth0/log-stream/{tenant}' } });
    expect((await h.post('/auth0/log-stream/globex', body, { authorization: `Bearer ${TOKEN}` })).status).toBe(401);
    expect((await h.post('/auth0/log-stream/globex', body, { authorization: `Bearer ${GLOBEX_TOKEN}` })).status).toBe(200);
    expect((await h.post('/auth0/log-stream/initech', body)).status).toBe(401);
    expect((await h.post('/auth0/log-stream/nobody', body)).status).toBe(401);
    expect((await h.post('/auth0/log-stream/acme/extra', body)).status).toBe(404);
    expect(h.queued('globex')).toEqual([idOf(1)]);
    expect(h.queued('acme')).toEqual([]);
    expect(h.statuses).toEqual([['', 404], ['globex', 401], ['globex', 200], ['', 401], ['', 401]]);
  });

  it('answers a tenant name without a stream, or unknown, exactly like a wrong token, and logs both alike', async () => {
    const h = await harness([
      { key: 'acme', logStreamToken: TOKEN },
      { key: 'globex', logStreamToken: GLOBEX_TOKEN },
      { key: 'initech' },
    ]);
    const body = JSON.stringify([item(1)]);
    // Status, headers and body, as a client sees them (the Date header aside).
    const post = (path: string, headers: Record<string, string>) => send(h.server.port, path, body, headers, { headers: true });
    const wrongToken = await post('/auth0/log-stream/acme', { authorization: `Bearer ${GLOBEX_TOKEN}` });
    expect(wrongToken).toMatchObject({ status: 401, headers: { 'www-authenticate': 'Bearer' } });
    // Even a valid token of another tenant tells nothing about names that have no stream.
    for (const name of ['nobody', 'initech', '%E0%A4%A']) {
      expect(await post(`/auth0/log-stream/${name}`, { authorization: `Bearer ${GLOBEX_TOKEN}` })).toEqual(wrongToken);
    }
    expect(await post('/auth0/log-stream/nobody', {})).toEqual(await post('/auth0/log-stream/acme', {}));
    expect(h.queued('acme')).toEqual([]);
    expect(h.queued('globex')).toEqual([]);
    // The log line: same words and fields for the existing and the unknown name (the name as requested).
    const rejected = h.logs.records().filter((r) => String(r.msg).startsWith('rejected'));
    expect(rejected.map(({ time: _t, ...rest }) => rest)).toEqual([
      expect.objectContaining({ tenant: 'acme', authorization: 'wrong' }),
      expect.objectContaining({ tenant: 'nobody', authorization: 'wrong' }),
    ]);
    const [known, unknown] = rejected.map(({ time: _t, tenant: _n, ...rest }) => rest);
    expect(unknown).toEqual(known);
    expect(h.logs.lines.join('\n')).not.toMatch(/stream-token-/);
  });

  it('answers 413 for a body over 5 MB, declared or not, without storing anything', async () => {
    const h = await harness();
    // The limit: 5 MB (Auth0 documents no batch size; Slack's endpoint keeps its own smaller limit).
    const fiveMb = 5 * 1024 * 1024;
    expect(LOG_STREAM_DEFAULTS.maxBodyBytes).toBe(fiveMb);
    const big = Buffer.alloc(fiveMb + 1, 0x20);
    expect((await h.post('/auth0/log-stream', big)).status).toBe(413);
    const chunked = await send(h.server.port, '/auth0/log-stream', big, { authorization: `Bearer ${TOKEN}` }, { chunked: true });
    expect(chunked.status).toBe(413);
    expect(chunked.body).toEqual({ text: `request body larger than ${fiveMb} bytes\n` });
    expect(h.queued()).toEqual([]);
    // Exactly at the limit is read (blank: an empty batch).
    expect((await h.post('/auth0/log-stream', Buffer.alloc(fiveMb, 0x20))).status).toBe(200);
  });

  it('answers 503 when the batch cannot be stored, and the retry stores it once', async () => {
    const h = await harness();
    const store = h.stores.get('acme')!;
    const commitStream = store.commitStream.bind(store);
    let failures = 1;
    store.commitStream = async (batch) => {
      if (failures-- > 0) throw new StateBusyError('state database is locked by another process');
      return commitStream(batch);
    };
    const body = JSON.stringify([item(1), item(2)]);
    expect((await h.post('/auth0/log-stream', body)).status).toBe(503);
    expect(failures).toBe(0); // the fault fired
    expect(h.queued()).toEqual([]);
    expect((await h.post('/auth0/log-stream', body)).body).toMatchObject({ evaluated: 2 });
    expect(h.queued()).toEqual([idOf(1), idOf(2)]);
  });

  it('answers 405 to anything but POST', async () => {
    const h = await harness();
    const response = await fetch(`http://127.0.0.1:${h.server.port}/auth0/log-stream`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(response.status).toBe(405);
  });
});

function noopSink(): MetricsSink {
  return { eventsIngested() {}, alertsQueued() {}, pollCompleted() {}, streamDelivered() {}, streamRequest() {}, rateLimitWaits() {}, notification() {} };
}

/** A raw HTTP POST (fetch would refuse to read an early 413 while it still sends). */
function send(
  port: number,
  path: string,
  body: string | Buffer,
  headers: Record<string, string>,
  options: { chunked?: boolean; headers?: boolean } = {},
): Promise<{ status: number; body: Record<string, unknown>; headers?: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const payload = typeof body === 'string' ? Buffer.from(body) : body;
    const req = request(
      { host: '127.0.0.1', port, path, method: 'POST', headers: { 'content-type': 'application/json', ...(options.chunked ? {} : { 'content-length': String(payload.length) }), ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          // A refusal before the body is read (413) is plain text, written straight to the socket.
          const json = String(res.headers['content-type'] ?? '').includes('json');
          resolve({ status: res.statusCode ?? 0, body: !text ? {} : json ? (JSON.parse(text) as Record<string, unknown>) : { text }, ...(options.headers ? { headers: { ...res.headers, date: undefined } } : {}) });
        });
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => {
      // The server may close the connection after its 413 while we still write: the answer came first.
      if (error.code === 'EPIPE' || error.code === 'ECONNRESET') return;
      reject(error);
    });
    if (options.chunked) {
      for (let offset = 0; offset < payload.length; offset += 64 * 1024) req.write(payload.subarray(offset, offset + 64 * 1024));
      req.end();
    } else {
      req.end(payload);
    }
  });
}
