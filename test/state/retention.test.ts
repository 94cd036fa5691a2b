import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/engine/alert.js';
import { recordIncident } from '../../src/state/sqlite/incidents.js';
import { enqueueAlerts, markFailed, markSent } from '../../src/state/sqlite/outbox.js';
import { pruneDelivered } from '../../src/state/sqlite/retention.js';
import { RETENTION_MS } from '../../src/state/store.js';
import { makeAlert } from '../helpers/slack-fixtures.js';
import { tempStateDb } from '../helpers/temp-db.js';

const NOW = new Date('2024-06-01T12:00:00Z');
const OLD = new Date(NOW.getTime() - RETENTION_MS - 60_000);
const RECENT = new Date(NOW.getTime() - 60_000);

let state: ReturnType<typeof tempStateDb>;
beforeEach(() => {
  state = tempStateDb();
});
afterEach(() => state.cleanup());

/** Queues one alert and returns its row id. */
function queue(alert: Alert, at: Date): number {
  enqueueAlerts(state.db, 'acme', [alert], '#sec', at);
  return (state.db.prepare('SELECT MAX(id) AS id FROM outbox').get() as { id: number }).id;
}

/** As the sender's record stage does: rows sent with `ts`, the incident noted. */
function deliver(ids: number[], alert: Alert, ts: string, at: Date, parent = true): void {
  markSent(state.db, ids, ts, at);
  recordIncident(state.db, { incident: alert.incident, tenant: 'acme', ruleId: alert.ruleId, channel: '#sec', messageTs: parent ? ts : null, added: 1 }, at);
}

const remainingIds = () => (state.db.prepare('SELECT id FROM outbox ORDER BY id').all() as Array<{ id: number }>).map((r) => r.id);
const remainingIncidents = () => (state.db.prepare('SELECT incident FROM incidents ORDER BY incident').all() as Array<{ incident: string }>).map((r) => r.incident);

describe('pruneDelivered', () => {
  it('deletes only delivered rows and incidents quiet for longer than the retention period', () => {
    // A closed incident: alert and repeat delivered long ago → both go, with the incident.
    const closed = makeAlert({ incident: 'closed' });
    const closedAlert = queue(closed, OLD);
    deliver([closedAlert], closed, '100.1', OLD);
    const closedRepeat = queue({ ...closed, kind: 'repeat' }, OLD);
    deliver([closedRepeat], closed, '100.2', OLD, false);
    // Still active: opened long ago, a repeat delivered recently → its parent row stays (re-rendered on chat.update).
    const active = makeAlert({ incident: 'active' });
    const activeAlert = queue(active, OLD);
    deliver([activeAlert], active, '200.1', OLD);
    const activeRepeat = queue({ ...active, kind: 'repeat' }, RECENT);
    deliver([activeRepeat], active, '200.2', RECENT, false);
    // Old incident with a repeat still pending: it must thread under the old message.
    const waiting = makeAlert({ incident: 'waiting' });
    const waitingAlert = queue(waiting, OLD);
    deliver([waitingAlert], waiting, '300.1', OLD);
    const waitingRepeat = queue({ ...waiting, kind: 'repeat' }, OLD);
    // Undelivered rows, however old.
    const failed = queue(makeAlert({ incident: 'failed' }), OLD);
    markFailed(state.db, [failed], 'channel_not_found');
    const pending = queue(makeAlert({ incident: 'pending' }), OLD);
    // An old digest shared by a quiet incident and the active one: the quiet one's row shows the ts is a digest.
    const digested = makeAlert({ incident: 'digested' });
    const digestedRow = queue(digested, OLD);
    markSent(state.db, [digestedRow], '200.1', OLD);
    recordIncident(state.db, { incident: 'digested', tenant: 'acme', ruleId: digested.ruleId, channel: '#sec', messageTs: '200.1', added: 1 }, OLD);
    // Delivered recently.
    const fresh = makeAlert({ incident: 'fresh' });
    const freshRow = queue(fresh, RECENT);
    deliver([freshRow], fresh, '400.1', RECENT);

    const pruned = pruneDelivered(state.db, NOW);

    expect(remainingIds()).toEqual([activeAlert, activeRepeat, waitingAlert, waitingRepeat, failed, pending, digestedRow, freshRow]);
    expect(remainingIncidents()).toEqual(['active', 'fresh', 'waiting']);
    expect(pruned).toEqual({ outbox: 2, incidents: 2, problems: 0 });
  });

  it('keeps everything younger than the retention period, and a second run deletes nothing more', () => {
    const alert = makeAlert({ incident: 'young' });
    const row = queue(alert, RECENT);
    deliver([row], alert, '1.1', RECENT);
    expect(pruneDelivered(state.db, NOW)).toEqual({ outbox: 0, incidents: 0, problems: 0 });
    expect(pruneDelivered(state.db, new Date(RECENT.getTime() + RETENTION_MS + 1))).toEqual({ outbox: 1, incidents: 1, problems: 0 });
    expect(pruneDelivered(state.db, new Date(RECENT.getTime() + 2 * RETENTION_MS))).toEqual({ outbox: 0, incidents: 0, problems: 0 });
  });
});
