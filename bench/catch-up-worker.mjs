// The bot's polling pipeline, from the build, in its own process so that its
// peak RSS can be measured: Auth0 client → log source → poll cycle → engine →
// SQLite (checkpoint + rule state + outbox in one transaction per page). It is
// what `run --once` does, without the sender and without the per-cycle page
// bound (which would otherwise split a 200k backlog into many process starts).
// Configuration comes from the same environment variables as the bot.
import { Auth0Client } from '../dist/auth0/client.js';
import { Auth0LogSource } from '../dist/auth0/log-source.js';
import { loadCatalog } from '../dist/catalog/index.js';
import { loadConfig } from '../dist/config/index.js';
import { compileRules, loadRules } from '../dist/engine/index.js';
import { createLogger } from '../dist/log.js';
import { DbCheckpointStore } from '../dist/run/checkpoint-store.js';
import { engineEvaluator } from '../dist/run/engine-evaluator.js';
import { runPollCycle } from '../dist/run/poller.js';
import { openStateDb } from '../dist/state/db.js';

const config = loadConfig(process.env, { requireAuth0: true, requireSlack: false, envFile: false });
const catalog = loadCatalog();
const loaded = loadRules(config.rulesDir, catalog);
if (loaded.problems.length > 0) throw new Error(`rules: ${loaded.problems.join('; ')}`);
const ruleSet = compileRules(loaded.rules, catalog);
const logger = createLogger(config.logLevel);
const db = openStateDb(config.stateDb);
const tenant = config.tenants[0];
const client = new Auth0Client({
  baseUrl: tenant.domain.baseUrl,
  clientId: tenant.clientId,
  clientSecret: tenant.clientSecret,
  audience: tenant.audience,
});
const report = await runPollCycle({
  tenant: tenant.key,
  source: new Auth0LogSource(client, { logger }),
  store: new DbCheckpointStore(db, tenant.key, config.alertChannel ?? '#security-alerts'),
  evaluator: engineEvaluator(ruleSet),
  startFrom: config.startFrom,
  logger,
  maxPages: Number.POSITIVE_INFINITY,
});
db.close();
const { error, ...summary } = report;
process.stdout.write(`${JSON.stringify({ ...summary, error: error?.message })}\n`);
process.exitCode = report.ok ? 0 : 1;
