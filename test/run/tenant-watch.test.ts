import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Auth0ApiError, Auth0AuthError, StateError } from '../../src/errors.js';
import type { CycleReport } from '../../src/run/poller.js';
import { watchTenant } from '../../src/run/tenant-watch.js';
import { buildTenant } from '../../src/config/index.js';
import { parseAuth0Domain } from '../../src/config/domain.js';
import { captureLogger } from '../helpers/auth0-fixtures.js';
import { tempStateDb, type TempState } from '../helpers/temp-db.js';

// Issue #10 §4 and §6 on the polling side: a rejected tenant is retried on a
// slow backoff, not fatal (except a single tenant at first contact); a tenant
// failing longer than the threshold opens one problem, resolved when it works.

const MINUTE = 60_000;
const tenant = buildTenant({ key: 'acme', domain: parseAuth0Domain('acme.eu.auth0.com') as never, clientId: 'c', clientSecret: 's' });
const selfWatch = { pollFailingAfterMs: 10 * MINUTE, backlogAfterMs: 15 * MINUTE, rejectedRetryMs: 5 * MINUTE };
const rejected = () => new Auth0AuthError('Auth0 rejected the client credentials (401 access_denied): check AUTH0_CLIENT_ID/AUTH0_CLIENT_SECRET', { method: 'POST', path: '/oauth/token', status: 401, reason: 'auth', retryable: false });
const report = (error?: Error): CycleReport => ({
  tenant: 'acme', ok: !error, pages: 1, eventsFetched: 0, malformed: 0, alreadySeen: 0, alertsQueued: 0, checkpoint: null, caughtUp: !error, durationMs: 1,
  rateLimitWaits: 0, rateLimitWaitMs: 0, retries: 0, ...(error ? { error: error as never } : {}),
});

let state: TempState;
let now: number;
beforeEach(() => {
  state = tempStateDb();
  now = Date.parse('2024-06-01T12:00:00Z');
});
afterEach(() => state.cleanup());

function watch(outcomes: Array<Error | undefined>, onlyTenant = false) {
  const calls: number[] = [];
  const { logger, records } = captureLogger();
  const cycle = async () => {
    calls.push(now);
    const error = outcomes.shift();
    await state.store.recordPollOutcome('acme', { ok: !error, error: error?.message, at: new Date(now) });
    return report(error);
  };
  return { run: watchTenant(cycle, { tenant, store: state.store, logger, selfWatch, noticeChannel: '#acme', onlyTenant, now: () => now }), calls, records };
}

describe('watchTenant', () => {
  it('stops the bot only for the single tenant rejected at its very first contact', async () => {
    expect(await watch([rejected()], true).run()).toMatchObject({ stop: true });
    const later = watch([undefined, rejected()], true);
    await later.run();
    now += MINUTE;
    expect(await later.run()).toMatchObject({ ok: false, stop: false });
    expect(await watch([rejected()], false).run()).toMatchObject({ stop: false });
    expect(await watch([new StateError('corrupt')], false).run()).toMatchObject({ stop: true });
  });

  it('retries a rejected tenant on the slow backoff, opens one polling problem after the threshold, and resolves it once fixed', async () => {
    const { run, calls, records } = watch([rejected(), rejected(), rejected(), rejected(), undefined]);
    for (let minute = 0; minute <= 20; minute++) {
      await run();
      now += MINUTE;
    }
    // Every 5 minutes, not every poll tick: minutes 0, 5, 10, 15 rejected, 20 accepted.
    expect(calls.map((at) => (at - calls[0]!) / MINUTE)).toEqual([0, 5, 10, 15, 20]);
    const problems = await state.store.listProblems({ includeResolved: true });
    expect(problems).toEqual([
      expect.objectContaining({
        key: 'polling_failing:acme',
        kind: 'polling_failing',
        tenant: 'acme',
        channel: '#acme',
        // Opened once past the threshold; the sentence is kept up to date while it stays open.
        openedAt: '2024-06-01T12:10:00.000Z',
        summary: expect.stringMatching(/^polling tenant acme has failed for 15 min \(Auth0 rejected the credentials\): Auth0 rejected the client credentials/),
        resolvedAt: '2024-06-01T12:20:00.000Z',
        noticeState: 'done',
      }),
    ]);
    expect(records().filter((r) => String(r.msg).startsWith('polling tenant acme has failed'))).toHaveLength(1);
    expect(records().some((r) => r.msg === 'polling tenant acme works again')).toBe(true);
  });

  it('does not open a problem for a failure shorter than the threshold', async () => {
    const unreachable = new Auth0ApiError('cannot reach Auth0', { method: 'GET', path: '/api/v2/logs', reason: 'network', retryable: true });
    const { run } = watch([undefined, unreachable, unreachable, undefined]);
    for (let i = 0; i < 4; i++) {
      await run();
      now += 2 * MINUTE;
    }
    expect(await state.store.listProblems({ includeResolved: true })).toEqual([]);
  });

  it('turns a reported log gap into one notice-worthy problem naming the range', async () => {
    const { logger } = captureLogger();
    const gap = { from: '2024-05-28T12:00:00.000Z', to: '2024-05-31T12:00:00.000Z' };
    const run = watchTenant(async () => ({ ...report(), logGap: gap }), { tenant, store: state.store, logger, selfWatch, noticeChannel: '#acme', onlyTenant: false, now: () => now });
    await run();
    expect(await state.store.listProblems()).toEqual([
      expect.objectContaining({ key: `log_gap:acme:${gap.from}`, kind: 'log_gap', summary: expect.stringContaining(`from ${gap.from} to ${gap.to} may be lost`) }),
    ]);
  });
});
