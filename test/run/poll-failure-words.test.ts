import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { syntheticCheckpoint } from '../../src/auth0/checkpoint.js';
import { Auth0Client } from '../../src/auth0/client.js';
import { Auth0LogSource } from '../../src/auth0/log-source.js';
import { buildTenant } from '../../src/config/index.js';
import { parseAuth0Domain } from '../../src/config/domain.js';
import { readStatus, renderStatus } from '../../src/commands/status.js';
import { TenantCheckpointStore } from '../../src/run/checkpoint-store.js';
import { runPollCycle } from '../../src/run/poller.js';
import { watchTenant } from '../../src/run/tenant-watch.js';
import { formatNotice } from '../../src/slack/format-notice.js';
import { alertOnFailedLogins } from '../helpers/auth0-evaluator.js';
import { AUTH0_BASE, CLIENT_ID, CLIENT_SECRET, captureLogger, mockToken } from '../helpers/auth0-fixtures.js';
import { tempStateDb, type TempState } from '../helpers/temp-db.js';

// Issue #10 §4: a failing poll is told in the operator's words. Each failure,
// made at the HTTP edge, must reach the Slack notice and `status` as a plain
// sentence: what is wrong and what to check — never a bare errno or a status line.

const MINUTE = 60_000;
const HOST = new URL(AUTH0_BASE).host;
const HISTORY = syntheticCheckpoint(new Date('2024-05-01T11:00:00Z'));
const tenant = buildTenant({ key: 'acme', domain: parseAuth0Domain(HOST) as never, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
const selfWatch = { pollFailingAfterMs: 10 * MINUTE, backlogAfterMs: 15 * MINUTE, rejectedRetryMs: 0 };
const logs = () => nock(AUTH0_BASE).get('/api/v2/logs').query(true);
const error = (code: string) => Object.assign(new Error(`${code} something raw`), { code });

interface Case {
  failure: string;
  /** Makes one poll cycle fail this way (called once per cycle). */
  arrange: () => void;
  /** The reason in a few words (in the notice's and status's sentence, in parentheses). */
  words: string;
  /** The sentence after it: what happened and what to check. */
  message: RegExp;
  /** The client's request timeout (only the timeout case makes it short: a loaded machine must not time out the others). */
  timeoutMs?: number;
}

const cases: Case[] = [
  {
    failure: 'DNS: the domain does not resolve (ENOTFOUND)',
    arrange: () => logs().replyWithError(error('ENOTFOUND')),
    words: 'Auth0 cannot be found',
    message: new RegExp(`^cannot find Auth0 at ${HOST}: the name does not resolve \\(DNS ENOTFOUND\\); check AUTH0_DOMAIN \\(or the tenant's domain\\) and this host's DNS \\(gave up after 1 attempt\\)$`),
  },
  {
    failure: 'connection refused (ECONNREFUSED)',
    arrange: () => logs().replyWithError(error('ECONNREFUSED')),
    words: 'Auth0 refuses the connection',
    message: new RegExp(`^${HOST} refused the connection \\(ECONNREFUSED\\): nothing accepts HTTPS there; check AUTH0_DOMAIN and any proxy or firewall \\(gave up after 1 attempt\\)$`),
  },
  {
    failure: 'timeout',
    arrange: () => logs().delay(2_000).reply(200, []),
    timeoutMs: 50,
    words: 'Auth0 does not answer',
    message: new RegExp(`^Auth0 at ${HOST} did not answer GET /api/v2/logs within 0\\.05 s \\(gave up after 1 attempt\\)$`),
  },
  {
    failure: '401: the client credentials are rejected',
    arrange: () => nock(AUTH0_BASE).post('/oauth/token').reply(401, { error: 'access_denied', error_description: 'Unauthorized' }),
    words: 'Auth0 rejected the credentials',
    message: /^Auth0 rejected the client credentials \(401 access_denied\): check AUTH0_CLIENT_ID\/AUTH0_CLIENT_SECRET and that the application is authorised for the Management API with read:logs$/,
  },
  {
    failure: '403: the application lacks the read:logs scope',
    arrange: () => logs().reply(403, { statusCode: 403, error: 'Forbidden', message: 'Insufficient scope, expected any of: read:logs', errorCode: 'insufficient_scope' }),
    words: 'the application lacks read:logs',
    message: /^Auth0 GET \/api\/v2\/logs was refused \(403 insufficient_scope\): the application is missing the read:logs scope; grant it under Applications → APIs → Auth0 Management API → Machine to Machine Applications$/,
  },
  {
    failure: '429 until the rate-limit waits are used up',
    arrange: () => logs().times(2).reply(429, { error: 'Too Many Requests' }, { 'retry-after': '1' }),
    words: 'Auth0 keeps rate-limiting the bot',
    message: /^Auth0 GET \/api\/v2\/logs returned 429: still rate limited after 1 wait\(s\) — the tenant's Management API rate limit is used up \(another application may share it\); the next poll tries again$/,
  },
  {
    failure: '5xx',
    arrange: () => logs().reply(503, { error: 'Service Unavailable' }),
    words: 'Auth0 answers with errors',
    message: /^Auth0 GET \/api\/v2\/logs returned 503: an error on Auth0's side \(see status\.auth0\.com\) \(gave up after 1 attempt\)$/,
  },
  {
    failure: 'TLS: the certificate is not trusted',
    arrange: () => logs().replyWithError(error('UNABLE_TO_VERIFY_LEAF_SIGNATURE')),
    words: 'the secure connection to Auth0 fails',
    message: new RegExp(
      `^the secure \\(TLS\\) connection to ${HOST} failed \\(UNABLE_TO_VERIFY_LEAF_SIGNATURE\\): its certificate is not trusted here — a proxy inspecting HTTPS \\(set NODE_EXTRA_CA_CERTS\\), or a wrong AUTH0_DOMAIN \\(gave up after 1 attempt\\)$`,
    ),
  },
  {
    failure: 'invalid JSON (a proxy or captive portal page)',
    arrange: () => logs().reply(200, '<html><body>Please log in to the Wi-Fi</body></html>', { 'content-type': 'text/html' }),
    words: 'Auth0 answers with something that is not a list of logs',
    message: /^Auth0 GET \/api\/v2\/logs answered 200 with something that is not JSON — a proxy or captive-portal page, or a wrong AUTH0_DOMAIN\? \(gave up after 1 attempt\)$/,
  },
];

let state: TempState;
beforeEach(async () => {
  nock.disableNetConnect();
  state = tempStateDb();
  await state.store.commitPage('acme', { after: null, checkpoint: HISTORY, checkpointDate: null, ruleState: {}, alerts: [], defaultChannel: '#alerts' });
});
afterEach(() => {
  state.cleanup();
  nock.cleanAll();
  nock.enableNetConnect();
});

describe('poll failures in plain words (notice and status)', () => {
  it.each(cases)('$failure', async ({ arrange, words, message, timeoutMs }) => {
    let now = Date.parse('2024-05-01T13:00:00Z');
    const { logger } = captureLogger();
    const client = new Auth0Client({ baseUrl: AUTH0_BASE, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, audience: `${AUTH0_BASE}/api/v2/`, timeoutMs: timeoutMs ?? 15_000 });
    const source = new Auth0LogSource(client, { retry: { maxAttempts: 1, maxRateLimitWaits: 1 }, sleep: async () => {}, logger });
    const cycle = () =>
      runPollCycle({ tenant: 'acme', source, store: new TenantCheckpointStore(state.store, 'acme', '#alerts', () => now), evaluator: alertOnFailedLogins(), startFrom: { kind: 'now' }, logger, now: () => now });
    const watched = watchTenant(cycle, { tenant, store: state.store, logger, selfWatch, noticeChannel: '#alerts', onlyTenant: false, now: () => now });

    // Failing at first, and still failing 11 minutes later: the problem opens.
    for (const minutes of [0, 11]) {
      now = Date.parse('2024-05-01T13:00:00Z') + minutes * MINUTE;
      if (words !== 'Auth0 rejected the credentials') mockToken();
      arrange();
      expect(await watched()).toMatchObject({ ok: false });
      nock.cleanAll();
    }

    const [problem] = await state.store.listProblems();
    expect(problem).toBeDefined();
    const [head, ...rest] = problem!.summary.split(`(${words}): `);
    expect(head).toBe('polling tenant acme has failed for 11 min ');
    expect(rest.join(`(${words}): `)).toMatch(message);

    // The Slack notice carries the sentence; `status` shows it and the last poll's error.
    expect(formatNotice(problem!, 'open', '#alerts', new Date(now)).text).toContain(`(${words})`);
    const report = await readStatus(state.store, 'state.db', new Date(now));
    expect(report.tenants[0]!.lastPollError).toMatch(message);
    expect(renderStatus(report)).toContain(`(${words}): `);
  });
});
