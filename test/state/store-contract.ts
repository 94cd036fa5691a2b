import { afterEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/engine/alert.js';
import { StateBusyError, StateError } from '../../src/errors.js';
import { RETENTION_MS, type StateStore } from '../../src/state/store.js';
import { makeAlert } from '../helpers/slack-fixtures.js';
import { describeControlsContract } from './controls-contract.js';
import { describeIntakeContract } from './store-contract-intake.js';
import { describeProfileContract } from './profile-contract.js';
import { describeRuleStatePartsContract } from './rule-state-parts-contract.js';

/** A fresh, empty store of one back end; `reopen` is a second connection to the same state (another process). */
export interface StoreFixture {
  store: StateStore;
  reopen(): Promise<StateStore>;
  cleanup(): Promise<void>;
}

const logId = (n: number) => `900202401010000000000000000000000000000000000000000${String(n).padStart(6, '0')}`;

/**
 * The behaviour every StateStore back end must have. A back end's test file
 * calls `describeStateStore('postgres', factory)`; everything here goes
 * through the interface only, so the same assertions hold for each.
 */
export function describeStateStore(name: string, factory: () => Promise<StoreFixture>): void {
  describe(`StateStore contract: ${name}`, () => {
    const cleanups: Array<() => Promise<void>> = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0)) await cleanup();
    });
    async function fresh(): Promise<StoreFixture> {
      const fixture = await factory();
      cleanups.push(() => fixture.cleanup());
      return fixture;
    }
    const page = (n: number, alerts: Alert[] = [], after?: string | null) => ({
      ...(after !== undefined ? { after } : {}),
      checkpoint: logId(n),
      checkpointDate: `2024-01-01T00:00:${String(n).padStart(2, '0')}.000Z`,
      ruleState: { seen: n },
      alerts,
      defaultChannel: '#alerts',
    });
    const pendingIds = async (store: StateStore, channel = '#alerts') => (await store.pendingRows(channel, 100)).rows.map((row) => row.id);
    describeIntakeContract(fresh);
    describeRuleStatePartsContract(fresh);

    describe('tenants', () => {
      it('has no state for an unknown tenant', async () => {
        const { store } = await fresh();
        expect(await store.readTenant('acme')).toBeUndefined();
        expect(await store.listTenants()).toEqual([]);
      });

      it('stores alerts, rule state and checkpoint together, readable from another connection', async () => {
        const { store, reopen } = await fresh();
        const alert = makeAlert({ channel: undefined });
        await store.commitPage('acme', page(1, [alert], null));
        const other = await reopen();
        expect(await other.readTenant('acme')).toMatchObject({
          checkpoint: logId(1),
          checkpointDate: '2024-01-01T00:00:01.000Z',
          ruleState: { seen: 1 },
          ruleStateDamaged: false,
        });
        const { rows, unreadable } = await other.pendingRows('#alerts', 10);
        expect(unreadable).toEqual([]);
        expect(rows).toEqual([expect.objectContaining({ tenant: 'acme', channel: '#alerts', kind: 'alert', ruleId: alert.ruleId, incident: alert.incident, attempts: 0 })]);
        expect(rows[0]!.alert).toEqual(alert);
      });

      it('queues an alert in its rule channel, others in the default channel', async () => {
        const { store } = await fresh();
        await store.commitPage('acme', page(1, [makeAlert({ channel: '#rule' }), makeAlert({ channel: undefined })], null));
        expect(await store.pendingChannels()).toEqual([
          { channel: '#rule', pending: 1 },
          { channel: '#alerts', pending: 1 },
        ]);
        expect((await store.pendingStats()).count).toBe(2);
      });

      it('stores the rule state text the evaluator serialised, when given', async () => {
        const { store } = await fresh();
        await store.commitPage('acme', { ...page(1), ruleStateJson: '{"seen":1,"cached":true}' });
        expect((await store.readTenant('acme'))?.ruleState).toEqual({ seen: 1, cached: true });
      });

      it('refuses a page another process already committed from the same checkpoint, queuing nothing twice', async () => {
        const { store, reopen } = await fresh();
        await store.commitPage('acme', page(1, [], null));
        const next = page(3, [makeAlert({ channel: undefined })], logId(1));
        // Two `run --once` from cron read the same page; the second to commit must not queue it again.
        await store.commitPage('acme', next);
        const other = await reopen();
        await expect(other.commitPage('acme', next)).rejects.toThrow(/another auth0-log-alerts running with the same STATE_DB/);
        // Retryable: the next cycle reads the new position (a daemon beside a cron run goes on).
        await expect(other.commitPage('acme', next)).rejects.toBeInstanceOf(StateBusyError);
        expect((await store.pendingStats()).count).toBe(1);
        // The same holds for the very first position: only one process may store it.
        await expect(store.commitPage('acme', { ...next, after: null, alerts: [] })).rejects.toBeInstanceOf(StateError);
        expect((await store.readTenant('acme'))?.checkpoint).toBe(logId(3));
      });

      it('refuses a seeding commit behind the stored checkpoint, storing nothing of it', async () => {
        const { store } = await fresh();
        await store.commitPage('acme', page(5));
        await expect(store.commitPage('acme', { ...page(2, [makeAlert()]), ruleState: { seen: 9 } })).rejects.toBeInstanceOf(StateError);
        expect((await store.pendingStats()).count).toBe(0);
        expect(await store.readTenant('acme')).toMatchObject({ checkpoint: logId(5), ruleState: { seen: 5 } });
      });

      it('keeps tenants apart', async () => {
        const { store } = await fresh();
        await store.commitPage('acme', page(1, [], null));
        await store.commitPage('globex', page(7, [], null));
        await store.commitPage('acme', page(2, [], logId(1)));
        expect((await store.listTenants()).map(({ tenant, checkpoint }) => ({ tenant, checkpoint }))).toEqual([
          { tenant: 'acme', checkpoint: logId(2) },
          { tenant: 'globex', checkpoint: logId(7) },
        ]);
      });

      it('records poll outcomes, keeping the last success across failures and the checkpoint untouched', async () => {
        const { store } = await fresh();
        await store.recordPollOutcome('acme', { ok: true, at: new Date('2024-05-01T12:00:00Z') });
        await store.recordPollOutcome('acme', { ok: false, error: 'Auth0 GET /api/v2/logs returned 503', at: new Date('2024-05-01T12:00:30Z') });
        expect(await store.listTenants()).toEqual([
          expect.objectContaining({
            tenant: 'acme',
            checkpoint: null,
            lastPollAt: '2024-05-01T12:00:30.000Z',
            lastPollOk: false,
            lastPollError: 'Auth0 GET /api/v2/logs returned 503',
            lastSuccessAt: '2024-05-01T12:00:00.000Z',
          }),
        ]);
        await store.commitPage('acme', page(1, [], null));
        await store.recordPollOutcome('acme', { ok: true, at: new Date('2024-05-01T12:01:00Z') });
        expect(await store.readTenant('acme')).toMatchObject({ checkpoint: logId(1), lastPollOk: true, lastPollError: null, lastSuccessAt: '2024-05-01T12:01:00.000Z' });
      });
    });

    describe('outbox', () => {
      it('hands out pending rows in queue order, per channel, up to the limit', async () => {
        const { store } = await fresh();
        const alerts = [makeAlert(), makeAlert(), makeAlert()];
        await store.enqueueAlerts('acme', alerts, '#alerts');
        await store.enqueueAlerts('acme', [makeAlert()], '#other');
        const { rows } = await store.pendingRows('#alerts', 2);
        expect(rows.map((row) => row.incident)).toEqual(alerts.slice(0, 2).map((a) => a.incident));
        expect(rows[0]!.id).toBeLessThan(rows[1]!.id);
        expect(await store.pendingChannels()).toEqual([
          { channel: '#alerts', pending: 3 },
          { channel: '#other', pending: 1 },
        ]);
      });

      it('records a delivery: rows sent with the ts, the incident threaded under a channel message', async () => {
        const { store } = await fresh();
        const alert = makeAlert({ count: 20, incidentCount: 20 });
        await store.enqueueAlerts('acme', [alert], '#alerts');
        const [row] = (await store.pendingRows('#alerts', 10)).rows;
        expect(await store.incidentAlertStatus(alert.incident)).toBe('pending');
        expect(await store.threadedIncidents([alert.incident])).toEqual(new Set());

        await store.recordDelivery({ rows: [row!], messageTs: '1700000000.000100', channel: 'C1', parent: true }, new Date('2024-05-01T12:00:00Z'));
        expect((await store.pendingStats()).count).toBe(0);
        expect(await store.getIncident(alert.incident)).toEqual({
          incident: alert.incident,
          tenant: 'acme',
          ruleId: alert.ruleId,
          channel: 'C1',
          messageTs: '1700000000.000100',
          count: 20,
        });
        expect(await store.incidentAlertStatus(alert.incident)).toBe('sent');
        expect(await store.incidentAlert(alert.incident)).toEqual({ alert, messageTs: '1700000000.000100', sharedTs: false });
        expect(await store.threadedIncidents([alert.incident, 'unknown'])).toEqual(new Set([alert.incident]));
        expect((await store.outboxSummary())[0]).toMatchObject({ channel: '#alerts', pending: 0, failed: 0, sent: 1, oldestPendingAt: null });
      });

      it('counts repeats into the incident and keeps its first message as the parent', async () => {
        const { store } = await fresh();
        const alert = makeAlert({ count: 5, incidentCount: 5 });
        await store.enqueueAlerts('acme', [alert], '#alerts');
        await store.recordDelivery({ rows: (await store.pendingRows('#alerts', 10)).rows, messageTs: '1.1', channel: 'C1', parent: true }, new Date());
        const repeat = makeAlert({ kind: 'repeat', reason: 'repeat', incident: alert.incident, ruleId: alert.ruleId, count: 3, incidentCount: 8 });
        await store.enqueueAlerts('acme', [repeat, { ...repeat, count: 2, incidentCount: 10 }], '#alerts');
        await store.recordDelivery({ rows: (await store.pendingRows('#alerts', 10)).rows, messageTs: '1.2', channel: 'C1', parent: false }, new Date());
        expect(await store.getIncident(alert.incident)).toMatchObject({ messageTs: '1.1', count: 10 });
        // A standalone channel message for an incident that already has a parent does not move the thread.
        await store.enqueueAlerts('acme', [{ ...repeat, count: 1, incidentCount: 11 }], '#alerts');
        await store.recordDelivery({ rows: (await store.pendingRows('#alerts', 10)).rows, messageTs: '1.3', channel: 'C1', parent: true }, new Date());
        expect(await store.getIncident(alert.incident)).toMatchObject({ messageTs: '1.1', count: 11 });
      });

      it('keeps an alert posted as several messages pending until its last part, recording each part once and in order', async () => {
        const { store, reopen } = await fresh();
        const alert = makeAlert({ count: 250, incidentCount: 250 });
        await store.enqueueAlerts('acme', [alert, makeAlert()], '#alerts');
        const [row] = (await store.pendingRows('#alerts', 10)).rows;
        expect(row).toMatchObject({ partsPosted: 0, messageTs: null });
        const at = new Date('2024-05-01T12:00:00Z');
        await store.recordDelivery({ rows: [row!], messageTs: '3.1', channel: 'C1', parent: true, messages: 3 }, at);

        // Its message is posted: the incident is threaded under it and counts its events once...
        expect(await store.getIncident(alert.incident)).toMatchObject({ messageTs: '3.1', channel: 'C1', count: 250 });
        expect(await store.threadedIncidents([alert.incident])).toEqual(new Set([alert.incident]));
        expect(await store.incidentAlert(alert.incident)).toEqual({ alert, messageTs: '3.1', sharedTs: false });
        // ...but the alert is not delivered until every part is: pending for status, metrics and the next drain.
        expect(await store.incidentAlertStatus(alert.incident)).toBe('pending');
        expect(await store.pendingChannels()).toEqual([{ channel: '#alerts', pending: 2 }]);
        expect((await store.pendingStats()).count).toBe(2);
        expect((await store.outboxSummary())[0]).toMatchObject({ pending: 2, sent: 0 });
        const other = await reopen();
        expect((await other.pendingRows('#alerts', 10)).rows[0]).toMatchObject({ id: row!.id, partsPosted: 1, messageTs: '3.1' });

        // Only the next part is recorded: never one skipped, never one twice.
        expect(await store.recordPart(row!.id, { index: 3, of: 3 }, at)).toBe(false);
        expect(await store.recordPart(row!.id, { index: 2, of: 3 }, at)).toBe(true);
        expect(await store.recordPart(row!.id, { index: 2, of: 3 }, at)).toBe(false);
        expect((await store.pendingRows('#alerts', 10)).rows[0]).toMatchObject({ partsPosted: 2, messageTs: '3.1' });

        // A failure of the last part: failed, then requeued with its progress and thread kept.
        await store.markFailed([row!.id], 'invalid_blocks');
        expect((await store.outboxSummary())[0]).toMatchObject({ pending: 1, failed: 1, sent: 0 });
        await store.requeueFailed();
        expect((await store.pendingRows('#alerts', 10)).rows[0]).toMatchObject({ id: row!.id, partsPosted: 2, messageTs: '3.1' });

        expect(await store.recordPart(row!.id, { index: 3, of: 3 }, at)).toBe(true);
        expect(await pendingIds(store)).not.toContain(row!.id);
        expect((await store.outboxSummary())[0]).toMatchObject({ pending: 1, failed: 0, sent: 1 });
        expect(await store.incidentAlertStatus(alert.incident)).toBe('sent');
        expect(await store.getIncident(alert.incident)).toMatchObject({ messageTs: '3.1', count: 250 });
        expect(await store.recordPart(row!.id, { index: 4, of: 4 }, at)).toBe(false);
      });

      it('refuses several rows posted as several messages (only one alert is ever split)', async () => {
        const { store } = await fresh();
        await store.enqueueAlerts('acme', [makeAlert(), makeAlert()], '#alerts');
        const { rows } = await store.pendingRows('#alerts', 10);
        await expect(store.recordDelivery({ rows, messageTs: '4.1', channel: 'C1', parent: true, messages: 2 }, new Date())).rejects.toThrow(/cannot be posted as 2 messages/);
        expect((await store.pendingStats()).count).toBe(2);
      });

      it('knows a digest parent: a ts shared by several incidents', async () => {
        const { store } = await fresh();
        const [a, b] = [makeAlert(), makeAlert()];
        await store.enqueueAlerts('acme', [a!, b!], '#alerts');
        await store.recordDelivery({ rows: (await store.pendingRows('#alerts', 10)).rows, messageTs: '2.1', channel: 'C1', parent: true }, new Date());
        expect(await store.incidentAlert(a!.incident)).toMatchObject({ messageTs: '2.1', sharedTs: true });
      });

      it('keeps failed rows with their error apart from the notes on pending rows, and requeues them', async () => {
        const { store } = await fresh();
        await store.enqueueAlerts('acme', [makeAlert(), makeAlert()], '#a');
        await store.enqueueAlerts('acme', [makeAlert()], '#b');
        const [first] = await pendingIds(store, '#a');
        await store.markFailed([first!], 'invalid_blocks');
        expect(await store.notePendingError('Slack rejected SLACK_BOT_TOKEN (invalid_auth)')).toBe(2);
        const summary = await store.outboxSummary();
        expect(summary.map(({ channel, pending, failed, sent, lastError, pendingError }) => ({ channel, pending, failed, sent, lastError, pendingError }))).toEqual([
          { channel: '#a', pending: 1, failed: 1, sent: 0, lastError: 'invalid_blocks', pendingError: 'Slack rejected SLACK_BOT_TOKEN (invalid_auth)' },
          { channel: '#b', pending: 1, failed: 0, sent: 0, lastError: null, pendingError: 'Slack rejected SLACK_BOT_TOKEN (invalid_auth)' },
        ]);
        expect(summary[0]!.oldestPendingAt).toEqual(expect.any(String));
        // A note is not an attempt: the rows were never tried.
        expect((await store.pendingRows('#b', 10)).rows[0]!.attempts).toBe(0);
        expect(await store.requeueFailed()).toEqual({ requeued: 1, dead: 0 });
        expect(await pendingIds(store, '#a')).toHaveLength(2);
        expect((await store.pendingRows('#a', 10)).rows.find((row) => row.id === first)!.attempts).toBe(1);
      });

      it('counts transient attempts on rows that stay pending, and fails a whole channel', async () => {
        const { store } = await fresh();
        await store.enqueueAlerts('acme', [makeAlert(), makeAlert()], '#gone');
        await store.enqueueAlerts('acme', [makeAlert()], '#alerts');
        const ids = await pendingIds(store, '#gone');
        await store.recordAttempt([ids[0]!], 'HTTP 503');
        expect((await store.pendingRows('#gone', 10)).rows.map((row) => row.attempts)).toEqual([1, 0]);
        expect(await store.failChannel('#gone', 'channel_not_found')).toBe(2);
        expect(await store.pendingChannels()).toEqual([{ channel: '#alerts', pending: 1 }]);
        expect((await store.outboxSummary()).find((c) => c.channel === '#gone')).toMatchObject({ failed: 2, lastError: 'channel_not_found' });
      });
    });

    describeProfileContract(fresh);

    describe('channel leases (one writer per channel)', () => {
      const at = (ms: number) => new Date(Date.parse('2024-06-01T12:00:00Z') + ms);

      it('gives a channel to one owner at a time until it expires, renews only for its owner, and frees it on release', async () => {
        const { store, reopen } = await fresh();
        const other = await reopen();
        expect(await store.acquireChannelLease('#a', 'p1', 60_000, at(0))).toEqual({ held: true });
        expect(await other.acquireChannelLease('#a', 'p2', 60_000, at(1000))).toEqual({ held: false, owner: 'p1', expiresAt: at(60_000) });
        expect(await other.acquireChannelLease('#b', 'p2', 60_000, at(1000))).toEqual({ held: true });
        expect(await store.renewChannelLease('#a', 'p1', 60_000, at(30_000))).toBe(true);
        expect(await other.renewChannelLease('#a', 'p2', 60_000, at(30_000))).toBe(false);
        expect((await other.acquireChannelLease('#a', 'p2', 60_000, at(61_000))).held).toBe(false); // renewed until 90 s
        expect((await other.acquireChannelLease('#a', 'p2', 60_000, at(91_000))).held).toBe(true); // expired: taken over
        expect(await store.renewChannelLease('#a', 'p1', 60_000, at(92_000))).toBe(false); // p1 must stop
        await other.releaseChannelLease('#a', 'p2');
        expect((await store.acquireChannelLease('#a', 'p1', 60_000, at(93_000))).held).toBe(true);
      });

      it('renews an expired lease nobody took (nobody else can have posted), and takes one over from a dead owner at once', async () => {
        const { store } = await fresh();
        await store.acquireChannelLease('#a', 'p1', 1000, at(0));
        expect(await store.renewChannelLease('#a', 'p1', 1000, at(5000))).toBe(true);
        expect((await store.acquireChannelLease('#a', 'p2', 1000, at(5500), { takeOverFrom: 'someone-else' })).held).toBe(false);
        expect((await store.acquireChannelLease('#a', 'p2', 1000, at(5500), { takeOverFrom: 'p1' })).held).toBe(true);
      });
    });

    describe('problems and their notices', () => {
      const t = (minute: number) => new Date(Date.parse('2024-06-01T12:00:00Z') + minute * 60_000);
      const problem = { key: 'polling_failing:acme', kind: 'polling_failing' as const, tenant: 'acme', channel: '#acme', summary: 'polling acme fails' };

      it('opens a problem once (one notice), refreshes it while open, and owes a "resolved" reply once its notice was posted', async () => {
        const { store } = await fresh();
        expect(await store.openProblem(problem, t(0))).toBe(true);
        expect(await store.openProblem({ ...problem, summary: 'polling acme still fails' }, t(5))).toBe(false);
        expect(await store.pendingNotices()).toEqual([expect.objectContaining({ key: problem.key, noticeState: 'due', summary: 'polling acme still fails', openedAt: t(0).toISOString() })]);
        expect(await store.recordNotice(problem.key, { which: 'open', ts: '1.1', channel: 'CACME' }, t(6))).toBe(true);
        expect(await store.recordNotice(problem.key, { which: 'open', ts: '1.2', channel: 'CACME' }, t(6))).toBe(false); // recorded once
        expect(await store.pendingNotices()).toEqual([]);
        expect(await store.resolveProblem(problem.key, t(9))).toBe(true);
        expect(await store.resolveProblem(problem.key, t(9))).toBe(false);
        expect(await store.listProblems()).toEqual([]);
        expect(await store.pendingNotices()).toEqual([expect.objectContaining({ noticeState: 'resolve_due', noticeTs: '1.1', noticeChannel: 'CACME', resolvedAt: t(9).toISOString() })]);
        expect(await store.recordNotice(problem.key, { which: 'resolved', ts: '1.3', channel: 'CACME' }, t(10))).toBe(true);
        expect(await store.listProblems({ includeResolved: true })).toEqual([expect.objectContaining({ noticeState: 'done' })]);
        // It comes back: a new occurrence with a notice of its own.
        expect(await store.openProblem(problem, t(20))).toBe(true);
        expect(await store.pendingNotices()).toEqual([expect.objectContaining({ noticeState: 'due', noticeTs: null, openedAt: t(20).toISOString() })]);
      });

      it('owes nothing for a problem resolved before its notice went out, and settles a log gap with its notice', async () => {
        const { store } = await fresh();
        await store.openProblem(problem, t(0));
        await store.resolveProblem(problem.key, t(1));
        expect(await store.pendingNotices()).toEqual([]);
        await store.openProblem({ key: 'log_gap:acme:x', kind: 'log_gap', tenant: 'acme', summary: 'events from x to y may be lost' }, t(2));
        await store.recordNotice('log_gap:acme:x', { which: 'open', ts: null, channel: null }, t(3));
        expect(await store.listProblems()).toEqual([]);
        expect(await store.pendingNotices()).toEqual([]);
        // Settled problems go with retention.
        expect((await store.pruneDelivered(new Date(t(3).getTime() + RETENTION_MS + 1))).problems).toBe(2);
      });
    });

    describe('replicas and tenant leases', () => {
      // Expiry is judged by the database's clock, so these wait real (short) time.
      const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
      const replica = (id: string) => ({ id, host: 'host-1', pid: 100 });

      it('lists the replicas alive, oldest first; one whose heartbeat ran out or that retired is gone', async () => {
        const { store, reopen } = await fresh();
        const other = await reopen();
        expect((await store.heartbeatReplica(replica('a'), 60_000)).map((r) => r.id)).toEqual(['a']);
        await sleep(5);
        const alive = await other.heartbeatReplica(replica('b'), 150);
        expect(alive.map((r) => r.id)).toEqual(['a', 'b']);
        expect(alive[1]).toMatchObject({ host: 'host-1', pid: 100 });
        expect(await store.listReplicas()).toEqual(alive); // the same view, announcing no one
        expect(Date.parse(alive[1]!.expiresAt) - Date.parse(alive[1]!.heartbeatAt)).toBe(150);
        await sleep(250);
        expect((await store.heartbeatReplica(replica('a'), 60_000)).map((r) => r.id)).toEqual(['a']);
        await other.heartbeatReplica(replica('b'), 60_000);
        await store.acquireTenantLease('acme', 'b', 60_000);
        await store.retireReplica('b');
        expect((await store.heartbeatReplica(replica('a'), 60_000)).map((r) => r.id)).toEqual(['a']);
        expect(await store.listTenantLeases()).toEqual([]);
      });

      it('gives a tenant to one replica until its lease runs out, then to another', async () => {
        const { store, reopen } = await fresh();
        const other = await reopen();
        expect(await store.acquireTenantLease('acme', 'a', 60_000)).toMatchObject({ held: true });
        expect(await other.acquireTenantLease('acme', 'b', 60_000)).toMatchObject({ held: false, owner: 'a' });
        const [lease] = await other.listTenantLeases();
        expect(lease).toMatchObject({ tenant: 'acme', owner: 'a', expired: false });
        // Taking it again is a renewal (same acquisition), here a short one that then runs out.
        expect(await store.acquireTenantLease('acme', 'a', 200)).toMatchObject({ held: true });
        await sleep(300);
        expect((await other.listTenantLeases())[0]).toMatchObject({ owner: 'a', expired: true, acquiredAt: lease!.acquiredAt });
        expect(await other.acquireTenantLease('acme', 'b', 60_000)).toMatchObject({ held: true });
        // The old holder learns it lost the tenant: its renewal no longer names it, nor can it take it back.
        expect(await store.renewTenantLeases('a', 60_000)).toEqual([]);
        expect(await store.acquireTenantLease('acme', 'a', 60_000)).toMatchObject({ held: false, owner: 'b' });
        const [taken] = await store.listTenantLeases();
        expect(taken).toMatchObject({ tenant: 'acme', owner: 'b', expired: false });
        expect(Date.parse(taken!.acquiredAt)).toBeGreaterThan(Date.parse(lease!.acquiredAt));
      });

      it('renews only the renewing owner\'s leases, from now — even past their expiry while no one took them', async () => {
        const { store, reopen } = await fresh();
        const other = await reopen();
        await store.acquireTenantLease('acme', 'a', 200);
        await store.acquireTenantLease('globex', 'a', 200);
        await other.acquireTenantLease('initech', 'b', 200);
        await sleep(300); // all three ran out; no one took them
        expect(await store.renewTenantLeases('a', 60_000)).toEqual(['acme', 'globex']);
        expect(await other.acquireTenantLease('acme', 'b', 60_000)).toMatchObject({ held: false, owner: 'a' });
        expect((await store.listTenantLeases()).map(({ tenant, owner, expired }) => ({ tenant, owner, expired }))).toEqual([
          { tenant: 'acme', owner: 'a', expired: false },
          { tenant: 'globex', owner: 'a', expired: false },
          { tenant: 'initech', owner: 'b', expired: true },
        ]);
        expect(await other.renewTenantLeases('b', 60_000)).toEqual(['initech']);
        expect((await store.listTenantLeases()).find((l) => l.tenant === 'initech')).toMatchObject({ owner: 'b', expired: false });
      });

      it('a released tenant is free at once; only its holder can release it', async () => {
        const { store, reopen } = await fresh();
        const other = await reopen();
        await store.acquireTenantLease('acme', 'a', 60_000);
        await other.releaseTenantLease('acme', 'b');
        expect(await other.acquireTenantLease('acme', 'b', 60_000)).toMatchObject({ held: false, owner: 'a' });
        await store.releaseTenantLease('acme', 'a');
        expect(await other.acquireTenantLease('acme', 'b', 60_000)).toMatchObject({ held: true });
      });

      it('replicas racing for one tenant: exactly one gets it', async () => {
        const { store, reopen } = await fresh();
        const stores = [store, await reopen(), await reopen()];
        const results = await Promise.all(
          Array.from({ length: 12 }, (_, i) => stores[i % stores.length]!.acquireTenantLease('acme', `r${i % 4}`, 60_000).then((r) => ({ owner: `r${i % 4}`, ...r }))),
        );
        const winners = new Set(results.filter((r) => r.held).map((r) => r.owner));
        expect(winners.size).toBe(1);
        expect((await store.listTenantLeases())[0]!.owner).toBe([...winners][0]);
      });
    });

    describe('retention', () => {
      const NOW = new Date('2024-06-01T12:00:00Z');
      const OLD = new Date(NOW.getTime() - RETENTION_MS - 60_000);
      const RECENT = new Date(NOW.getTime() - 60_000);

      async function deliverNew(store: StateStore, alert: Alert, ts: string, at: Date, parent = true): Promise<void> {
        await store.enqueueAlerts('acme', [alert], '#sec', at);
        const rows = (await store.pendingRows('#sec', 100)).rows.filter((row) => row.incident === alert.incident);
        await store.recordDelivery({ rows, messageTs: ts, channel: 'C1', parent }, at);
      }

      it('prunes only delivered rows and incidents quiet for longer than the retention period', async () => {
        const { store } = await fresh();
        const closed = makeAlert({ incident: 'closed' });
        await deliverNew(store, closed, '100.1', OLD);
        await deliverNew(store, { ...closed, kind: 'repeat' }, '100.2', OLD, false);
        const active = makeAlert({ incident: 'active' });
        await deliverNew(store, active, '200.1', OLD);
        await deliverNew(store, { ...active, kind: 'repeat' }, '200.2', RECENT, false);
        const waiting = makeAlert({ incident: 'waiting' });
        await deliverNew(store, waiting, '300.1', OLD);
        await store.enqueueAlerts('acme', [{ ...waiting, kind: 'repeat' }], '#sec', OLD);
        await store.enqueueAlerts('acme', [makeAlert({ incident: 'failed' })], '#dead', OLD);
        await store.markFailed(await pendingIds(store, '#dead'), 'channel_not_found');

        expect(await store.pruneDelivered(NOW)).toEqual({ outbox: 2, incidents: 1, problems: 0 });
        expect(await store.getIncident('closed')).toBeUndefined();
        expect(await store.incidentAlert('closed')).toBeUndefined();
        // Still in use: its parent is re-rendered, its pending repeat threads under it.
        expect(await store.incidentAlert('active')).toMatchObject({ messageTs: '200.1' });
        expect(await store.getIncident('waiting')).toMatchObject({ messageTs: '300.1' });
        expect(await store.incidentAlert('waiting')).toMatchObject({ messageTs: '300.1' });
        expect((await store.pendingStats()).count).toBe(1);
        expect((await store.outboxSummary()).find((c) => c.channel === '#dead')).toMatchObject({ failed: 1 });
        expect(await store.pruneDelivered(NOW)).toEqual({ outbox: 0, incidents: 0, problems: 0 });
      });

      it('keeps everything younger than the period (or a given one)', async () => {
        const { store } = await fresh();
        await deliverNew(store, makeAlert({ incident: 'young' }), '1.1', RECENT);
        expect(await store.pruneDelivered(NOW)).toEqual({ outbox: 0, incidents: 0, problems: 0 });
        expect(await store.pruneDelivered(NOW, 30_000)).toEqual({ outbox: 1, incidents: 1, problems: 0 });
      });
    });
    describeControlsContract(fresh);
  });
}
