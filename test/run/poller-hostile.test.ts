import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { syntheticCheckpoint } from '../../src/auth0/checkpoint.js';
import { Auth0Client } from '../../src/auth0/client.js';
import { Auth0LogSource } from '../../src/auth0/log-source.js';
import { loadCatalog } from '../../src/catalog/index.js';
import { compileRules, loadRules, type Alert } from '../../src/engine/index.js';
import { TenantCheckpointStore } from '../../src/run/checkpoint-store.js';
import { engineEvaluator } from '../../src/run/engine-evaluator.js';
import type { PageEvaluator } from '../../src/run/evaluator.js';
import { runPollCycle } from '../../src/run/poller.js';
import { commitPage, readTenantState } from '../../src/state/sqlite/tenant-state.js';
import { AUTH0_BASE, ACCESS_TOKEN, CLIENT_ID, CLIENT_SECRET, captureLogger, logEvent, mockToken } from '../helpers/auth0-fixtures.js';
import { tempStateDb } from '../helpers/temp-db.js';

/**
 * Issue 11, points 1 and 3, through a real poll cycle: default rules, a real
 * SQLite state, Auth0 answering through nock with a page whose JSON is written
 * by hand (a 10,000-level nesting cannot even be JSON.stringify'd).
 */
const NOW = Date.parse('2024-05-01T13:00:00Z');
const HISTORY = syntheticCheckpoint(new Date('2024-05-01T11:00:00Z'));
const catalog = loadCatalog();
const rules = loadRules('rules', catalog);

let temp: ReturnType<typeof tempStateDb>;
beforeEach(() => {
  nock.disableNetConnect();
  temp = tempStateDb();
  commitPage(temp.db, 'acme', { checkpoint: HISTORY, checkpointDate: null, ruleState: {}, alerts: [], defaultChannel: '#alerts' });
});
afterEach(() => {
  temp.cleanup();
  nock.cleanAll();
  nock.enableNetConnect();
});

function deepJson(levels: number): string {
  return `${'{"d":'.repeat(levels)}"bottom"${'}'.repeat(levels)}`;
}

/** The page as Auth0 would send it, with `__DEEP__` placeholders replaced by raw JSON. */
function pageBody(events: Array<Record<string, unknown>>): string {
  return JSON.stringify(events).replaceAll('"__DEEP__"', deepJson(10_000));
}

function mockPage(from: string, body: string) {
  nock(AUTH0_BASE, { reqheaders: { authorization: `Bearer ${ACCESS_TOKEN}` } })
    .get('/api/v2/logs')
    .query({ from, take: '100' })
    .reply(200, body, { 'content-type': 'application/json' });
}

function cycle(evaluator: PageEvaluator) {
  const capture = captureLogger();
  const client = new Auth0Client({ baseUrl: AUTH0_BASE, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, audience: 'x' });
  const source = new Auth0LogSource(client, { retry: { maxAttempts: 1 }, sleep: async () => {}, logger: capture.logger });
  const run = () =>
    runPollCycle({
      tenant: 'acme',
      source,
      store: new TenantCheckpointStore(temp.store, 'acme', '#alerts', () => NOW),
      evaluator,
      startFrom: { kind: 'now' },
      logger: capture.logger,
      now: () => NOW,
    });
  return { ...capture, run };
}

function storedRows(): Array<{ alert: string }> {
  return temp.db.prepare('SELECT alert FROM outbox ORDER BY id').all() as Array<{ alert: string }>;
}

describe('a poll cycle over hostile events', () => {
  it('alerts every security event whatever its display-field types, stores bounded rows, and moves on', async () => {
    const security = [
      logEvent(1, { type: 'pwd_leak', user_name: 42, ip: '198.51.100.1' }),
      logEvent(2, { type: 'pwd_leak', user_name: { first: 'a', last: 'b' }, ip: '198.51.100.2', description: ['x'] }),
      logEvent(3, { type: 'pwd_leak', user_name: ['x@example.com'], ip: '198.51.100.3', connection: 7, client_name: false, hostname: {}, user_agent: null }),
      logEvent(4, { type: 'limit_mu', ip: { v4: '198.51.100.4' }, user_name: 'd@example.com' }),
      logEvent(5, { type: 'pwd_leak', user_name: 'e@example.com', ip: '198.51.100.5', details: '__DEEP__', location_info: '__DEEP__' }),
      logEvent(6, { type: 'pwd_leak', user_name: 'A'.repeat(5_000_000), ip: '198.51.100.6', description: 'd'.repeat(1_000_000) }),
      logEvent(7, { type: 'pwd_leak', user_name: 'g@example.com', ip: '198.51.100.7', ['__proto__']: { admin: true }, scope: ['a', 1, null] }),
    ];
    const normal = [logEvent(8, { type: 's' }), logEvent(9, { type: 'f' })];
    const page = [...security, ...normal];
    mockToken();
    mockPage(HISTORY, pageBody(page));
    mockPage(page[page.length - 1]!.log_id, '[]');

    const { run, records } = cycle(engineEvaluator(compileRules(rules.rules, catalog)));
    const report = await run();

    expect(nock.pendingMocks()).toEqual([]);
    expect(report).toMatchObject({ ok: true, malformed: 0, eventsFetched: page.length, checkpoint: page[page.length - 1]!.log_id });
    expect(records().filter((line) => line.level === 40)).toEqual([]);
    const rows = storedRows();
    const reported = rows.flatMap((row) => (JSON.parse(row.alert) as Alert).logIds).sort();
    expect(reported).toEqual(security.map((event) => event.log_id).sort());
    // The outbox stores what the message needs, bounded: never the raw event.
    for (const row of rows) expect(row.alert.length).toBeLessThan(8_000);
    expect(rows.map((row) => JSON.parse(row.alert) as Alert).map((alert) => alert.event.user_name)).toContain('{"first":"a","last":"b"}');
    expect(readTenantState(temp.db, 'acme')).toMatchObject({ lastPollOk: true, checkpoint: page[page.length - 1]!.log_id });
  });

  it('an event whose evaluation throws is reported by name and skipped; the cycle succeeds', async () => {
    const page = [logEvent(1, { type: 'f' }), logEvent(2, { type: 'f' })];
    mockToken();
    mockPage(HISTORY, JSON.stringify(page));
    mockPage(page[1]!.log_id, '[]');
    const evaluator: PageEvaluator = {
      initialState: () => ({}),
      restore: (stored) => stored,
      evaluate: (state, events) => ({ alerts: [], state, skipped: [{ logId: events[0]!.log_id, problem: 'Maximum call stack size exceeded' }] }),
    };
    const { run, records } = cycle(evaluator);
    const report = await run();
    expect(report).toMatchObject({ ok: true, malformed: 1, checkpoint: page[1]!.log_id });
    const warning = records().find((line) => line.level === 40);
    expect(warning).toMatchObject({ logId: page[0]!.log_id, problem: 'Maximum call stack size exceeded' });
  });
});
