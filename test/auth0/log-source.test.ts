import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Auth0Client } from '../../src/auth0/client.js';
import { Auth0LogSource } from '../../src/auth0/log-source.js';
import { backoffDelayMs, normalizeRetryOptions } from '../../src/auth0/retry.js';
import { Auth0ApiError } from '../../src/errors.js';
import {
  AUTH0_BASE,
  CLIENT_ID,
  CLIENT_SECRET,
  captureLogger,
  connectionReset,
  logsRequest,
  settleWithFakeTimers,
  sleepProbe,
  until,
  logEvent,
  mockLogsPage,
  mockToken,
} from '../helpers/auth0-fixtures.js';

const START = new Date('2024-05-01T12:00:00Z');
const next = () => vi.advanceTimersToNextTimerAsync();

function source(retry = {}) {
  const capture = captureLogger();
  const probe = sleepProbe();
  const client = new Auth0Client({ baseUrl: AUTH0_BASE, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, audience: 'x' });
  const logs = new Auth0LogSource(client, { logger: capture.logger, random: () => 0.5, retry, sleep: probe.sleep });
  return { ...capture, probe, source: logs };
}

beforeEach(() => {
  nock.disableNetConnect();
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  vi.setSystemTime(START);
});
afterEach(() => {
  vi.useRealTimers();
  nock.cleanAll();
  nock.enableNetConnect();
});

describe('Auth0LogSource', () => {
  it('waits until x-ratelimit-reset after a 429, then continues', async () => {
    mockToken();
    const resetAt = START.getTime() / 1000 + 30;
    const limited = logsRequest('cp').reply(429, { statusCode: 429, error: 'Too Many Requests' }, { 'x-ratelimit-limit': '50', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(resetAt) });
    const events = [logEvent(1)];
    const after = mockLogsPage('cp', events);
    const { source: logs, probe } = source();
    const page = logs.fetchPage('cp');
    await until(probe.sleeping, 'the rate-limit wait');
    expect(limited.isDone()).toBe(true);
    expect(probe.delays).toEqual([30_000]);
    await vi.advanceTimersByTimeAsync(29_999);
    expect(probe.sleeping()).toBe(true); // still waiting for the window to reset
    expect(after.isDone()).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await expect(page).resolves.toEqual(events);
    expect(after.isDone()).toBe(true);
    expect(logs.takeWaitStats()).toEqual({ rateLimitWaits: 1, rateLimitWaitMs: 30_000, retries: 0 });
  });

  it('paces the next request when x-ratelimit-remaining is low', async () => {
    mockToken();
    const resetAt = String(START.getTime() / 1000 + 10);
    mockLogsPage('a', [logEvent(1)], { headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': resetAt } });
    const second = mockLogsPage('b', []);
    const { source: logs, probe } = source();
    await logs.fetchPage('a');
    const following = logs.fetchPage('b');
    await until(probe.sleeping, 'the pacing pause');
    expect(probe.delays).toEqual([10_000]);
    await vi.advanceTimersByTimeAsync(9_999);
    expect(second.isDone()).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await expect(following).resolves.toEqual([]);
    expect(logs.takeWaitStats().rateLimitWaits).toBe(1);
  });

  it.each([
    ['500', (scope: nock.Interceptor) => scope.reply(500, { error: 'Internal Server Error' })],
    ['ECONNRESET', (scope: nock.Interceptor) => scope.replyWithError(connectionReset())],
  ])('retries after %s with backoff and succeeds', async (_label, fail) => {
    mockToken();
    fail(logsRequest('cp'));
    fail(logsRequest('cp'));
    const ok = mockLogsPage('cp', [logEvent(1)]);
    const { source: logs, lines, probe } = source();
    await expect(settleWithFakeTimers(logs.fetchPage('cp'), probe, next)).resolves.toHaveLength(1);
    expect(probe.delays).toEqual([750, 1_500]); // equal jitter with random 0.5, doubling
    expect(ok.isDone()).toBe(true);
    expect(logs.takeWaitStats().retries).toBe(2);
    expect(lines.filter((l) => l.includes('will retry'))).toHaveLength(2);
  });

  it('gives up after the bounded number of attempts with a non-retryable error', async () => {
    mockToken();
    const failing = logsRequest('cp').times(3).reply(503, {});
    const { source: logs, probe } = source({ maxAttempts: 3 });
    const error = (await settleWithFakeTimers(logs.fetchPage('cp'), probe, next).catch((e: unknown) => e)) as Auth0ApiError;
    expect(failing.isDone()).toBe(true);
    expect(error).toBeInstanceOf(Auth0ApiError);
    expect(error.message).toMatch(/503.*gave up after 3 attempts/);
    expect(error.details.retryable).toBe(false);
  });
});

describe('backoffDelayMs', () => {
  const options = normalizeRetryOptions({ baseDelayMs: 1000, maxDelayMs: 8000 });
  it.each([
    // failures, random, expected: half fixed + half jitter, doubling, capped
    [1, 0, 500],
    [1, 1, 1000],
    [2, 0.5, 1500],
    [3, 0, 2000],
    [10, 1, 8000],
  ])('failure %i with random %d waits %i ms', (failures, random, expected) => {
    expect(backoffDelayMs(failures, options, () => random)).toBe(expected);
  });
});
