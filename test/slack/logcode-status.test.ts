import { afterEach, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/index.js';
import { createLogcodeHandler } from '../../src/slack/logcode.js';
import { readLogcodeStatus } from '../../src/slack/logcode.js';
import { FIXED_NOW, replyText } from '../helpers/bolt-fixtures.js';
import { tempStateDb } from '../helpers/temp-db.js';

const TENANT = 'acme.eu.auth0.com';

describe('readLogcodeStatus (real SQLite)', () => {
  let cleanup: (() => void) | undefined;
  afterEach(() => {
    cleanup?.();
    cleanup = undefined;
  });

  function freshDb() {
    const temp = tempStateDb();
    cleanup = temp.cleanup;
    return temp;
  }

  function addOutboxRow({ db }: ReturnType<typeof freshDb>, channel: string, status: 'pending' | 'sent' | 'failed') {
    db.prepare(
      `INSERT INTO outbox (tenant, channel, kind, rule_id, incident, alert, status, created_at)
       VALUES (?, ?, 'alert', 'breached-password', 'inc-1', '{}', ?, ?)`,
    ).run(TENANT, channel, status, FIXED_NOW.toISOString());
  }

  it('is undefined before anything was recorded', async () => {
    expect(await readLogcodeStatus(freshDb().store, [TENANT])).toBeUndefined();
  });

  it('reports the last poll, checkpoint and outbox counts per channel', async () => {
    const temp = freshDb();
    const { db, store } = temp;
    await store.recordPollOutcome(TENANT, { ok: true, at: new Date(FIXED_NOW.getTime() - 120_000) });
    await store.recordPollOutcome(TENANT, { ok: false, error: 'Auth0 GET /api/v2/logs failed (HTTP 503)', at: new Date(FIXED_NOW.getTime() - 30_000) });
    db.prepare('UPDATE tenant_state SET checkpoint = ?, checkpoint_date = ? WHERE tenant = ?').run('9002024', '2025-01-01T11:45:00.000Z', TENANT);
    addOutboxRow(temp, '#sec', 'pending');
    addOutboxRow(temp, '#sec', 'pending');
    addOutboxRow(temp, '#sec', 'failed');
    addOutboxRow(temp, '#ops', 'sent');

    const status = (await readLogcodeStatus(store, [TENANT, 'other.us.auth0.com']))!;
    // A tenant that never polled has no row: only the known one is listed.
    expect(status.tenants).toEqual([
      {
        tenant: TENANT,
        lastPollAt: '2025-01-01T11:59:30.000Z',
        lastPollOk: false,
        lastPollError: 'Auth0 GET /api/v2/logs failed (HTTP 503)',
        lastSuccessAt: '2025-01-01T11:58:00.000Z',
        checkpoint: '9002024',
        checkpointDate: '2025-01-01T11:45:00.000Z',
      },
    ]);
    expect(status.outbox).toMatchObject({ pending: 2, failed: 1 });

    const text = replyText(await createLogcodeHandler({ catalog: loadCatalog(), rules: () => [], status: () => readLogcodeStatus(store, [TENANT]), now: () => FIXED_NOW })('status'));
    expect(text).toContain(`*Tenant:* ${TENANT}`);
    expect(text).toContain('*Last poll:* 30s ago');
    expect(text).toContain('failed: Auth0 GET /api/v2/logs failed (HTTP 503)');
    expect(text).toContain('*Last successful poll:* 2m ago');
    expect(text).toContain('events up to 15m old');
    expect(text).toContain('• #sec: 2 pending, 1 failed');
    expect(text).not.toContain('#ops');
  });

  it('lists several tenants, each with its own poll state', async () => {
    const { store } = freshDb();
    await store.recordPollOutcome('a.eu.auth0.com', { ok: true, at: new Date(FIXED_NOW.getTime() - 10_000) });
    await store.recordPollOutcome('b.us.auth0.com', { ok: false, error: 'Auth0 rejected the client credentials', at: new Date(FIXED_NOW.getTime() - 20_000) });
    const reply = await createLogcodeHandler({ catalog: loadCatalog(), rules: () => [], status: () => readLogcodeStatus(store, ['a.eu.auth0.com', 'b.us.auth0.com']), now: () => FIXED_NOW })('status');
    const text = replyText(reply);
    expect(text).toMatch(/\*Tenant:\* a\.eu\.auth0\.com\n\*Last poll:\* 10s ago \([^)]+\) — ok/);
    expect(text).toMatch(/\*Tenant:\* b\.us\.auth0\.com\n\*Last poll:\* 20s ago \([^)]+\) — failed: Auth0 rejected the client credentials/);
    expect(text).toContain('*Outbox:* 0 pending, 0 failed');
    expect(reply.text).toContain('a.eu.auth0.com: last poll 10s ago');
  });

  it('turns a closed database into the apology, not a crash', async () => {
    const { db, store } = freshDb();
    db.close();
    const reply = await createLogcodeHandler({ catalog: loadCatalog(), rules: () => [], status: () => readLogcodeStatus(store, [TENANT]) })('status');
    expect(replyText(reply)).toContain('lookup failed');
  });
});
