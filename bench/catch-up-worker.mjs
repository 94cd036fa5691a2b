// The bot's polling pipeline, from the build, in its own process so that its
// peak RSS can be measured. It is `run --once`'s own wiring (createTenantCycle:
// Auth0 client → log source → poll cycle → engine → SQLite, checkpoint + rule
// state + outbox in one transaction; PostgreSQL with DATABASE_URL), without the sender and without the
// per-cycle page bound (which would otherwise split a 200k backlog into many
// process starts). Configuration comes from the same environment variables as the bot.
import { loadCatalog } from '../dist/catalog/index.js';
import { loadConfig } from '../dist/config/index.js';
import { loadEnabledRuleSet } from '../dist/engine/index.js';
import { createLogger } from '../dist/log.js';
import { createTenantCycle } from '../dist/run/tenant-cycle.js';
import { openStateStore } from '../dist/state/open.js';
import { limitHeapGrowth } from '../dist/run/heap-growth.js';

// As the CLI does first thing (src/cli.ts).
limitHeapGrowth();

const config = loadConfig(process.env, { requireAuth0: true, requireSlack: false, envFile: false });
const catalog = loadCatalog();
// As `run` loads them: the default rules with the configured folders layered on top (throws on invalid rules).
const ruleSet = loadEnabledRuleSet({ dirs: config.rulesDirs }, catalog);
const logger = createLogger(config.logLevel);
const store = await openStateStore({ stateDb: config.stateDb, databaseUrl: config.databaseUrl });
const cycle = createTenantCycle({ config, tenant: config.tenants[0], store, ruleSet, logger, maxPages: Number.POSITIVE_INFINITY });
const report = await cycle();
await store.close();
const { error, ...summary } = report;
process.stdout.write(`${JSON.stringify({ ...summary, error: error?.message })}\n`);
process.exitCode = report.ok ? 0 : 1;
