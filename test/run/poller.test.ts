import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { syntheticCheckpoint } from '../../src/auth0/checkpoint.js';
import { Auth0Client } from '../../src/auth0/client.js';
import { Auth0LogSource, type LogSource } from '../../src/auth0/log-source.js';
import { abortableSleep } from '../../src/auth0/retry.js';
import type { StartFrom } from '../../src/config/start-from.js';
import { StateBusyError } from '../../src/errors.js';
import type { Alert } from '../../src/engine/alert.js';
import type { StateDb } from '../../src/state/sqlite/db.js';
import type { SqliteStateStore } from '../../src/state/sqlite/store.js';
import { commitPage, readTenantState } from '../../src/state/sqlite/tenant-state.js';
import { TenantCheckpointStore, DryRunCheckpointStore } from '../../src/run/checkpoint-store.js';
import { runPollCycle } from '../../src/run/poller.js';
import { alertOnFailedLogins } from '../helpers/auth0-evaluator.js';
import {
  AUTH0_BASE,
  CLIENT_ID,
  CLIENT_SECRET,
  captureLogger,
  logEvent,
  logsRequest,
  mockLogsPage,
  mockToken,
} from '../helpers/auth0-fixtures.js';
import { tempStateDb } from '../helpers/temp-db.js';

const TAKE = 3;
const NOW = Date.parse('2024-05-01T13:00:00Z');
const events = Array.from({ length: 9 }, (_, i) => logEvent(i + 1));
const ids = events.map((e) => e.log_id);
const HISTORY = syntheticCheckpoint(new Date('2024-05-01T11:00:00Z'));

let temp: ReturnType<typeof tempStateDb>;
beforeEach(() => {
  nock.disableNetConnect();
  temp = tempStateDb();
});
afterEach(() => {
  temp.cleanup();
  nock.cleanAll();
  nock.enableNetConnect();
});

/** One bot process: its own client, token cache and database handle. */
function poller(state: SqliteStateStore, startFrom: StartFrom = { kind: 'now' }) {
  const capture = captureLogger();
  const client = new Auth0Client({ baseUrl: AUTH0_BASE, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, audience: 'x' });
  const source = new Auth0LogSource(client, { take: TAKE, retry: { maxAttempts: 3 }, sleep: async () => {}, logger: capture.logger });
  const cycle = () =>
    runPollCycle({
      tenant: 'acme',
      source,
      store: new TenantCheckpointStore(state, 'acme', '#alerts', () => NOW),
      evaluator: alertOnFailedLogins(),
      startFrom,
      logger: capture.logger,
      now: () => NOW,
    });
  return { ...capture, cycle };
}

function queuedLogIds(db: StateDb): string[] {
  const rows = db.prepare('SELECT alert FROM outbox ORDER BY id').all() as Array<{ alert: string }>;
  return rows.flatMap((row) => (JSON.parse(row.alert) as Alert).logIds);
}

function storeCheckpoint(db: StateDb, checkpoint: string, ruleState: unknown = { seen: 0 }) {
  commitPage(db, 'acme', { checkpoint, checkpointDate: null, ruleState, alerts: [], defaultChannel: '#alerts' });
}

describe('runPollCycle', () => {
  it('pages forward until an empty page, storing the alerts of every page, the rule state and the last checkpoint', async () => {
    storeCheckpoint(temp.db, HISTORY);
    mockToken();
    mockLogsPage(HISTORY, events.slice(0, 3), { take: TAKE });
    mockLogsPage(ids[2]!, events.slice(3, 6), { take: TAKE });
    mockLogsPage(ids[5]!, events.slice(6, 7), { take: TAKE });
    mockLogsPage(ids[6]!, [], { take: TAKE });
    const { cycle, records } = poller(temp.store);

    const report = await cycle();

    expect(report).toMatchObject({ ok: true, pages: 4, eventsFetched: 7, alertsQueued: 7, checkpoint: ids[6], caughtUp: true });
    expect(queuedLogIds(temp.db)).toEqual(ids.slice(0, 7));
    expect(readTenantState(temp.db, 'acme')).toMatchObject({ checkpoint: ids[6], ruleState: { seen: 7 }, lastPollOk: true });
    expect(nock.pendingMocks()).toEqual([]);
    // One line per cycle with the counts an operator needs.
    const cycleLines = records().filter((r) => r.msg === 'poll cycle done');
    expect(cycleLines).toEqual([
      expect.objectContaining({ eventsFetched: 7, alertsQueued: 7, checkpoint: ids[6], rateLimitWaits: 0, durationMs: 0 }),
    ]);
  });

  it('gives up on a failing page keeping the last committed checkpoint; a restart resumes there, nothing twice, nothing missed', async () => {
    storeCheckpoint(temp.db, HISTORY);
    mockToken();
    mockLogsPage(HISTORY, events.slice(0, 3), { take: TAKE });
    mockLogsPage(ids[2]!, events.slice(3, 6), { take: TAKE });
    logsRequest(ids[5]!, TAKE).times(3).reply(500, { error: 'Internal Server Error' });
    const first = await poller(temp.store).cycle();

    expect(first).toMatchObject({ ok: false, pages: 2, checkpoint: ids[5], retries: 2 });
    expect(first.error?.message).toMatch(/500.*gave up after 3 attempts/);
    expect(readTenantState(temp.db, 'acme')).toMatchObject({ checkpoint: ids[5], lastPollOk: false });
    expect(readTenantState(temp.db, 'acme')?.lastPollError).toMatch(/gave up/);

    // A new process on the same database file.
    temp.db.close();
    const db = temp.reopen();
    mockToken();
    mockLogsPage(ids[5]!, events.slice(6, 9), { take: TAKE });
    mockLogsPage(ids[8]!, [], { take: TAKE });
    const second = await poller(db).cycle();

    expect(second).toMatchObject({ ok: true, alertsQueued: 3, checkpoint: ids[8] });
    expect(queuedLogIds(db.db)).toEqual(ids);
    expect(readTenantState(db.db, 'acme')?.ruleState).toEqual({ seen: 9 });
  });

  it('commits several pages in one transaction (bounded by pages and by time), and always before the cycle ends', async () => {
    storeCheckpoint(temp.db, HISTORY);
    mockToken();
    for (let page = 0; page < 3; page++) mockLogsPage(page === 0 ? HISTORY : ids[page * 3 - 1]!, events.slice(page * 3, page * 3 + 3), { take: TAKE });
    mockLogsPage(ids[8]!, [], { take: TAKE });
    const client = new Auth0Client({ baseUrl: AUTH0_BASE, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, audience: 'x' });
    const store = new TenantCheckpointStore(temp.store, 'acme', '#alerts', () => NOW);
    const commits: Array<string | null> = [];
    const commit = store.commit.bind(store);
    store.commit = (page) => {
      commits.push(page.checkpoint);
      return commit(page);
    };
    const report = await runPollCycle({
      tenant: 'acme',
      source: new Auth0LogSource(client, { take: TAKE, sleep: async () => {}, logger: captureLogger().logger }),
      store,
      evaluator: alertOnFailedLogins(),
      startFrom: { kind: 'now' },
      logger: captureLogger().logger,
      now: () => NOW,
      commitEvery: { pages: 2, ms: 60_000 },
    });

    expect(report).toMatchObject({ ok: true, pages: 4, alertsQueued: 9, checkpoint: ids[8] });
    expect(commits).toEqual([ids[5], ids[8]]);
    expect(queuedLogIds(temp.db)).toEqual(ids);
    expect(readTenantState(temp.db, 'acme')).toMatchObject({ checkpoint: ids[8], ruleState: { seen: 9 } });
  });

  it('commits pending pages once the time bound passes, even below the page bound', async () => {
    storeCheckpoint(temp.db, HISTORY);
    let clock = NOW;
    const pages = [events.slice(0, 3), events.slice(3, 6), []];
    const source: LogSource = {
      fetchPage: async () => {
        clock += 600; // each page takes 0.6 s
        return pages.shift()!;
      },
      newestLogId: async () => null,
      takeWaitStats: () => ({ rateLimitWaits: 0, rateLimitWaitMs: 0, retries: 0 }),
    };
    const store = new TenantCheckpointStore(temp.store, 'acme', '#alerts', () => clock);
    const commits: string[] = [];
    const commit = store.commit.bind(store);
    store.commit = (page) => {
      commits.push(page.checkpoint);
      return commit(page);
    };
    await runPollCycle({ tenant: 'acme', source, store, evaluator: alertOnFailedLogins(), startFrom: { kind: 'now' }, logger: captureLogger().logger, now: () => clock, commitEvery: { pages: 10, ms: 1_000 } });
    // Page 1 read at +0.6 s, page 2 at +1.2 s: 0.6 s after the first uncommitted page, not yet due; the empty page ends the cycle.
    expect(commits).toEqual([ids[5]]);
    clock = NOW;
    const slower = [events.slice(6, 9), []];
    source.fetchPage = async () => {
      clock += 1_500;
      return slower.shift()!;
    };
    commits.length = 0;
    await runPollCycle({ tenant: 'acme', source, store, evaluator: alertOnFailedLogins(), startFrom: { kind: 'now' }, logger: captureLogger().logger, now: () => clock, commitEvery: { pages: 10, ms: 1_000 } });
    expect(commits).toEqual([ids[8]]);
  });

  it('stores the pages evaluated before a failed fetch, so the next cycle resumes after them', async () => {
    storeCheckpoint(temp.db, HISTORY);
    mockToken();
    mockLogsPage(HISTORY, events.slice(0, 3), { take: TAKE });
    mockLogsPage(ids[2]!, events.slice(3, 6), { take: TAKE });
    logsRequest(ids[5]!, TAKE).times(3).reply(500, { error: 'Internal Server Error' });
    const { cycle } = poller(temp.store);
    const report = await cycle();
    expect(report).toMatchObject({ ok: false, alertsQueued: 6, checkpoint: ids[5] });
    expect(queuedLogIds(temp.db)).toEqual(ids.slice(0, 6));
    expect(readTenantState(temp.db, 'acme')).toMatchObject({ checkpoint: ids[5], ruleState: { seen: 6 } });
  });

  it('a locked database fails the cycle with a retryable StateBusyError; the next cycle stores the same pages', async () => {
    storeCheckpoint(temp.db, HISTORY);
    temp.db.pragma('busy_timeout = 0');
    const other = temp.reopen();
    other.db.exec('BEGIN IMMEDIATE');
    mockToken();
    mockLogsPage(HISTORY, events.slice(0, 3), { take: TAKE });
    mockLogsPage(ids[2]!, [], { take: TAKE });
    const { cycle, records } = poller(temp.store);

    const first = await cycle();
    expect(first).toMatchObject({ ok: false, alertsQueued: 0, checkpoint: HISTORY });
    expect(first.error).toBeInstanceOf(StateBusyError);
    expect(records().find((r) => String(r.msg).startsWith('poll cycle failed'))).toMatchObject({ errorCode: 'state_error', error: expect.stringMatching(/locked by another process/) });

    other.db.exec('ROLLBACK');
    mockLogsPage(HISTORY, events.slice(0, 3), { take: TAKE });
    mockLogsPage(ids[2]!, [], { take: TAKE });
    expect(await cycle()).toMatchObject({ ok: true, alertsQueued: 3, checkpoint: ids[2] });
    expect(queuedLogIds(temp.db)).toEqual(ids.slice(0, 3));
  });

  it('a second process reading the same page meanwhile fails its cycle instead of queuing the alerts twice', async () => {
    storeCheckpoint(temp.db, HISTORY);
    mockToken();
    mockLogsPage(HISTORY, events.slice(0, 3), { take: TAKE });
    mockLogsPage(ids[2]!, [], { take: TAKE });
    const other = temp.reopen();
    // Process B has loaded HISTORY and fetched the page when process A commits it (overlapping cron runs).
    const source: LogSource = {
      fetchPage: async () => {
        await poller(other).cycle();
        return events.slice(0, 3);
      },
      newestLogId: async () => null,
      takeWaitStats: () => ({ rateLimitWaits: 0, rateLimitWaitMs: 0, retries: 0 }),
    };
    const report = await runPollCycle({
      tenant: 'acme',
      source,
      store: new TenantCheckpointStore(temp.store, 'acme', '#alerts', () => NOW),
      evaluator: alertOnFailedLogins(),
      startFrom: { kind: 'now' },
      logger: captureLogger().logger,
      now: () => NOW,
    });

    expect(report).toMatchObject({ ok: false, alertsQueued: 0 });
    expect(report.error?.message).toMatch(/another auth0-log-alerts running/);
    expect(queuedLogIds(temp.db)).toEqual(ids.slice(0, 3));
    expect(readTenantState(temp.db, 'acme')).toMatchObject({ checkpoint: ids[2], ruleState: { seen: 3 } });
  });

  it('a wait cut short by shutdown is not recorded as a failed poll', async () => {
    storeCheckpoint(temp.db, HISTORY);
    mockToken();
    logsRequest(HISTORY, TAKE).reply(500, { error: 'Internal Server Error' });
    const shutdown = new AbortController();
    const client = new Auth0Client({ baseUrl: AUTH0_BASE, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, audience: 'x' });
    // SIGTERM arrives during the backoff after the 500.
    const sleep = (ms: number) => {
      const wait = abortableSleep(shutdown.signal)(ms);
      shutdown.abort();
      return wait;
    };
    const { logger, records } = captureLogger();
    const report = await runPollCycle({
      tenant: 'acme',
      source: new Auth0LogSource(client, { take: TAKE, sleep }),
      store: new TenantCheckpointStore(temp.store, 'acme', '#alerts', () => NOW),
      evaluator: alertOnFailedLogins(),
      startFrom: { kind: 'now' },
      logger,
      now: () => NOW,
      shouldStop: () => shutdown.signal.aborted,
    });

    expect(report).toMatchObject({ ok: true, interrupted: true, caughtUp: false, checkpoint: HISTORY });
    expect(report.error).toBeUndefined();
    expect(readTenantState(temp.db, 'acme')).toMatchObject({ checkpoint: HISTORY, lastPollOk: null, lastPollError: null });
    expect(records().filter((r) => Number(r.level) >= 50)).toEqual([]);
  });

  it('with START_FROM=now starts at the newest log: history is not alerted, the next event is', async () => {
    mockToken();
    nock(AUTH0_BASE).get('/api/v2/logs').query({ sort: 'date:-1', per_page: '1', page: '0' }).reply(200, [events[4]]);
    mockLogsPage(ids[4]!, [], { take: TAKE });
    const { cycle } = poller(temp.store);
    expect(await cycle()).toMatchObject({ ok: true, alertsQueued: 0, checkpoint: ids[4] });

    mockLogsPage(ids[4]!, events.slice(5, 6), { take: TAKE });
    mockLogsPage(ids[5]!, [], { take: TAKE });
    expect(await cycle()).toMatchObject({ ok: true, alertsQueued: 1, checkpoint: ids[5] });
    expect(queuedLogIds(temp.db)).toEqual([ids[5]]);
  });

  it('with START_FROM=now on an empty tenant starts at the current time, so the first events are not missed', async () => {
    mockToken();
    nock(AUTH0_BASE).get('/api/v2/logs').query({ sort: 'date:-1', per_page: '1', page: '0' }).reply(200, []);
    const start = syntheticCheckpoint(new Date(NOW));
    const fresh = logEvent(1, {}, new Date(NOW));
    mockLogsPage(start, [fresh], { take: TAKE });
    mockLogsPage(fresh.log_id, [], { take: TAKE });
    expect(await poller(temp.store).cycle()).toMatchObject({ ok: true, alertsQueued: 1, checkpoint: fresh.log_id });
  });

  it('with START_FROM=1h backfills from a checkpoint one hour back', async () => {
    mockToken();
    const hourAgo = syntheticCheckpoint(new Date(NOW - 3_600_000));
    const backlog = logEvent(1, {}, new Date(NOW - 1_800_000));
    mockLogsPage(hourAgo, [backlog], { take: TAKE });
    mockLogsPage(backlog.log_id, [], { take: TAKE });
    expect(await poller(temp.store, { kind: 'ago', ms: 3_600_000 }).cycle()).toMatchObject({ ok: true, alertsQueued: 1 });
    expect(queuedLogIds(temp.db)).toEqual([backlog.log_id]);
  });

  it('stores the starting position with its time, so status shows its age before any event', async () => {
    mockToken();
    const hourAgo = syntheticCheckpoint(new Date(NOW - 3_600_000));
    mockLogsPage(hourAgo, [], { take: TAKE });
    expect(await poller(temp.store, { kind: 'ago', ms: 3_600_000 }).cycle()).toMatchObject({ ok: true, caughtUp: true });
    expect(readTenantState(temp.db, 'acme')).toMatchObject({ checkpoint: hourAgo, checkpointDate: new Date(NOW - 3_600_000).toISOString() });
  });

  it('skips a malformed event with a warning naming it, and processes the events after it', async () => {
    storeCheckpoint(temp.db, HISTORY);
    mockToken();
    const broken = { ...events[1], date: 'not a date' };
    mockLogsPage(HISTORY, [events[0], broken, null], { take: TAKE });
    mockLogsPage(ids[1]!, [events[2], { ...events[3], log_id: 42 }], { take: TAKE });
    mockLogsPage(ids[2]!, [], { take: TAKE });
    const { cycle, records } = poller(temp.store);

    const report = await cycle();

    expect(report).toMatchObject({ ok: true, malformed: 3, alertsQueued: 2, checkpoint: ids[2] });
    expect(queuedLogIds(temp.db)).toEqual([ids[0], ids[2]]);
    const warnings = records().filter((r) => r.level === 40).map((r) => r.msg);
    expect(warnings).toEqual([
      `skipping malformed log event log_id ${ids[1]}`,
      'skipping malformed log event at index 2 of the page',
      'skipping malformed log event at index 1 of the page',
    ]);
  });

  it('fails the cycle (not "caught up") on a page of items without log_id, keeping the checkpoint', async () => {
    storeCheckpoint(temp.db, HISTORY);
    mockToken();
    mockLogsPage(HISTORY, [{ type: 'f' }, 'garbage', null], { take: TAKE });
    const report = await poller(temp.store).cycle();

    expect(report).toMatchObject({ ok: false, caughtUp: false, malformed: 3, checkpoint: HISTORY });
    expect(report.error?.message).toMatch(/3 item\(s\) after checkpoint .* without a log_id/);
    expect(readTenantState(temp.db, 'acme')).toMatchObject({ checkpoint: HISTORY, lastPollOk: false });
  });

  it('goes on alerting from the checkpoint with fresh rule state when the stored one is not JSON, and says so', async () => {
    storeCheckpoint(temp.db, HISTORY, { seen: 50 });
    temp.db.prepare(`UPDATE tenant_state SET rule_state = '{"seen": 5' WHERE tenant = 'acme'`).run();
    mockToken();
    mockLogsPage(HISTORY, events.slice(0, 2), { take: TAKE });
    mockLogsPage(ids[1]!, [], { take: TAKE });
    const { cycle, records } = poller(temp.store);

    expect(await cycle()).toMatchObject({ ok: true, alertsQueued: 2, checkpoint: ids[1] });
    expect(queuedLogIds(temp.db)).toEqual(ids.slice(0, 2));
    expect(readTenantState(temp.db, 'acme')).toMatchObject({ ruleState: { seen: 2 }, ruleStateDamaged: false });
    expect(records().filter((r) => r.level === 50).map((r) => r.msg)).toEqual([
      expect.stringContaining('stored rule state is not valid JSON'),
    ]);
  });

  it('dry run: reports alerts, carries rule state across pages, changes neither checkpoint nor outbox', async () => {
    storeCheckpoint(temp.db, HISTORY, { seen: 100 });
    mockToken();
    mockLogsPage(HISTORY, events.slice(0, 3), { take: TAKE });
    mockLogsPage(ids[2]!, events.slice(3, 4), { take: TAKE });
    mockLogsPage(ids[3]!, [], { take: TAKE });
    const printed: Alert[] = [];
    const capture = captureLogger();
    const client = new Auth0Client({ baseUrl: AUTH0_BASE, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, audience: 'x' });
    const store = new DryRunCheckpointStore(new TenantCheckpointStore(temp.store, 'acme', '#alerts').load(), (alerts) =>
      printed.push(...alerts),
    );
    const report = await runPollCycle({
      tenant: 'acme',
      source: new Auth0LogSource(client, { take: TAKE }),
      store,
      evaluator: alertOnFailedLogins(),
      startFrom: { kind: 'now' },
      logger: capture.logger,
    });

    expect(report).toMatchObject({ ok: true, alertsQueued: 0, wouldQueue: 4 });
    expect(printed.map((a) => [a.logIds[0], a.incidentCount])).toEqual([
      [ids[0], 101],
      [ids[1], 102],
      [ids[2], 103],
      [ids[3], 104],
    ]);
    expect(readTenantState(temp.db, 'acme')).toMatchObject({ checkpoint: HISTORY, ruleState: { seen: 100 }, lastPollAt: null });
    expect(queuedLogIds(temp.db)).toEqual([]);
  });
});
