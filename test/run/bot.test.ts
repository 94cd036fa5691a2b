import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { syntheticCheckpoint } from '../../src/auth0/checkpoint.js';
import { StateBusyError, StateError } from '../../src/errors.js';
import type { Alert } from '../../src/engine/alert.js';
import { isFatal, runBot, type AlertSender } from '../../src/run/bot.js';
import { markSent } from '../../src/state/sqlite/outbox.js';
import { SqliteStateStore } from '../../src/state/sqlite/store.js';
import { commitPage } from '../../src/state/sqlite/tenant-state.js';
import { RETENTION_MS } from '../../src/state/store.js';
import { alertFor } from '../helpers/auth0-evaluator.js';
import { CLIENT_SECRET, captureLogger, logEvent, mockLogsPage, mockToken, until } from '../helpers/auth0-fixtures.js';
import { tempDir } from '../helpers/temp-db.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  mkdirSync(join(dir, 'rules'));
  writeFileSync(join(dir, 'rules', 'defaults.yml'), 'use_defaults: false\n'); // only the rule below
  writeFileSync(
    join(dir, 'rules', 'blocked.yml'),
    'id: blocked\ntitle: "Blocked {{user_name}}"\ndescription: d\nseverity: high\nmatch: { codes: [limit_wc] }\nthrottle: { period: 1h, by: [user_name] }\n',
  );
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
  cleanup();
});

const START = syntheticCheckpoint(new Date('2024-05-01T11:00:00Z'));
/** Once a year: only the start-up cycle runs in a test. */
const ONLY_START_UP = '0 0 1 1 *';

/** A state file whose tenant already has a checkpoint (and, if given, queued alerts). */
function seedState(alerts: Alert[] = []): string {
  const stateDb = join(dir, 'state.db');
  const seed = SqliteStateStore.open(stateDb);
  commitPage(seed.db, 'acme.eu.auth0.com', { checkpoint: START, checkpointDate: null, ruleState: {}, alerts, defaultChannel: '#a' });
  seed.db.close();
  return stateDb;
}

function botEnv(stateDb: string, overrides: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    AUTH0_DOMAIN: 'acme.eu.auth0.com',
    AUTH0_CLIENT_ID: 'test-client-id',
    AUTH0_CLIENT_SECRET: CLIENT_SECRET,
    SLACK_BOT_TOKEN: 'xoxb-1',
    ALERT_CHANNEL: '#a',
    STATE_DB: stateDb,
    RULES_DIR: join(dir, 'rules'),
    ...overrides,
  };
}

describe('runBot (continuous)', () => {
  it('polls at start, wakes the sender, and on a shutdown signal stops cleanly with exit 0', async () => {
    const stateDb = seedState();
    mockToken();
    const blocked = logEvent(1, { type: 'limit_wc' });
    mockLogsPage(START, [blocked]);
    mockLogsPage(blocked.log_id, []);

    const calls: string[] = [];
    const sender: AlertSender = {
      drainOnce: async () => {
        calls.push('drain');
      },
      start: () => calls.push('start'),
      stop: async () => {
        calls.push('stop');
      },
      notify: () => calls.push('notify'),
    };
    let signal: (name: string) => void = () => {};
    const { logger, records } = captureLogger();
    const exit = runBot(
      { once: false, dryRun: false, json: false },
      {
        env: botEnv(stateDb, { POLL_SCHEDULE: ONLY_START_UP }),
        logger,
        write: () => {},
        describe: () => '',
        createSender: () => sender,
        shutdownSignal: () => new Promise((resolve) => (signal = resolve)),
      },
    );
    await until(() => records().some((r) => r.msg === 'poll cycle done'), 'the first cycle');
    signal('SIGTERM');

    expect(await exit).toBe(0);
    expect(calls).toEqual(['start', 'notify', 'stop']);
    const db = SqliteStateStore.open(stateDb);
    expect((await db.readTenant('acme.eu.auth0.com'))?.checkpoint).toBe(blocked.log_id);
    await db.close();
  });

  it('run --once prunes delivered alerts older than the retention period at its end; --dry-run does not', async () => {
    const stateDb = seedState([alertFor(logEvent(1) as never)]);
    const seed = SqliteStateStore.open(stateDb);
    markSent(seed.db, [1], '1.1', new Date(Date.now() - RETENTION_MS - 60_000));
    seed.db.close();
    const env = botEnv(stateDb);
    const rows = () => {
      const { db } = SqliteStateStore.open(stateDb);
      const n = (db.prepare('SELECT COUNT(*) AS n FROM outbox').get() as { n: number }).n;
      db.close();
      return n;
    };
    const once = async (dryRun: boolean) => {
      mockToken();
      mockLogsPage(START, []);
      return runBot({ once: true, dryRun, json: false }, { env, logger: captureLogger().logger, write: () => {}, describe: () => '' });
    };

    expect(await once(true)).toBe(0);
    expect(rows()).toBe(1);
    expect(await once(false)).toBe(0);
    expect(rows()).toBe(0);
  });

  it.each([
    // what the sender's drain reports → the exit code cron sees
    [{ paused: true }, 1],
    [{ paused: false }, 0],
    [undefined, 0],
  ])('run --once exits %#: drain %j → exit %i (a rejected Slack token is a failed run)', async (drained, code) => {
    const stateDb = seedState();
    mockToken();
    mockLogsPage(START, []);
    const sender: AlertSender = { drainOnce: async () => drained, start: () => {}, stop: async () => {} };
    const env = botEnv(stateDb);
    const exit = await runBot(
      { once: true, dryRun: false, json: false },
      { env, logger: captureLogger().logger, write: () => {}, describe: () => '', createSender: () => sender },
    );
    expect(exit).toBe(code);
  });

  it('stops on a broken database but not on a locked one or a full disk', () => {
    expect(isFatal(new StateError('state database is corrupt'))).toBe(true);
    expect(isFatal(new StateBusyError('state database is locked by another process'))).toBe(false);
  });

  it('run --dry-run (continuous) starts no Slack app or health server, prints alerts and stores nothing', async () => {
    const stateDb = seedState();
    mockToken();
    const blocked = logEvent(1, { type: 'limit_wc' });
    mockLogsPage(START, [blocked]);
    mockLogsPage(blocked.log_id, []);
    let companionsStarted = 0;
    const lines: string[] = [];
    let signal: (name: string) => void = () => {};
    const { logger, records } = captureLogger();
    const exit = runBot(
      { once: false, dryRun: true, json: false },
      {
        env: botEnv(stateDb, { SLACK_BOT_TOKEN: undefined, POLL_SCHEDULE: ONLY_START_UP }),
        logger,
        write: (line) => lines.push(line),
        describe: (alert) => alert.ruleId,
        startCompanions: async () => {
          companionsStarted += 1;
          return [];
        },
        shutdownSignal: () => new Promise((resolve) => (signal = resolve)),
      },
    );
    await until(() => records().some((r) => r.msg === 'poll cycle done'), 'the first cycle');
    signal('SIGTERM');

    expect(await exit).toBe(0);
    expect(companionsStarted).toBe(0);
    expect(lines).toEqual(['blocked']);
    const db = SqliteStateStore.open(stateDb);
    expect((await db.readTenant('acme.eu.auth0.com'))?.checkpoint).toBe(START);
    await db.close();
  });
});
