import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Auth0Client } from '../../src/auth0/client.js';
import { Auth0LogSource } from '../../src/auth0/log-source.js';
import { TenantCheckpointStore } from '../../src/run/checkpoint-store.js';
import { runPollCycle } from '../../src/run/poller.js';
import { commitPage, readTenantState } from '../../src/state/sqlite/tenant-state.js';
import { alertOnFailedLogins } from '../helpers/auth0-evaluator.js';
import {
  ACCESS_TOKEN,
  AUTH0_BASE,
  CLIENT_ID,
  CLIENT_SECRET,
  SECOND_TOKEN,
  captureLogger,
  connectionReset,
  logsRequest,
  mockToken,
} from '../helpers/auth0-fixtures.js';
import { tempStateDb } from '../helpers/temp-db.js';

const SECRETS = [CLIENT_SECRET, ACCESS_TOKEN, SECOND_TOKEN];
const CHECKPOINT = '900202405011100000000000000000000000000000000000000000000';
/** Error bodies and headers that echo secrets: none of it may reach a log line or an error message. */
const echo = { error: 'access_denied', error_description: `bad ${CLIENT_SECRET}`, message: `token ${ACCESS_TOKEN}`, errorCode: 'x' };
const echoHeaders = { 'x-debug': `${CLIENT_SECRET} ${ACCESS_TOKEN}`, 'www-authenticate': `Bearer ${ACCESS_TOKEN}` };

const logs = () => logsRequest(CHECKPOINT);
const token = () => nock(AUTH0_BASE).post('/oauth/token');

// Every error path of the client and the cycle, each name saying what fails.
const scenarios: Array<[string, () => void]> = [
  ['token endpoint 401', () => token().reply(401, echo, echoHeaders)],
  ['token endpoint 403', () => token().reply(403, echo, echoHeaders)],
  ['token endpoint 500 until giving up', () => token().times(3).reply(500, echo, echoHeaders)],
  ['token endpoint connection reset until giving up', () => token().times(3).replyWithError(connectionReset())],
  ['token endpoint 429 until giving up', () => token().times(3).reply(429, echo, { ...echoHeaders, 'retry-after': '1' })],
  ['token body without access_token', () => token().times(3).reply(200, { token: ACCESS_TOKEN, secret: CLIENT_SECRET })],
  ['token endpoint 400 (bad audience)', () => token().reply(400, echo, echoHeaders)],
  ['logs 401 twice (fresh token refused)', () => { mockToken(); logs().reply(401, echo, echoHeaders); mockToken({ token: SECOND_TOKEN }); logs().reply(401, echo, echoHeaders); }],
  ['logs 403 insufficient_scope', () => { mockToken(); logs().reply(403, { ...echo, errorCode: 'insufficient_scope' }, echoHeaders); }],
  ['logs 429 until giving up', () => { mockToken(); logs().times(3).reply(429, echo, { ...echoHeaders, 'x-ratelimit-reset': '1' }); }],
  ['logs 500 until giving up', () => { mockToken(); logs().times(3).reply(500, echo, echoHeaders); }],
  ['logs connection reset until giving up', () => { mockToken(); logs().times(3).replyWithError(connectionReset()); }],
  ['logs 400', () => { mockToken(); logs().reply(400, echo, echoHeaders); }],
  ['logs body is not a list', () => { mockToken(); logs().times(3).reply(200, { logs: [], token: ACCESS_TOKEN }); }],
  ['logs malformed events carrying secrets', () => { mockToken(); logs().reply(200, [{ log_id: `${CHECKPOINT}1`, date: CLIENT_SECRET, type: ACCESS_TOKEN }]); logsRequest(`${CHECKPOINT}1`).reply(200, []); }],
];

let temp: ReturnType<typeof tempStateDb>;
beforeEach(() => {
  nock.disableNetConnect();
  temp = tempStateDb();
  commitPage(temp.db, 'acme', { checkpoint: CHECKPOINT, checkpointDate: null, ruleState: { seen: 0 }, alerts: [], defaultChannel: '#a' });
});
afterEach(() => {
  temp.cleanup();
  nock.cleanAll();
  nock.enableNetConnect();
});

describe('secrets never leak', () => {
  it.each(scenarios)('%s: no secret or token in any log line, error message or stored error', async (_name, arrange) => {
    arrange();
    const { logger, lines } = captureLogger();
    const client = new Auth0Client({ baseUrl: AUTH0_BASE, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, audience: 'x' });
    const source = new Auth0LogSource(client, { retry: { maxAttempts: 3, maxRateLimitWaits: 2 }, sleep: async () => {}, logger });
    const report = await runPollCycle({
      tenant: 'acme',
      source,
      store: new TenantCheckpointStore(temp.store, 'acme', '#a'),
      evaluator: alertOnFailedLogins(),
      startFrom: { kind: 'now' },
      logger,
    });

    expect(nock.pendingMocks()).toEqual([]); // the scenario really ran
    const visible = [
      ...lines,
      report.error?.message ?? '',
      JSON.stringify(report.error ?? {}),
      JSON.stringify((report.error as { details?: unknown } | undefined)?.details ?? {}),
      String(readTenantState(temp.db, 'acme')?.lastPollError),
    ].join('\n');
    for (const secret of SECRETS) expect(visible).not.toContain(secret);
    expect(lines.length).toBeGreaterThan(0);
  });
});
