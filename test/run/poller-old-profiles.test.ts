import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { syntheticCheckpoint } from '../../src/auth0/checkpoint.js';
import type { LogSource } from '../../src/auth0/log-source.js';
import { loadCatalog } from '../../src/catalog/index.js';
import { compileRules, RuleSchema, type Alert } from '../../src/engine/index.js';
import { TenantCheckpointStore } from '../../src/run/checkpoint-store.js';
import { engineEvaluator } from '../../src/run/engine-evaluator.js';
import { runPollCycle } from '../../src/run/poller.js';
import { formatAlert } from '../../src/slack/format.js';
import { commitPage } from '../../src/state/sqlite/tenant-state.js';
import { captureLogger, logEvent } from '../helpers/auth0-fixtures.js';
import { messageTexts } from '../helpers/slack-fixtures.js';
import { tempStateDb } from '../helpers/temp-db.js';

// Travel profiles on users' disks were written before points kept a user
// agent ([time, lat, lon, ip, place]). After the upgrade they must still load
// from the real SQLite state database, compare as before, and say the earlier
// login's agent was not recorded (never invent one); the next login is stored
// with its agent.
const catalog = loadCatalog();
const ruleSet = compileRules([RuleSchema.parse({ id: 'travel', severity: 'high', match: { codes: ['s'] }, impossible_travel: {}, throttle: '1h' })], catalog);
const KEY = 'travel\u0000auth0|user1';
const AMSTERDAM_AT = Date.parse('2024-05-01T12:00:00Z');
const SCRIPT = 'python-requests/2.31.0';
const CHROME = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
const login = (seq: number, place: object, userAgent: string) =>
  logEvent(seq, { type: 's', description: 'Successful login', user_agent: userAgent, location_info: place });
const SYDNEY = { city_name: 'Sydney', country_name: 'Australia', latitude: -33.87, longitude: 151.21 };
const AMSTERDAM = { city_name: 'Amsterdam', country_name: 'Netherlands', latitude: 52.37, longitude: 4.9 };

let temp: ReturnType<typeof tempStateDb>;
beforeEach(() => {
  temp = tempStateDb();
  commitPage(temp.db, 'acme', { checkpoint: syntheticCheckpoint(new Date('2024-05-01T11:00:00Z')), checkpointDate: null, ruleState: {}, alerts: [], defaultChannel: '#alerts' });
  // The row exactly as the previous version stored it: five values per point.
  temp.db
    .prepare('INSERT INTO profiles (tenant, key, profile, seen_at) VALUES (?, ?, ?, ?)')
    .run('acme', KEY, JSON.stringify({ kind: 'travel', seen: AMSTERDAM_AT, points: [[AMSTERDAM_AT, 52.37, 4.9, '198.51.100.7', 'Amsterdam, Netherlands']] }), AMSTERDAM_AT);
});
afterEach(() => temp.cleanup());

function source(pages: unknown[][]): LogSource {
  return {
    fetchPage: async () => pages.shift() ?? [],
    newestLogId: async () => null,
    takeWaitStats: () => ({ rateLimitWaits: 0, rateLimitWaitMs: 0, retries: 0 }),
  };
}

const cycle = (pages: unknown[][]) =>
  runPollCycle({
    tenant: 'acme',
    source: source(pages),
    store: new TenantCheckpointStore(temp.reopen(), 'acme', '#alerts'),
    evaluator: engineEvaluator(ruleSet),
    startFrom: { kind: 'now' },
    logger: captureLogger().logger,
  });
const queued = () => (temp.db.prepare('SELECT alert FROM outbox ORDER BY id').all() as Array<{ alert: string }>).map((row) => JSON.parse(row.alert) as Alert);
const storedPoints = () => (JSON.parse((temp.db.prepare('SELECT profile FROM profiles WHERE key = ?').get(KEY) as { profile: string }).profile) as { points: unknown[][] }).points;
const field = (alert: Alert, label: string) =>
  messageTexts(formatAlert(alert, { catalog, defaultChannel: '#alerts' }))
    .map((one) => one.text)
    .find((text) => text.startsWith(`*${label}*`));

describe('travel profiles stored by the previous version', () => {
  it('load and compare as before; the earlier agent reads "not recorded", the new login is stored with its agent', async () => {
    // Sydney an hour after the stored Amsterdam login.
    expect(await cycle([[login(3_600, SYDNEY, SCRIPT)]])).toMatchObject({ ok: true, alertsQueued: 1 });
    const [alert] = queued();
    expect(alert!.travel!.from).toEqual({ date: new Date(AMSTERDAM_AT).toISOString(), latitude: 52.37, longitude: 4.9, ip: '198.51.100.7', place: 'Amsterdam, Netherlands' });
    expect(alert!.travel!.to).toMatchObject({ place: 'Sydney, Australia', userAgent: SCRIPT });
    expect(field(alert!, 'From')).toMatch(/\n_user agent not recorded_$/);
    expect(field(alert!, 'To')).toMatch(/\npython-requests\/2\.31\.0\n_a script, not a browser_$/);
    expect(storedPoints()).toEqual([[AMSTERDAM_AT + 3_600_000, -33.87, 151.21, '203.0.113.7', 'Sydney, Australia', SCRIPT]]);

    // Two hours later (the incident's throttle has passed), back in Amsterdam: the earlier agent now comes from the store.
    expect(await cycle([[login(3 * 3_600 + 60, AMSTERDAM, CHROME)]])).toMatchObject({ ok: true, alertsQueued: 1 });
    const back = queued()[1]!;
    expect(back.kind).toBe('alert');
    expect(back.travel).toMatchObject({ from: { place: 'Sydney, Australia', userAgent: SCRIPT }, to: { place: 'Amsterdam, Netherlands', userAgent: CHROME } });
  });
});
