import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import nock from 'nock';

export const AUTH0_BASE = 'https://acme.eu.auth0.com';
export const CLIENT_ID = 'test-client-id';
/** Distinctive values: tests assert they never appear in logs or error messages. */
export const CLIENT_SECRET = 'S3CRET-client-secret-do-not-leak-7f3a';
export const ACCESS_TOKEN = 'TOKEN-aaaa-access-token-do-not-leak-1';
export const SECOND_TOKEN = 'TOKEN-bbbb-access-token-do-not-leak-2';

/** Log id of the usual shape: 900 + UTC second + zero-padded sequence, 56 chars. */
export function logId(at: Date, seq: number): string {
  const stamp = at.toISOString().slice(0, 19).replace(/[-T:]/g, '');
  return `900${stamp}${String(seq).padStart(39, '0')}`;
}

/** A realistic Auth0 log event; `seq` orders log ids within the same second. */
export function logEvent(seq: number, overrides: Record<string, unknown> = {}, at = new Date('2024-05-01T12:00:00Z')) {
  const date = new Date(at.getTime() + seq * 1000);
  return {
    date: date.toISOString(),
    type: 'f',
    description: 'Wrong email or password.',
    connection: 'Username-Password-Authentication',
    client_id: 'app123',
    client_name: 'Web App',
    ip: '203.0.113.7',
    user_agent: 'Chrome 124.0.0 / Mac OS X 10.15.7',
    user_id: 'auth0|user1',
    user_name: 'alice@example.com',
    hostname: 'acme.eu.auth0.com',
    log_id: logId(date, seq),
    ...overrides,
  };
}

/** Intercepts the client-credentials token request. */
export function mockToken(options: { token?: string; expiresIn?: number; times?: number } = {}) {
  return nock(AUTH0_BASE)
    .post('/oauth/token', (body) => body.grant_type === 'client_credentials' && body.client_id === CLIENT_ID)
    .times(options.times ?? 1)
    .reply(200, { access_token: options.token ?? ACCESS_TOKEN, expires_in: options.expiresIn ?? 86400, token_type: 'Bearer' });
}

/** Intercepts one `GET /api/v2/logs?from=…&take=…` page. */
export function mockLogsPage(from: string, events: unknown[], options: { token?: string; take?: number; headers?: Record<string, string> } = {}) {
  return nock(AUTH0_BASE, { reqheaders: { authorization: `Bearer ${options.token ?? ACCESS_TOKEN}` } })
    .get('/api/v2/logs')
    .query({ from, take: String(options.take ?? 100) })
    .reply(200, events, options.headers);
}

/** A pino logger whose lines are kept for assertions. */
export function captureLogger(): { logger: Logger; lines: string[]; records: () => Array<Record<string, unknown>> } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      callback();
    },
  });
  const logger = pino({ level: 'trace', base: undefined }, stream);
  return { logger, lines, records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

/** What a dropped connection looks like to the HTTP client (nock 14 needs an Error instance). */
export function connectionReset(): Error {
  return Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
}

/** Waits (on real I/O turns, setImmediate is not faked in our tests) until `condition` holds. */
export async function until(condition: () => boolean, what = 'condition', maxRounds = 20_000): Promise<void> {
  for (let round = 0; round < maxRounds; round++) {
    if (condition()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * A sleep that runs on (fake) setTimeout and tells the test when the code under
 * test is waiting on a timer rather than on I/O, so the test advances the clock
 * only then (advancing during a request would fire its timeout instead).
 */
export function sleepProbe(): { sleep: (ms: number) => Promise<void>; sleeping: () => boolean; delays: number[] } {
  let pending = 0;
  const delays: number[] = [];
  return {
    delays,
    sleeping: () => pending > 0,
    sleep: (ms) => {
      pending += 1;
      delays.push(ms);
      return new Promise<void>((resolve) => setTimeout(resolve, ms)).finally(() => {
        pending -= 1;
      });
    },
  };
}

/** Drives a promise under fake timers: wait for I/O, jump to the next sleep's end, repeat until it settles. */
export async function settleWithFakeTimers<T>(
  promise: Promise<T>,
  probe: { sleeping: () => boolean },
  advance: () => Promise<unknown>,
): Promise<T> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  while (!settled) {
    await until(() => settled || probe.sleeping(), 'the promise to settle or sleep');
    if (!settled) await advance();
  }
  return promise;
}

/** The request for one page, to reply to with a failure (nock prefers the first matching interceptor, so match exactly). */
export function logsRequest(from: string, take = 100): nock.Interceptor {
  return nock(AUTH0_BASE).get('/api/v2/logs').query({ from, take: String(take) });
}
