import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { syntheticCheckpoint } from '../../src/auth0/checkpoint.js';
import type { LogSource } from '../../src/auth0/log-source.js';
import { loadCatalog } from '../../src/catalog/index.js';
import { compileRules, RuleSchema, type Alert } from '../../src/engine/index.js';
import { DryRunCheckpointStore, TenantCheckpointStore, type CheckpointStore } from '../../src/run/checkpoint-store.js';
import { engineEvaluator } from '../../src/run/engine-evaluator.js';
import { runPollCycle } from '../../src/run/poller.js';
import { commitPage } from '../../src/state/sqlite/tenant-state.js';
import { captureLogger, logEvent } from '../helpers/auth0-fixtures.js';
import { tempStateDb } from '../helpers/temp-db.js';

// The poller's side of profiles: the keys a page needs are read from the store
// (or from the batch's own pending changes) and the changed ones are stored
// with the page's alerts and checkpoint.
const catalog = loadCatalog();
const ruleSet = compileRules([RuleSchema.parse({ id: 'travel', severity: 'high', match: { codes: ['s'] }, impossible_travel: {}, throttle: '1h' })], catalog);
const AMSTERDAM = { city_name: 'Amsterdam', country_name: 'Netherlands', latitude: 52.37, longitude: 4.9 };
const SYDNEY = { city_name: 'Sydney', country_name: 'Australia', latitude: -33.87, longitude: 151.21 };
const login = (seq: number, place: object) => logEvent(seq, { type: 's', description: 'Successful login', location_info: place });
const HISTORY = syntheticCheckpoint(new Date('2024-05-01T11:00:00Z'));
// A login from Amsterdam, then one from Sydney an hour later.
const amsterdam = login(1, AMSTERDAM);
const sydney = login(3_600, SYDNEY);

let temp: ReturnType<typeof tempStateDb>;
beforeEach(() => {
  temp = tempStateDb();
  commitPage(temp.db, 'acme', { checkpoint: HISTORY, checkpointDate: null, ruleState: {}, alerts: [], defaultChannel: '#alerts' });
});
afterEach(() => temp.cleanup());

function source(pages: unknown[][]): LogSource {
  return {
    fetchPage: async () => pages.shift() ?? [],
    newestLogId: async () => null,
    takeWaitStats: () => ({ rateLimitWaits: 0, rateLimitWaitMs: 0, retries: 0 }),
  };
}

async function cycle(pages: unknown[][], store: CheckpointStore = new TenantCheckpointStore(temp.store, 'acme', '#alerts'), commitEvery = { pages: 10, ms: 60_000 }) {
  return runPollCycle({ tenant: 'acme', source: source(pages), store, evaluator: engineEvaluator(ruleSet), startFrom: { kind: 'now' }, logger: captureLogger().logger, commitEvery });
}

const queued = () => (temp.db.prepare('SELECT alert FROM outbox ORDER BY id').all() as Array<{ alert: string }>).map((row) => JSON.parse(row.alert) as Alert);
const profileRows = () => temp.db.prepare('SELECT key, seen_at FROM profiles ORDER BY key').all();

describe('runPollCycle with profile rules', () => {
  it('stores the profiles a page changed with its alerts and checkpoint, and the next cycle reads them back', async () => {
    expect(await cycle([[amsterdam]])).toMatchObject({ ok: true, alertsQueued: 0, checkpoint: amsterdam.log_id });
    expect(profileRows()).toEqual([{ key: 'travel\u0000auth0|user1', seen_at: Date.parse(amsterdam.date) }]);
    // A later cycle (a restart, even): the Amsterdam login comes from the store.
    const report = await cycle([[sydney]], new TenantCheckpointStore(temp.reopen(), 'acme', '#alerts'));
    expect(report).toMatchObject({ ok: true, alertsQueued: 1 });
    expect(queued().map((alert) => alert.travel && [alert.travel.from.place, alert.travel.to.place])).toEqual([['Amsterdam, Netherlands', 'Sydney, Australia']]);
    expect(profileRows()).toEqual([{ key: 'travel\u0000auth0|user1', seen_at: Date.parse(sydney.date) }]);
  });

  it('reads a profile changed by an earlier page of the same uncommitted batch before the store', async () => {
    const store = new TenantCheckpointStore(temp.store, 'acme', '#alerts');
    const commits: number[] = [];
    const commit = store.commit.bind(store);
    store.commit = (page) => {
      commits.push(page.profiles?.size ?? 0);
      return commit(page);
    };
    const report = await cycle([[amsterdam], [sydney]], store);
    expect(commits).toEqual([1]); // both pages in one commit: the Sydney page could not read Amsterdam from the store
    expect(report).toMatchObject({ ok: true, pages: 3, alertsQueued: 1 });
  });

  it('stores no profile when the page commit fails, so the re-read page sees the same memory', async () => {
    const store = new TenantCheckpointStore(temp.store, 'acme', '#alerts');
    store.commit = async () => {
      throw new Error('disk full');
    };
    const report = await cycle([[amsterdam]], store);
    expect(report.ok).toBe(false);
    expect(profileRows()).toEqual([]);
  });

  it('a dry run reads stored profiles and keeps its own changes in memory, writing none', async () => {
    await cycle([[amsterdam]]);
    const stored = new TenantCheckpointStore(temp.store, 'acme', '#alerts');
    const printed: Alert[] = [];
    const dry = new DryRunCheckpointStore(stored.load(), (alerts) => printed.push(...alerts), (keys) => stored.loadProfiles(keys));
    const paris = login(5_400, { city_name: 'Paris', country_name: 'France', latitude: 48.86, longitude: 2.35 });
    await cycle([[sydney], [paris]], dry, { pages: 1, ms: 60_000 });
    // Amsterdam → Sydney from the stored profile; Sydney → Paris from the dry run's own (committed in memory).
    expect(printed.map((alert) => alert.kind)).toEqual(['alert', 'repeat']);
    expect(profileRows()).toEqual([{ key: 'travel\u0000auth0|user1', seen_at: Date.parse(amsterdam.date) }]);
  });
});
