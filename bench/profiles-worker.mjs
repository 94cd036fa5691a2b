// The memory of 1,000,000 users' profiles: a million logins, one per user and
// each with a location, through the bot's poll cycle (poller → engine →
// SQLite, profiles loaded per page and stored with it) from the build, in its
// own process so that its peak RSS can be measured. The log source is
// in-process (no HTTP): this measures the profiles, not the network.
// Usage: node bench/profiles-worker.mjs <stateDb> <users>
import { loadCatalog } from '../dist/catalog/index.js';
import { compileRules, loadRules, BUNDLED_RULES_DIR } from '../dist/engine/index.js';
import { createLogger } from '../dist/log.js';
import { TenantCheckpointStore } from '../dist/run/checkpoint-store.js';
import { engineEvaluator } from '../dist/run/engine-evaluator.js';
import { runPollCycle } from '../dist/run/poller.js';
import { SqliteStateStore } from '../dist/state/sqlite/store.js';

const [stateDb, usersArg] = process.argv.slice(2);
const users = Number(usersArg);
const catalog = loadCatalog();
// Every profile rule of the pack, new-country too (shipped off): two profiles per user.
const rules = loadRules(BUNDLED_RULES_DIR, catalog).rules.map((rule) => ({ ...rule, enabled: true }));
const ruleSet = compileRules(rules, catalog);
const CITIES = [
  ['NL', 'Amsterdam', 52.37, 4.9],
  ['DE', 'Berlin', 52.52, 13.4],
  ['FR', 'Paris', 48.86, 2.35],
  ['GB', 'London', 51.51, -0.13],
  ['US', 'New York', 40.71, -74.01],
];
const start = Date.parse('2024-05-01T00:00:00Z');
const logId = (n) => `900${new Date(start + n * 10).toISOString().replace(/\D/g, '').slice(0, 14)}${String(n).padStart(39, '0')}`;
let next = 0;
const source = {
  fetchPage: async () => {
    const page = [];
    for (let i = 0; i < 100 && next < users; i++, next++) {
      const [country, city, latitude, longitude] = CITIES[next % CITIES.length];
      page.push({
        log_id: logId(next + 1),
        date: new Date(start + next * 10).toISOString(),
        type: 's',
        description: 'Successful login',
        user_id: `auth0|${String(next).padStart(24, '0')}`,
        user_name: `user${next}@example.com`,
        ip: `198.51.${(next >> 8) & 255}.${next & 255}`,
        client_name: 'Storefront',
        location_info: { country_code: country, city_name: city, latitude, longitude },
      });
    }
    return page;
  },
  newestLogId: async () => null,
  takeWaitStats: () => ({ rateLimitWaits: 0, rateLimitWaitMs: 0, retries: 0 }),
};
const store = SqliteStateStore.open(stateDb);
await store.commitPage('bench', { checkpoint: logId(0), checkpointDate: null, ruleState: {}, alerts: [], defaultChannel: '#alerts' });
const report = await runPollCycle({
  tenant: 'bench',
  source,
  store: new TenantCheckpointStore(store, 'bench', '#alerts'),
  evaluator: engineEvaluator(ruleSet),
  startFrom: { kind: 'now' },
  logger: createLogger('warn'),
  maxPages: Number.POSITIVE_INFINITY,
});
const { profiles } = store.db.prepare('SELECT COUNT(*) AS profiles FROM profiles').get();
const heapMb = process.memoryUsage().heapUsed / 1024 / 1024;
await store.close();
process.stdout.write(`${JSON.stringify({ ok: report.ok, events: report.eventsFetched, profiles, heapMb, error: report.error?.message })}\n`);
process.exitCode = report.ok ? 0 : 1;
