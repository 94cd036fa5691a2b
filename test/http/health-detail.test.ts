import { afterEach, expect, it } from 'vitest';
import { createRouter, listen } from '../../src/http/server.js';
import { readHealthDetail, StreamDeliveryTally } from '../../src/http/health-detail.js';
import { PUBLIC_REASONS, readHealth } from '../../src/slack/health.js';
import { PgStateStore } from '../../src/state/postgres/store.js';
import { describePg, tempPgSchema } from '../helpers/pg.js';

// Issue 15/16 and the review: /healthz stays generic for anonymous callers; with
// `Authorization: Bearer <METRICS_TOKEN>` it tells, per tenant, the last stream
// delivery and how many this replica took, the last poll, and which replica holds
// the tenant's lease (PostgreSQL, two replicas).

const TOKEN = 'metrics-token-7f3a1c9e';
const MINUTE = 60_000;

await describePg('GET /healthz with METRICS_TOKEN (PostgreSQL)', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('anonymous and wrong-token callers get the generic body; the right token gets the detail', async () => {
    const temp = await tempPgSchema();
    const store = await PgStateStore.open(temp.url, { schema: temp.schema, maxConnections: 3 });
    cleanups.push(async () => {
      await store.close();
      await temp.drop();
    });
    const now = new Date();
    const at = (msAgo: number) => new Date(now.getTime() - msAgo);
    const tenants = ['acme', 'globex'];
    await store.recordPollOutcome('acme', { ok: true, at: at(MINUTE) });
    await store.recordPollOutcome('globex', { ok: true, at: at(2 * MINUTE) });
    await store.recordPollOutcome('globex', { ok: false, error: 'Auth0 GET /api/v2/logs failed (HTTP 503)', at: at(30_000) });
    await store.commitStreamBatch('acme', { ruleStateVersion: 0, ruleState: {}, alerts: [], logIds: ['s1', 's2'], defaultChannel: '#alerts', now: at(10_000) });
    // Two replicas: each holds one tenant's lease.
    await store.heartbeatReplica({ id: 'replica-a', host: 'a', pid: 1 }, MINUTE);
    await store.heartbeatReplica({ id: 'replica-b', host: 'b', pid: 2 }, MINUTE);
    expect(await store.acquireTenantLease('acme', 'replica-a', MINUTE)).toMatchObject({ held: true });
    expect(await store.acquireTenantLease('globex', 'replica-b', MINUTE)).toMatchObject({ held: true });
    // This replica (replica-a) took two stream batches of acme's, the second a retry.
    const tally = new StreamDeliveryTally();
    tally.record('acme', { evaluated: 2, duplicates: 0, skipped: 0 });
    tally.record('acme', { evaluated: 0, duplicates: 2, skipped: 0 });

    const replica = { id: 'replica-a', polling: 1, replicas: 2 };
    const health = async () => ({ ...(await readHealth(store, tenants, { startedAt: at(60 * MINUTE), intervalMs: MINUTE })), replica });
    const server = await listen(
      createRouter({ health, healthDetail: { token: TOKEN, read: (report) => readHealthDetail(store, tenants, report, tally) } }),
      0,
      '127.0.0.1',
    );
    cleanups.push(() => server.close());
    const get = async (headers: Record<string, string> = {}) => {
      const response = await fetch(`http://127.0.0.1:${server.port}/healthz`, { headers });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };

    // The generic body, word for word as without a token route (test/slack/health.test.ts).
    const generic = { status: 200, body: { status: 'ok', replica } };
    expect(await get()).toEqual(generic);
    expect(await get({ authorization: 'Bearer not-the-token' })).toEqual(generic);
    expect(await get({ authorization: `Bearer ${TOKEN.slice(0, -1)}` })).toEqual(generic);
    expect(await get({ authorization: `Basic ${TOKEN}` })).toEqual(generic);

    const detailed = await get({ authorization: `Bearer ${TOKEN}` });
    expect(detailed.status).toBe(200);
    expect(detailed.body).toEqual({
      status: 'ok',
      replica,
      tenants: {
        acme: {
          status: 'ok',
          lastPollAt: at(MINUTE).toISOString(),
          lastPollOk: true,
          lastPollError: null,
          lastSuccessAt: at(MINUTE).toISOString(),
          stream: { lastDeliveryAt: at(10_000).toISOString(), deliveries: 2, events: 4 },
          lease: { replica: 'replica-a', expiresAt: expect.any(String) },
        },
        globex: {
          status: 'ok',
          lastPollAt: at(30_000).toISOString(),
          lastPollOk: false,
          lastPollError: 'Auth0 GET /api/v2/logs failed (HTTP 503)',
          lastSuccessAt: at(2 * MINUTE).toISOString(),
          stream: { lastDeliveryAt: null, deliveries: 0, events: 0 },
          lease: { replica: 'replica-b', expiresAt: expect.any(String) },
        },
      },
    });

    // Degraded: 503 for everyone; the generic reason for anonymous callers, the real one with the token.
    await store.openProblem({ key: 'polling_failing:globex', kind: 'polling_failing', tenant: 'globex', summary: 'polling tenant globex has failed for 12 min' }, now);
    expect(await get()).toEqual({ status: 503, body: { status: 'degraded', reason: PUBLIC_REASONS.stale, replica } });
    const degraded = await get({ authorization: `Bearer ${TOKEN}` });
    expect(degraded.status).toBe(503);
    expect(degraded.body).toMatchObject({ status: 'degraded', reason: 'globex: polling tenant globex has failed for 12 min', tenants: { globex: { status: 'degraded' }, acme: { status: 'ok' } } });
  });
});

it('without METRICS_TOKEN there is no detail route: a bearer token changes nothing', async () => {
  const report = { status: 'ok' as const, lastSuccessAt: null, ageSeconds: null, maxAgeSeconds: 240 };
  const server = await listen(createRouter({ health: () => report }), 0, '127.0.0.1');
  try {
    const response = await fetch(`http://127.0.0.1:${server.port}/healthz`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(await response.json()).toEqual({ status: 'ok' });
  } finally {
    await server.close();
  }
});
