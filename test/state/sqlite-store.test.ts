import { afterEach, describe, expect, it, vi } from 'vitest';
import { StateBusyError } from '../../src/errors.js';
import { SqliteStateStore } from '../../src/state/sqlite/store.js';
import { alertFor } from '../helpers/auth0-evaluator.js';
import { logEvent } from '../helpers/auth0-fixtures.js';
import { makeAlert } from '../helpers/slack-fixtures.js';
import { tempStateDb, type TempState } from '../helpers/temp-db.js';
import { describeStateStore } from './store-contract.js';

describeStateStore('SQLite', async () => {
  const temp = tempStateDb();
  return { store: temp.store, reopen: async () => temp.reopen(), cleanup: async () => temp.cleanup() };
});

describe('SQLite state store: what only this back end can show', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => cleanups.splice(0).forEach((c) => c()));
  function fresh(): TempState {
    const temp = tempStateDb();
    cleanups.push(temp.cleanup);
    return temp;
  }
  const outboxCount = (temp: TempState): number => (temp.db.prepare('SELECT COUNT(*) AS n FROM outbox').get() as { n: number }).n;
  const page = (n: number, extra: object = {}) => ({
    checkpoint: logEvent(n).log_id,
    checkpointDate: null,
    ruleState: { seen: n },
    alerts: [alertFor(logEvent(n) as never)],
    defaultChannel: '#a',
    ...extra,
  });

  it('prepares its statements once per database, not on every page', async () => {
    const temp = fresh();
    const prepare = vi.spyOn(temp.db, 'prepare');
    const commit = (n: number) => temp.store.commitPage('acme', page(n, { after: n === 1 ? null : logEvent(n - 1).log_id }));
    await commit(1);
    const afterFirstPage = prepare.mock.calls.length;
    for (let n = 2; n <= 5; n++) await commit(n);
    expect(prepare.mock.calls.length).toBe(afterFirstPage);
    expect(outboxCount(temp)).toBe(5);
    expect(await temp.store.readTenant('acme')).toMatchObject({ checkpoint: logEvent(5).log_id, ruleState: { seen: 5 } });
  });

  it('a database locked by another process is a retryable StateBusyError, nothing stored; once released the same page commits', async () => {
    const temp = fresh();
    const start = logEvent(1).log_id;
    await temp.store.commitPage('acme', { ...page(1), after: null, alerts: [] });
    const other = temp.reopen();
    temp.db.pragma('busy_timeout = 0'); // fail at once instead of waiting out the 5 s timeout
    other.db.exec('BEGIN IMMEDIATE');
    const next = page(2, { after: start });
    const thrown = await temp.store.commitPage('acme', next).catch((error: unknown) => error);
    expect(thrown).toBeInstanceOf(StateBusyError);
    expect((thrown as StateBusyError).message).toMatch(/locked by another process .*storing the page up to checkpoint .* of tenant acme.*the next cycle retries/);
    // Every other write is classified the same way (the sender retries the recording).
    await expect(temp.store.markFailed([1], 'x')).rejects.toBeInstanceOf(StateBusyError);
    other.db.exec('ROLLBACK');
    expect(outboxCount(temp)).toBe(0);
    expect((await temp.store.readTenant('acme'))?.checkpoint).toBe(start);

    await temp.store.commitPage('acme', next);
    expect(outboxCount(temp)).toBe(1);
  });

  it('a full disk is a retryable StateBusyError that says so', async () => {
    const temp = fresh();
    const pages = temp.db.pragma('page_count', { simple: true }) as number;
    temp.db.pragma(`max_page_count = ${pages}`); // no room for the rule state below
    await expect(temp.store.commitPage('acme', page(1, { ruleState: { big: 'x'.repeat(100_000) }, alerts: [] }))).rejects.toThrow(
      expect.objectContaining({ name: 'StateBusyError', message: expect.stringMatching(/disk holding the state database is full/) }),
    );
  });

  it('rolls back the queued alerts when storing the checkpoint fails', async () => {
    const temp = fresh();
    // Simulates a failure after the outbox insert (e.g. disk full) inside the same transaction.
    temp.db.exec(`CREATE TRIGGER fail_checkpoint BEFORE INSERT ON tenant_state BEGIN SELECT RAISE(ABORT, 'disk full'); END;`);
    await expect(temp.store.commitPage('acme', page(1))).rejects.toThrow(/disk full/);
    expect(outboxCount(temp)).toBe(0);
    expect(await temp.store.readTenant('acme')).toBeUndefined();
  });

  it('records a delivery all or nothing', async () => {
    const temp = fresh();
    await temp.store.enqueueAlerts('acme', [makeAlert(), makeAlert()], '#a');
    const { rows } = await temp.store.pendingRows('#a', 10);
    temp.db.exec(`CREATE TRIGGER fail_incident BEFORE INSERT ON incidents BEGIN SELECT RAISE(ABORT, 'disk full'); END;`);
    await expect(temp.store.recordDelivery({ rows, messageTs: '1.1', channel: 'C1', parent: true }, new Date())).rejects.toThrow(/disk full/);
    expect((await temp.store.pendingStats()).count).toBe(2);
  });

  it('reports damaged rule state instead of throwing, so status and /healthz still read the row', async () => {
    const temp = fresh();
    await temp.store.commitPage('acme', page(1, { alerts: [] }));
    temp.db.prepare(`UPDATE tenant_state SET rule_state = 'not json'`).run();
    await temp.store.recordPollOutcome('acme', { ok: true, at: new Date('2024-05-01T12:00:00Z') });
    expect(await temp.store.readTenant('acme')).toMatchObject({ checkpoint: logEvent(1).log_id, ruleState: undefined, ruleStateDamaged: true, lastPollOk: true });
  });

  it('lists rows whose stored alert no longer decodes apart, never dropping them', async () => {
    const temp = fresh();
    await temp.store.enqueueAlerts('acme', [makeAlert(), makeAlert()], '#a');
    temp.db.prepare(`UPDATE outbox SET alert = 'not json' WHERE id = (SELECT MIN(id) FROM outbox)`).run();
    const { rows, unreadable } = await temp.store.pendingRows('#a', 10);
    expect(rows).toHaveLength(1);
    expect(unreadable).toEqual([{ id: expect.any(Number), problem: 'stored alert is not valid JSON' }]);
  });

  it('opens :memory: for the demo', async () => {
    const store = SqliteStateStore.open(':memory:');
    await store.enqueueAlerts('demo', [makeAlert()], '#a');
    expect((await store.pendingStats()).count).toBe(1);
    await store.close();
    await store.close(); // closing twice is harmless
  });
});
