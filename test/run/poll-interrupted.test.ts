import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { syntheticCheckpoint } from '../../src/auth0/checkpoint.js';
import { Auth0Client } from '../../src/auth0/client.js';
import { Auth0LogSource } from '../../src/auth0/log-source.js';
import { abortableSleep } from '../../src/auth0/retry.js';
import { buildTenant } from '../../src/config/index.js';
import { parseAuth0Domain } from '../../src/config/domain.js';
import { TenantCheckpointStore } from '../../src/run/checkpoint-store.js';
import { runPollCycle } from '../../src/run/poller.js';
import { watchTenant } from '../../src/run/tenant-watch.js';
import { alertOnFailedLogins } from '../helpers/auth0-evaluator.js';
import { AUTH0_BASE, CLIENT_ID, CLIENT_SECRET, captureLogger, logEvent, logsRequest, mockLogsPage, mockToken } from '../helpers/auth0-fixtures.js';
import { tempStateDb, type TempState } from '../helpers/temp-db.js';

// Only a poll cycle that ran to its end tells that polling works again: one cut
// short by a shutdown (during a backoff wait, or between pages) must not
// resolve the `polling_failing` problem nor record a successful poll.

const TAKE = 3;
const NOW = Date.parse('2024-05-01T13:00:00Z');
const HISTORY = syntheticCheckpoint(new Date('2024-05-01T11:00:00Z'));
const tenant = buildTenant({ key: 'acme', domain: parseAuth0Domain('acme.eu.auth0.com') as never, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
const selfWatch = { pollFailingAfterMs: 600_000, backlogAfterMs: 900_000, rejectedRetryMs: 300_000 };
const POLLING = 'polling_failing:acme';

let state: TempState;
beforeEach(async () => {
  nock.disableNetConnect();
  state = tempStateDb();
  await state.store.commitPage('acme', { after: null, checkpoint: HISTORY, checkpointDate: null, ruleState: {}, alerts: [], defaultChannel: '#alerts' });
  // Polling has been failing: the problem is open (and its notice was posted).
  await state.store.recordPollOutcome('acme', { ok: false, error: 'Auth0 answered 500', at: new Date(NOW - 60_000) });
  await state.store.openProblem({ key: POLLING, kind: 'polling_failing', tenant: 'acme', channel: '#alerts', summary: 'polling tenant acme has failed for 12 min' }, new Date(NOW - 120_000));
});
afterEach(() => {
  state.cleanup();
  nock.cleanAll();
  nock.enableNetConnect();
});

/** The tenant's watched cycle as `run` wires it, with a shutdown the test triggers. */
function watchedCycle(shutdown: AbortController, sleep?: (ms: number) => Promise<void>, shouldStop = () => shutdown.signal.aborted) {
  const { logger } = captureLogger();
  const client = new Auth0Client({ baseUrl: AUTH0_BASE, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, audience: 'x', signal: shutdown.signal });
  const source = new Auth0LogSource(client, { take: TAKE, retry: { maxAttempts: 3 }, sleep: sleep ?? (async () => {}), logger });
  const cycle = () =>
    runPollCycle({
      tenant: 'acme',
      source,
      store: new TenantCheckpointStore(state.store, 'acme', '#alerts', () => NOW),
      evaluator: alertOnFailedLogins(),
      startFrom: { kind: 'now' },
      logger,
      now: () => NOW,
      shouldStop,
    });
  return watchTenant(cycle, { tenant, store: state.store, logger, selfWatch, noticeChannel: '#alerts', onlyTenant: false, now: () => NOW });
}

const openKeys = async () => (await state.store.listProblems()).map((problem) => problem.key);

describe('an interrupted poll cycle', () => {
  it('cut short by shutdown during the backoff after a 500: the polling problem stays open, no poll is recorded', async () => {
    mockToken();
    const failed = logsRequest(HISTORY, TAKE).reply(500, { error: 'Internal Server Error' });
    const shutdown = new AbortController();
    // SIGTERM arrives while the source waits to retry the 500.
    const sleep = (ms: number) => {
      const wait = abortableSleep(shutdown.signal)(ms);
      shutdown.abort();
      return wait;
    };
    const report = await watchedCycle(shutdown, sleep)();

    expect(failed.isDone()).toBe(true); // the 500 was answered before the shutdown
    expect(report).toMatchObject({ interrupted: true, stop: false, checkpoint: HISTORY });
    expect(await openKeys()).toEqual([POLLING]);
    expect(await state.store.readTenant('acme')).toMatchObject({ lastPollOk: false, lastSuccessAt: null });
  });

  it('stopped between pages by shutdown: the polling problem stays open, no success is recorded', async () => {
    mockToken();
    let stopping = false;
    const page = [logEvent(1), logEvent(2), logEvent(3)];
    // A full page (more may follow), during which the stop comes (the page's request itself is not cut):
    // the cycle stores the page and stops before the next one.
    nock(AUTH0_BASE).get('/api/v2/logs').query({ from: HISTORY, take: String(TAKE) }).reply(() => {
      stopping = true;
      return [200, page];
    });
    const report = await watchedCycle(new AbortController(), undefined, () => stopping)();

    expect(report).toMatchObject({ interrupted: true, pages: 1, caughtUp: false, checkpoint: page[2]!.log_id });
    expect(await openKeys()).toEqual([POLLING]);
    expect(await state.store.readTenant('acme')).toMatchObject({ checkpoint: page[2]!.log_id, lastPollOk: false, lastSuccessAt: null });
  });

  it('control: a cycle that runs to its end resolves the polling problem and records the success', async () => {
    mockToken();
    mockLogsPage(HISTORY, [], { take: TAKE });
    const report = await watchedCycle(new AbortController())();

    expect(report).toMatchObject({ ok: true, caughtUp: true });
    expect(report?.interrupted).toBeUndefined();
    expect(await openKeys()).toEqual([]);
    expect(await state.store.readTenant('acme')).toMatchObject({ lastPollOk: true, lastSuccessAt: new Date(NOW).toISOString() });
  });
});
