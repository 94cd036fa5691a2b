import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { syntheticCheckpoint } from '../../src/auth0/checkpoint.js';
import { loadCatalog } from '../../src/catalog/index.js';
import { loadConfig } from '../../src/config/index.js';
import { compileRules, loadRules } from '../../src/engine/index.js';
import { createTenantCycle } from '../../src/run/tenant-cycle.js';
import { SqliteStateStore } from '../../src/state/sqlite/store.js';
import { commitPage, readTenantState } from '../../src/state/sqlite/tenant-state.js';
import { CLIENT_ID, CLIENT_SECRET, captureLogger, logEvent, mockLogsPage, mockToken } from '../helpers/auth0-fixtures.js';
import { tempDir } from '../helpers/temp-db.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
  cleanup();
});

describe('createTenantCycle', () => {
  it('wires client, source, store and engine as `run` does: alerts queued to the default channel, checkpoint advanced', async () => {
    mkdirSync(join(dir, 'rules'));
    writeFileSync(join(dir, 'rules', 'blocked.yml'), 'id: blocked\nseverity: high\nmatch: { codes: [limit_wc] }\nthrottle: { period: 1h, by: [user_name] }\n');
    const config = loadConfig(
      { AUTH0_DOMAIN: 'acme.eu.auth0.com', AUTH0_CLIENT_ID: CLIENT_ID, AUTH0_CLIENT_SECRET: CLIENT_SECRET, ALERT_CHANNEL: '#sec', STATE_DB: join(dir, 'state.db'), RULES_DIR: join(dir, 'rules') },
      { requireAuth0: true, requireSlack: false, envFile: false },
    );
    const catalog = loadCatalog();
    const ruleSet = compileRules(loadRules(config.rulesDirs[0]!, catalog).rules, catalog);
    const store = SqliteStateStore.open(config.stateDb);
    const { db } = store;
    const tenant = config.tenants[0]!;
    const start = syntheticCheckpoint(new Date('2024-05-01T11:00:00Z'));
    commitPage(db, tenant.key, { checkpoint: start, checkpointDate: null, ruleState: {}, alerts: [], defaultChannel: '#sec' });
    mockToken();
    const blocked = logEvent(1, { type: 'limit_wc' });
    mockLogsPage(start, [blocked]);
    mockLogsPage(blocked.log_id, []);

    const report = await createTenantCycle({ config, tenant, store, ruleSet, logger: captureLogger().logger })();

    expect(report).toMatchObject({ ok: true, alertsQueued: 1, checkpoint: blocked.log_id, caughtUp: true });
    expect(db.prepare('SELECT channel, rule_id FROM outbox').all()).toEqual([{ channel: '#sec', rule_id: 'blocked' }]);
    expect(readTenantState(db, tenant.key)?.checkpoint).toBe(blocked.log_id);
    db.close();
  });
});
