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

  function addOutboxRow({ db }: ReturnType<typeof freshDb>, channel: string, status: 'pending' | 'sent' | 'failed' | 'dead', lastError: string | null = null) {
    db.prepare(
      `INSERT INTO outbox (tenant, channel, kind, rule_id, incident, alert, status, created_at, last_error)
       VALUES (?, ?, 'alert', 'breached-password', 'inc-1', '{}', ?, ?, ?)`,
    ).run(TENANT, channel, status, FIXED_NOW.toISOString(), lastError);
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

  it('shows dead rows and the current problems, as the status command does (escaped, log gaps of the last week only)', async () => {
    const temp = freshDb();
    const { store } = temp;
    const at = (msAgo: number) => new Date(FIXED_NOW.getTime() - msAgo);
    await store.recordPollOutcome(TENANT, { ok: true, at: at(10_000) });
    addOutboxRow(temp, '#gone', 'dead', 'Slack: channel_not_found <!channel>');
    addOutboxRow(temp, '#gone', 'dead', 'Slack: channel_not_found <!channel>');
    addOutboxRow(temp, '#ops', 'sent');
    await store.openProblem({ key: 'dead_channel:#gone', kind: 'dead_channel', tenant: null, summary: 'alerts to #gone cannot be delivered: <!here> channel_not_found' }, at(3_600_000));
    await store.openProblem({ key: 'stream_silent:acme', kind: 'stream_silent', tenant: TENANT, summary: `tenant ${TENANT}: the log stream never delivered` }, at(600_000));
    // A log gap is settled by its notice at once; one from last month is no longer shown, one from yesterday is.
    await store.openProblem({ key: 'log_gap:old', kind: 'log_gap', tenant: TENANT, summary: 'old gap' }, at(30 * 86_400_000));
    await store.recordNotice('log_gap:old', { which: 'open', ts: '1.1', channel: '#sec' }, at(30 * 86_400_000));
    await store.openProblem({ key: 'log_gap:new', kind: 'log_gap', tenant: TENANT, summary: 'events between 10:00 and 11:00 were lost' }, at(86_400_000));
    await store.recordNotice('log_gap:new', { which: 'open', ts: '1.2', channel: '#sec' }, at(86_400_000));
    // A resolved problem is history.
    await store.openProblem({ key: 'polling_failing:acme', kind: 'polling_failing', tenant: TENANT, summary: 'polling failed' }, at(7_200_000));
    await store.resolveProblem('polling_failing:acme', at(7_000_000));

    const status = (await readLogcodeStatus(store, [TENANT], FIXED_NOW))!;
    expect(status.outbox).toMatchObject({ pending: 0, failed: 0, dead: 2 });
    expect(status.problems!.map((p) => p.kind)).toEqual(['log_gap', 'dead_channel', 'stream_silent']);

    const reply = await createLogcodeHandler({ catalog: loadCatalog(), rules: () => [], status: () => readLogcodeStatus(store, [TENANT], FIXED_NOW), now: () => FIXED_NOW })('status');
    const text = replyText(reply);
    expect(text).toContain('*Outbox:* 0 pending, 0 failed, 2 dead');
    expect(text).toContain('• #gone: 0 pending, 0 failed, 2 dead — last error: Slack: channel_not_found &lt;!channel&gt;');
    expect(text).toContain('*Problems (3):*');
    expect(text).toContain(`• \`dead_channel\` since ${at(3_600_000).toISOString()}: alerts to #gone cannot be delivered: &lt;!here&gt; channel_not_found`);
    expect(text).toContain(`• \`stream_silent\` since ${at(600_000).toISOString()}: tenant ${TENANT}: the log stream never delivered`);
    expect(text).toContain('events between 10:00 and 11:00 were lost');
    expect(text).not.toMatch(/old gap|polling failed|<!/);
    expect(reply.text).toContain('3 problems: log_gap, dead_channel, stream_silent');
    expect(reply.text).toContain('2 dead');
  });

  it('says there are no problems, and answers with only a problem recorded', async () => {
    const { store } = freshDb();
    await store.openProblem({ key: 'outbox_backlog:#sec', kind: 'outbox_backlog', tenant: null, summary: '#sec: 600 alerts pending' }, FIXED_NOW);
    expect(replyText(await createLogcodeHandler({ catalog: loadCatalog(), rules: () => [], status: () => readLogcodeStatus(store, [TENANT], FIXED_NOW), now: () => FIXED_NOW })('status'))).toContain(
      '`outbox_backlog`',
    );
    await store.resolveProblem('outbox_backlog:#sec', FIXED_NOW);
    await store.recordPollOutcome(TENANT, { ok: true, at: FIXED_NOW });
    expect(replyText(await createLogcodeHandler({ catalog: loadCatalog(), rules: () => [], status: () => readLogcodeStatus(store, [TENANT], FIXED_NOW), now: () => FIXED_NOW })('status'))).toContain('*Problems:* none');
  });

  it('turns a closed database into the apology, not a crash', async () => {
    const { db, store } = freshDb();
    db.close();
    const reply = await createLogcodeHandler({ catalog: loadCatalog(), rules: () => [], status: () => readLogcodeStatus(store, [TENANT]) })('status');
    expect(replyText(reply)).toContain('lookup failed');
  });
});
