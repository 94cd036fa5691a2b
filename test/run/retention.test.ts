import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recordIncident } from '../../src/state/sqlite/incidents.js';
import { enqueueAlerts, markSent } from '../../src/state/sqlite/outbox.js';
import { RETENTION_MS } from '../../src/state/store.js';
import { PROFILE_RETENTION_MS } from '../../src/engine/index.js';
import { retentionTask } from '../../src/run/retention.js';
import { captureLogger } from '../helpers/auth0-fixtures.js';
import { makeAlert } from '../helpers/slack-fixtures.js';
import { tempStateDb } from '../helpers/temp-db.js';

const HOUR = 3_600_000;
const T0 = Date.parse('2024-06-01T12:00:00Z');

let state: ReturnType<typeof tempStateDb>;
beforeEach(() => {
  state = tempStateDb();
});
afterEach(() => state.cleanup());

/** A delivered alert of its own incident, sent at `at`. */
function delivered(at: number): void {
  const alert = makeAlert();
  enqueueAlerts(state.db, 'acme', [alert], '#sec', new Date(at));
  const { id } = state.db.prepare('SELECT MAX(id) AS id FROM outbox').get() as { id: number };
  markSent(state.db, [id], `${id}.1`, new Date(at));
  recordIncident(state.db, { incident: alert.incident, tenant: 'acme', ruleId: alert.ruleId, channel: '#sec', messageTs: `${id}.1`, added: 1 }, new Date(at));
}
const rows = () => (state.db.prepare('SELECT COUNT(*) AS n FROM outbox').get() as { n: number }).n;

describe('retentionTask', () => {
  it('prunes on the first call, then at most once per hour', async () => {
    let now = T0;
    const { logger, records } = captureLogger();
    const task = retentionTask({ store: state.store, logger, now: () => now });
    delivered(T0 - RETENTION_MS - 1);
    await task.maybeRun();
    expect(rows()).toBe(0);
    expect(records().find((r) => r.msg === 'pruned delivered alerts and quiet incidents')).toMatchObject({ outbox: 1, incidents: 1 });

    delivered(T0 - RETENTION_MS + 10 * 60_000); // expires 10 minutes from now
    now = T0 + 30 * 60_000;
    await task.maybeRun();
    expect(rows()).toBe(1); // due, but the last prune was only 30 minutes ago
    now = T0 + HOUR;
    await task.maybeRun();
    expect(rows()).toBe(0);
  });

  it('forgets profiles unseen for the profile retention period in the same run', async () => {
    const { logger, records } = captureLogger();
    const profile = (seen: number) => ({ kind: 'values' as const, seen, since: seen, values: { NL: seen } });
    await state.store.commitPage('acme', {
      checkpoint: '900',
      checkpointDate: null,
      ruleState: {},
      alerts: [],
      defaultChannel: '#sec',
      profiles: new Map([
        ['old', profile(T0 - PROFILE_RETENTION_MS - HOUR)],
        ['kept', profile(T0 - HOUR)],
      ]),
    });
    await retentionTask({ store: state.store, logger, now: () => T0 }).maybeRun();
    expect([...(await state.store.loadProfiles('acme', ['old', 'kept'])).keys()]).toEqual(['kept']);
    expect(records().find((r) => r.msg === 'forgot profiles unseen for 90 days')).toMatchObject({ profiles: 1 });
  });

  it('forgets evaluated log ids once Auth0 can no longer send them (its longest log retention: 30 days, Enterprise)', async () => {
    const { logger, records } = captureLogger();
    const AUTH0_LONGEST_RETENTION_MS = 30 * 24 * HOUR; // reference-facts §1.3
    const batch = (logIds: string[], at: number, ruleStateVersion: number) => ({ ruleStateVersion, ruleState: {}, alerts: [], logIds, defaultChannel: '#sec', now: new Date(at) });
    await state.store.commitStreamBatch('acme', batch(['old'], T0 - AUTH0_LONGEST_RETENTION_MS - HOUR, 0));
    await state.store.commitStreamBatch('acme', batch(['kept'], T0 - AUTH0_LONGEST_RETENTION_MS + HOUR, 1));
    expect(await state.store.seenLogIds('acme', ['old', 'kept'])).toEqual(new Set(['old', 'kept']));
    await retentionTask({ store: state.store, logger, now: () => T0 }).maybeRun();
    expect(await state.store.seenLogIds('acme', ['old', 'kept'])).toEqual(new Set(['kept']));
    expect(records().find((r) => r.msg === 'forgot evaluated log ids older than 30 days')).toMatchObject({ logIds: 1 });
  });

  it('logs a failed prune and tries again after the interval, never throwing', async () => {
    let now = T0;
    const { logger, records } = captureLogger();
    const task = retentionTask({ store: state.store, logger, now: () => now });
    state.db.close();
    await expect(task.maybeRun()).resolves.toBeUndefined();
    expect(records().filter((r) => r.msg === 'could not prune delivered alerts; will try again later')).toHaveLength(1);
    now += HOUR;
    await task.maybeRun();
    expect(records().filter((r) => r.msg === 'could not prune delivered alerts; will try again later')).toHaveLength(2);
  });
});
