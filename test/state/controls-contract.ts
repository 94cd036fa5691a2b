import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src/engine/alert.js';
import { MUTE_DURATIONS, MUTE_WALL_GRACE_MS } from '../../src/state/controls.js';
import type { StateStore } from '../../src/state/store.js';
import { makeAlert } from '../helpers/slack-fixtures.js';

const HOUR = 3_600_000;
const T0 = Date.parse('2024-01-01T00:00:00.000Z');
const iso = (ms: number) => new Date(T0 + ms).toISOString();
const logId = (n: number) => `900202401010000000000000000000000000000000000000000${String(n).padStart(6, '0')}`;

/**
 * Acknowledge / Resolve / Mute through the StateStore interface only, so the
 * same assertions hold for every back end (called from describeStateStore).
 */
export function describeControlsContract(fresh: () => Promise<{ store: StateStore; reopen(): Promise<StateStore> }>): void {
  describe('incident controls (Acknowledge / Resolve / Mute)', () => {
    let checkpoint = 0;
    let after: string | null = null;
    /** Commits a page (event time `atMs` after T0) of these alerts for tenant acme. */
    async function commit(store: StateStore, alerts: Alert[], atMs: number, extra: { resolutionsApplied?: string[] } = {}): Promise<void> {
      checkpoint += 1;
      await store.commitPage('acme', { after, checkpoint: logId(checkpoint), checkpointDate: iso(atMs), ruleState: {}, alerts, defaultChannel: '#alerts', ...extra });
      after = logId(checkpoint);
    }
    /** An incident whose alert Slack has taken (ts 100.1 in C1). */
    async function posted(store: StateStore, overrides: Partial<Alert> = {}): Promise<Alert> {
      const alert = makeAlert({ incident: `inc-${checkpoint + 1}`, channel: undefined, firstDate: iso(0), lastDate: iso(0), ...overrides });
      await commit(store, [alert], Date.parse(alert.lastDate) - T0);
      const [row] = (await store.pendingRows('#alerts', 10)).rows.filter((r) => r.incident === alert.incident);
      await store.recordDelivery({ rows: [row!], messageTs: `100.${checkpoint}`, channel: 'C1', parent: true }, new Date(T0));
      return alert;
    }
    const repeat = (alert: Alert, atMs: number, count = 1): Alert => ({ ...alert, kind: 'repeat', reason: 'repeat', count, firstDate: iso(atMs), lastDate: iso(atMs), logIds: [logId(9000 + atMs / 1000)] });
    const click = { user: 'U1', at: new Date(T0 + 60_000), channel: 'C1', messageTs: '100.1' };
    const setup = async () => {
      checkpoint = 0;
      after = null;
      return fresh();
    };

    it('acknowledge: recorded once with who and when, an audit reply owed in the incident thread', async () => {
      const { store } = await setup();
      expect(await store.recordIncidentAction({ ...click, action: 'acknowledge', incident: 'nope' })).toEqual({ applied: false, why: 'unknown_incident' });
      const alert = await posted(store);
      const result = await store.recordIncidentAction({ ...click, action: 'acknowledge', incident: alert.incident });
      expect(result).toMatchObject({ applied: true, controls: { incident: alert.incident, tenant: 'acme', ackedBy: 'U1', ackedAt: iso(60_000), resolvedBy: null, mutes: [] } });
      const again = await store.recordIncidentAction({ ...click, user: 'U2', action: 'acknowledge', incident: alert.incident });
      expect(again).toMatchObject({ applied: false, why: 'already_acknowledged', controls: { ackedBy: 'U1' } });
      const notes = await store.dueThreadNotes(new Date(T0), 10);
      expect(notes).toEqual([expect.objectContaining({ kind: 'acknowledge', user: 'U1', incident: alert.incident, channel: 'C1', threadTs: '100.1' })]);
      expect((await store.incidentAlert(alert.incident))?.controls).toMatchObject({ ackedBy: 'U1' });
    });

    it('resolve: pending for the engine until a page commit marks it applied; a second resolve changes nothing', async () => {
      const { store, reopen } = await setup();
      const alert = await posted(store);
      await store.recordIncidentAction({ ...click, action: 'resolve', incident: alert.incident });
      expect(await store.pendingResolutions('acme')).toEqual([alert.incident]);
      expect(await store.pendingResolutions('globex')).toEqual([]);
      await commit(store, [], 120_000, { resolutionsApplied: [alert.incident] });
      expect(await (await reopen()).pendingResolutions('acme')).toEqual([]);
      expect(await store.recordIncidentAction({ ...click, action: 'resolve', incident: alert.incident })).toMatchObject({ applied: false, why: 'already_resolved' });
      expect(await store.recordIncidentAction({ ...click, action: 'acknowledge', incident: alert.incident })).toMatchObject({ applied: false, why: 'already_resolved' });
    });

    it('mute of a group: its rows dated before the end are held, other groups flow; the page past the end releases them as one muted reply', async () => {
      const { store } = await setup();
      const alert = await posted(store);
      const result = await store.recordIncidentAction({ ...click, action: 'mute', incident: alert.incident, scope: 'group', durationMs: MUTE_DURATIONS['1h'] });
      expect(result).toMatchObject({ applied: true, mute: { tenant: 'acme', ruleId: alert.ruleId, group: alert.group, startsAt: iso(0), until: iso(HOUR), createdBy: 'U1', endedAt: null } });
      const other = makeAlert({ incident: 'other-group', group: { user_name: 'bob@example.com', ip: '198.51.100.1' }, channel: undefined, firstDate: iso(10_000), lastDate: iso(10_000) });
      await commit(store, [repeat(alert, 10_000, 5), other, repeat(alert, 20 * 60_000, 7)], 20 * 60_000);
      expect((await store.pendingRows('#alerts', 10)).rows.map((r) => r.incident)).toEqual(['other-group']);
      expect((await store.listMutes())[0]).toMatchObject({ held: 12, endedAt: null });
      expect((await store.incidentControls(alert.incident))?.mutes).toHaveLength(1);
      // The same rule's other group is not muted, and its message must not say so.
      expect(await store.incidentControls('other-group')).toMatchObject({ ruleId: alert.ruleId, mutes: [] });

      // The page that reaches the mute's end (event time) ends it: everything held becomes pending, marked muted.
      await commit(store, [], HOUR);
      expect(await store.listMutes()).toEqual([]);
      expect((await store.listMutes({ active: false }))[0]).toMatchObject({ endReason: 'expired', held: 12 });
      const rows = (await store.pendingRows('#alerts', 10)).rows.filter((r) => r.incident === alert.incident);
      expect(rows.map((r) => [r.kind, r.alert.count])).toEqual([
        ['muted', 5],
        ['muted', 7],
      ]);
      // The muted reply carries the news: no separate "mute ended" note for the incident that held events.
      expect((await store.dueThreadNotes(new Date(T0), 10)).map((n) => n.kind)).toEqual(['mute']);
    });

    it('rows of a log-stream batch are held by a mute too (its end waits for the poll event clock)', async () => {
      const { store } = await setup();
      const alert = await posted(store);
      await store.recordIncidentAction({ ...click, action: 'mute', incident: alert.incident, scope: 'group', durationMs: MUTE_DURATIONS['1h'] });
      const tenant = await store.readTenant('acme');
      await store.commitStreamBatch('acme', { ruleStateVersion: tenant!.ruleStateVersion, ruleState: {}, alerts: [repeat(alert, 5 * 60_000, 4)], logIds: [logId(7001)], defaultChannel: '#alerts' });
      expect((await store.pendingStats()).count).toBe(0);
      expect((await store.listMutes())[0]).toMatchObject({ held: 4, endedAt: null });
    });

    it('a threshold crossed during a whole-rule mute comes out as a new alert; the thread that held nothing gets a mute-ended note', async () => {
      const { store } = await setup();
      const alert = await posted(store);
      await store.recordIncidentAction({ ...click, action: 'mute', incident: alert.incident, scope: 'rule', durationMs: MUTE_DURATIONS['1h'] });
      const opened = makeAlert({ incident: 'opened-during-mute', group: { ip: '198.51.100.9' }, channel: undefined, firstDate: iso(30 * 60_000), lastDate: iso(30 * 60_000) });
      await commit(store, [opened, repeat(opened, 31 * 60_000, 3)], 31 * 60_000);
      expect((await store.pendingStats()).count).toBe(0);
      await commit(store, [], 2 * HOUR);
      const rows = (await store.pendingRows('#alerts', 10)).rows;
      expect(rows.map((r) => [r.incident, r.kind])).toEqual([
        ['opened-during-mute', 'alert'],
        ['opened-during-mute', 'repeat'],
      ]);
      const ended = (await store.dueThreadNotes(new Date(T0), 10)).find((n) => n.kind === 'mute_ended');
      expect(ended).toMatchObject({ incident: alert.incident, threadTs: '100.1', heldEvents: 0, releasedAlerts: 1, user: null });
    });

    it('unmute ends a mute once, releasing what it held; the wall clock ends a mute no event moves past', async () => {
      const { store, reopen } = await setup();
      const alert = await posted(store);
      const { mute } = (await store.recordIncidentAction({ ...click, action: 'mute', incident: alert.incident, scope: 'group', durationMs: MUTE_DURATIONS['4h'] })) as { mute: { id: number } };
      await commit(store, [repeat(alert, 60_000, 2)], 60_000);
      expect((await store.pendingStats()).count).toBe(0);
      expect(await store.endMute(mute.id, 'U9', new Date(T0 + 2 * 60_000))).toMatchObject({ id: mute.id, endReason: 'unmuted', endedBy: 'U9' });
      expect(await (await reopen()).endMute(mute.id, 'U9', new Date(T0 + 3 * 60_000))).toBeUndefined();
      expect((await store.pendingRows('#alerts', 10)).rows.map((r) => r.kind)).toEqual(['muted']);
      expect((await store.dueThreadNotes(new Date(T0), 10)).map((n) => [n.kind, n.user])).toEqual([
        ['mute', 'U1'],
        ['unmute', 'U9'],
      ]);

      const second = await posted(store, { incident: 'quiet', group: { ip: '192.0.2.1' } });
      await store.recordIncidentAction({ ...click, action: 'mute', incident: second.incident, scope: 'group', durationMs: MUTE_DURATIONS['1h'] });
      const wallEnd = click.at.getTime() + HOUR;
      expect(await store.endOverdueMutes(new Date(wallEnd + MUTE_WALL_GRACE_MS - 1))).toEqual([]);
      expect(await store.endOverdueMutes(new Date(wallEnd + MUTE_WALL_GRACE_MS))).toEqual([expect.objectContaining({ incident: 'quiet', endReason: 'expired' })]);
    });

    it('retention keeps the thread of rows a mute holds, and forgets ended mutes and posted notes after the period', async () => {
      const { store } = await setup();
      const alert = await posted(store);
      const { mute } = (await store.recordIncidentAction({ ...click, action: 'mute', incident: alert.incident, scope: 'group', durationMs: MUTE_DURATIONS['7d'] })) as { mute: { id: number } };
      await commit(store, [repeat(alert, 60_000, 3)], 60_000);
      const [note] = await store.dueThreadNotes(new Date(T0), 10);
      await store.claimThreadNote(note!.id, 'a', new Date(T0), new Date(T0 + 1000));
      await store.recordThreadNote(note!.id, { ts: '100.5' });
      // Eight days on, the mute still holds its rows: their incident (the thread) stays.
      const later = new Date(T0 + 8 * 24 * HOUR);
      await store.pruneDelivered(later);
      expect(await store.getIncident(alert.incident)).toMatchObject({ messageTs: expect.any(String) });
      expect((await store.listMutes()).map((m) => m.id)).toEqual([mute.id]);
      await store.endMute(mute.id, 'U1', later);
      expect((await store.listMutes({ active: false })).map((m) => m.id)).toEqual([mute.id]);
      await store.pruneDelivered(new Date(later.getTime() + 8 * 24 * HOUR));
      expect(await store.listMutes({ active: false })).toEqual([]);
    });

    it('two processes claiming the same due notes at the same moment: each note goes to exactly one of them', async () => {
      const { store, reopen } = await setup();
      for (let i = 0; i < 4; i++) {
        const alert = await posted(store);
        await store.recordIncidentAction({ ...click, action: 'acknowledge', incident: alert.incident, messageTs: `100.${i + 1}` });
      }
      const other = await reopen();
      const now = new Date(T0);
      const until = new Date(T0 + 60_000);
      // Both replicas read the same due notes, then race for each (PostgreSQL: two connections at once).
      const [mine, theirs] = await Promise.all([store.dueThreadNotes(now, 10), other.dueThreadNotes(now, 10)]);
      expect(mine.map((n) => n.id)).toEqual(theirs.map((n) => n.id));
      expect(mine).toHaveLength(4);
      const claims = await Promise.all(mine.map((note) => Promise.all([store.claimThreadNote(note.id, 'a', now, until), other.claimThreadNote(note.id, 'b', now, until)])));
      expect(claims.map(([a, b]) => Number(a) + Number(b)), 'claims per note').toEqual([1, 1, 1, 1]);
      // Claimed, none is due for anyone until its lease runs out.
      expect(await other.dueThreadNotes(now, 10)).toEqual([]);
      expect((await store.dueThreadNotes(until, 10)).map((n) => n.id)).toEqual(mine.map((n) => n.id));
    });

    it('a thread note is claimed by one process at a time, posted once, retried after a transient failure', async () => {
      const { store, reopen } = await setup();
      const alert = await posted(store);
      await store.recordIncidentAction({ ...click, action: 'acknowledge', incident: alert.incident });
      const other = await reopen();
      const [note] = await store.dueThreadNotes(new Date(T0), 10);
      const now = new Date(T0);
      expect(await store.claimThreadNote(note!.id, 'a', now, new Date(T0 + 30_000))).toBe(true);
      expect(await other.claimThreadNote(note!.id, 'b', now, new Date(T0 + 30_000))).toBe(false);
      expect(await other.dueThreadNotes(now, 10)).toEqual([]);
      await store.recordThreadNote(note!.id, { error: 'Slack is having trouble', retryAtMs: T0 + 5_000 });
      expect(await other.dueThreadNotes(new Date(T0 + 4_999), 10)).toEqual([]);
      expect(await other.claimThreadNote(note!.id, 'b', new Date(T0 + 5_000), new Date(T0 + 35_000))).toBe(true);
      await other.recordThreadNote(note!.id, { ts: '100.9' });
      expect(await store.dueThreadNotes(new Date(T0 + HOUR), 10)).toEqual([]);
      expect(await store.claimThreadNote(note!.id, 'a', new Date(T0 + HOUR), new Date(T0 + 2 * HOUR))).toBe(false);
    });
  });
}
