import { afterEach, describe, expect, it, vi } from 'vitest';
import { StateBusyError, StateError } from '../../src/errors.js';
import { openStateDb } from '../../src/state/db.js';
import { commitPage, listTenantStates, readTenantState, recordPollOutcome } from '../../src/state/tenant-state.js';
import { alertFor } from '../helpers/auth0-evaluator.js';
import { logEvent } from '../helpers/auth0-fixtures.js';
import { tempStateDb } from '../helpers/temp-db.js';

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));
function db() {
  const temp = tempStateDb();
  cleanups.push(temp.cleanup);
  return temp;
}

const outboxCount = (d: ReturnType<typeof db>['db']): number => (d.prepare('SELECT COUNT(*) AS n FROM outbox').get() as { n: number }).n;

describe('tenant state', () => {
  it('prepares its statements once per database, not on every page', () => {
    const temp = db();
    const prepare = vi.spyOn(temp.db, 'prepare');
    const commit = (n: number) =>
      commitPage(temp.db, 'acme', {
        after: n === 1 ? null : logEvent(n - 1).log_id,
        checkpoint: logEvent(n).log_id,
        checkpointDate: null,
        ruleState: { seen: n },
        alerts: [alertFor(logEvent(n) as never)],
        defaultChannel: '#a',
      });
    commit(1);
    const afterFirstPage = prepare.mock.calls.length;
    for (let n = 2; n <= 5; n++) commit(n);
    expect(prepare.mock.calls.length).toBe(afterFirstPage);
    expect(outboxCount(temp.db)).toBe(5);
    expect(readTenantState(temp.db, 'acme')).toMatchObject({ checkpoint: logEvent(5).log_id, ruleState: { seen: 5 } });
  });

  it('stores the rule state text the evaluator serialised, when given', () => {
    const temp = db();
    commitPage(temp.db, 'acme', { checkpoint: logEvent(1).log_id, checkpointDate: null, ruleState: { seen: 1 }, ruleStateJson: '{"seen":1,"cached":true}', alerts: [], defaultChannel: '#a' });
    expect(readTenantState(temp.db, 'acme')?.ruleState).toEqual({ seen: 1, cached: true });
  });

  it('a database locked by another process is a retryable StateBusyError, nothing stored; once released the same page commits', () => {
    const temp = db();
    const start = logEvent(1).log_id;
    commitPage(temp.db, 'acme', { after: null, checkpoint: start, checkpointDate: null, ruleState: {}, alerts: [], defaultChannel: '#a' });
    const other = openStateDb(temp.path);
    cleanups.push(() => other.close());
    temp.db.pragma('busy_timeout = 0'); // fail at once instead of waiting out the 5 s timeout
    other.exec('BEGIN IMMEDIATE');
    const page = { after: start, checkpoint: logEvent(2).log_id, checkpointDate: null, ruleState: { seen: 2 }, alerts: [alertFor(logEvent(2) as never)], defaultChannel: '#a' };

    let thrown: unknown;
    try {
      commitPage(temp.db, 'acme', page);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(StateBusyError);
    expect((thrown as StateBusyError).message).toMatch(/locked by another process .*storing the page up to checkpoint .* of tenant acme.*the next cycle retries/);
    other.exec('ROLLBACK');
    expect(outboxCount(temp.db)).toBe(0);
    expect(readTenantState(temp.db, 'acme')?.checkpoint).toBe(start);

    commitPage(temp.db, 'acme', page);
    expect(outboxCount(temp.db)).toBe(1);
  });

  it('a full disk is a retryable StateBusyError that says so', () => {
    const temp = db();
    const pages = temp.db.pragma('page_count', { simple: true }) as number;
    temp.db.pragma(`max_page_count = ${pages}`); // no room for the rule state below
    expect(() =>
      commitPage(temp.db, 'acme', { checkpoint: logEvent(1).log_id, checkpointDate: null, ruleState: { big: 'x'.repeat(100_000) }, alerts: [], defaultChannel: '#a' }),
    ).toThrow(expect.objectContaining({ name: 'StateBusyError', message: expect.stringMatching(/disk holding the state database is full/) }));
  });

  it('has no state for an unknown tenant', () => {
    expect(readTenantState(db().db, 'acme')).toBeUndefined();
  });

  it('stores alerts, rule state and checkpoint together, readable after reopening', () => {
    const temp = db();
    const event = logEvent(1);
    commitPage(temp.db, 'acme', {
      checkpoint: event.log_id,
      checkpointDate: event.date,
      ruleState: { seen: 1 },
      alerts: [alertFor(event as never)],
      defaultChannel: '#alerts',
    });
    const reopened = temp.reopen();
    expect(readTenantState(reopened, 'acme')).toMatchObject({ checkpoint: event.log_id, checkpointDate: event.date, ruleState: { seen: 1 } });
    expect(reopened.prepare('SELECT tenant, channel, kind, rule_id FROM outbox').all()).toEqual([
      { tenant: 'acme', channel: '#alerts', kind: 'alert', rule_id: 'failed-login' },
    ]);
  });

  it('stores nothing of a page when the transaction fails', () => {
    const temp = db();
    commitPage(temp.db, 'acme', { checkpoint: logEvent(5).log_id, checkpointDate: null, ruleState: {}, alerts: [], defaultChannel: '#a' });
    // A checkpoint behind the stored one means another writer: refused, and the alerts are not queued.
    expect(() =>
      commitPage(temp.db, 'acme', {
        checkpoint: logEvent(2).log_id,
        checkpointDate: null,
        ruleState: { seen: 9 },
        alerts: [alertFor(logEvent(2) as never)],
        defaultChannel: '#a',
      }),
    ).toThrow(StateError);
    expect(outboxCount(temp.db)).toBe(0);
    expect(readTenantState(temp.db, 'acme')?.checkpoint).toBe(logEvent(5).log_id);
  });

  it('refuses a page another process already committed from the same checkpoint, queuing nothing twice', () => {
    const temp = db();
    const start = logEvent(1).log_id;
    commitPage(temp.db, 'acme', { after: null, checkpoint: start, checkpointDate: null, ruleState: {}, alerts: [], defaultChannel: '#a' });
    const page = {
      after: start,
      checkpoint: logEvent(3).log_id,
      checkpointDate: null,
      ruleState: { seen: 2 },
      alerts: [alertFor(logEvent(2) as never)],
      defaultChannel: '#a',
    };
    // Two `run --once` from cron read the same page; the second to commit must not queue it again.
    commitPage(temp.db, 'acme', page);
    expect(() => commitPage(temp.reopen(), 'acme', page)).toThrow(/another auth0-log-alerts running with the same STATE_DB/);
    expect(outboxCount(temp.db)).toBe(1);
    // The same holds for the very first position: only one process may store it.
    expect(() => commitPage(temp.db, 'acme', { ...page, after: null, alerts: [] })).toThrow(StateError);
  });

  it('rolls back the queued alerts when storing the checkpoint fails', () => {
    const temp = db();
    // Simulates a failure after the outbox insert (e.g. disk full) inside the same transaction.
    temp.db.exec(`CREATE TRIGGER fail_checkpoint BEFORE INSERT ON tenant_state BEGIN SELECT RAISE(ABORT, 'disk full'); END;`);
    const event = logEvent(1);
    expect(() =>
      commitPage(temp.db, 'acme', {
        checkpoint: event.log_id,
        checkpointDate: event.date,
        ruleState: {},
        alerts: [alertFor(event as never)],
        defaultChannel: '#a',
      }),
    ).toThrow(/disk full/);
    expect(outboxCount(temp.db)).toBe(0);
    expect(readTenantState(temp.db, 'acme')).toBeUndefined();
  });

  it('reports damaged rule state instead of throwing, so status and /healthz still read the row', () => {
    const temp = db();
    commitPage(temp.db, 'acme', { checkpoint: logEvent(1).log_id, checkpointDate: null, ruleState: {}, alerts: [], defaultChannel: '#a' });
    temp.db.prepare(`UPDATE tenant_state SET rule_state = 'not json'`).run();
    recordPollOutcome(temp.db, 'acme', { ok: true, at: new Date('2024-05-01T12:00:00Z') });
    expect(readTenantState(temp.db, 'acme')).toMatchObject({
      checkpoint: logEvent(1).log_id,
      ruleState: undefined,
      ruleStateDamaged: true,
      lastPollOk: true,
    });
  });

  it('records poll outcomes, keeping the last success across failures', () => {
    const temp = db();
    recordPollOutcome(temp.db, 'acme', { ok: true, at: new Date('2024-05-01T12:00:00Z') });
    recordPollOutcome(temp.db, 'acme', { ok: false, error: 'Auth0 GET /api/v2/logs returned 503', at: new Date('2024-05-01T12:00:30Z') });
    expect(listTenantStates(temp.db)).toEqual([
      expect.objectContaining({
        tenant: 'acme',
        checkpoint: null,
        lastPollAt: '2024-05-01T12:00:30.000Z',
        lastPollOk: false,
        lastPollError: 'Auth0 GET /api/v2/logs returned 503',
        lastSuccessAt: '2024-05-01T12:00:00.000Z',
      }),
    ]);
  });
});
