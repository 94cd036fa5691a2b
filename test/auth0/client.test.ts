import { inspect } from 'node:util';
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Auth0Client } from '../../src/auth0/client.js';
import { ShutdownError } from '../../src/auth0/retry.js';
import { Auth0ApiError, Auth0AuthError } from '../../src/errors.js';
import {
  ACCESS_TOKEN,
  AUTH0_BASE,
  CLIENT_ID,
  CLIENT_SECRET,
  SECOND_TOKEN,
  connectionReset,
  logEvent,
  mockLogsPage,
  mockToken,
} from '../helpers/auth0-fixtures.js';

let nowMs = Date.parse('2024-05-01T12:00:00Z');
const client = () =>
  new Auth0Client({
    baseUrl: AUTH0_BASE,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    audience: `${AUTH0_BASE}/api/v2/`,
    now: () => nowMs,
  });

beforeEach(() => {
  nock.disableNetConnect();
  nowMs = Date.parse('2024-05-01T12:00:00Z');
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('Auth0Client token', () => {
  it('asks for a token once and reuses it until shortly before it expires', async () => {
    const token = mockToken({ expiresIn: 3600 });
    const pages = [mockLogsPage('a', []), mockLogsPage('b', [])];
    const auth0 = client();
    await auth0.getLogs('a', 100);
    nowMs += 3600_000 - 120_000; // still outside the renewal margin
    await auth0.getLogs('b', 100);
    expect(token.isDone()).toBe(true);
    expect(pages.every((p) => p.isDone())).toBe(true);

    // Within the last minute of its life the token is renewed.
    nowMs += 61_000;
    const renewed = mockToken({ token: SECOND_TOKEN });
    const third = mockLogsPage('c', [], { token: SECOND_TOKEN });
    await auth0.getLogs('c', 100);
    expect(renewed.isDone() && third.isDone()).toBe(true);
  });

  it('renews the token once when the API answers 401, then succeeds', async () => {
    mockToken();
    nock(AUTH0_BASE).get('/api/v2/logs').query(true).reply(401, { statusCode: 401, error: 'Unauthorized', errorCode: 'invalid_token' });
    mockToken({ token: SECOND_TOKEN });
    const event = logEvent(1);
    mockLogsPage('a', [event], { token: SECOND_TOKEN });
    const page = await client().getLogs('a', 100);
    expect(page.events).toEqual([event]);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('stops with an audience hint when a fresh token is also refused', async () => {
    mockToken({ times: 2 });
    nock(AUTH0_BASE).get('/api/v2/logs').query(true).times(2).reply(401, { error: 'Unauthorized', errorCode: 'invalid_token' });
    const error = await rejection(client().getLogs('a', 100));
    expect(error).toBeInstanceOf(Auth0AuthError);
    expect(error.message).toContain('AUTH0_AUDIENCE');
  });

  it.each([401, 403])('explains rejected credentials (%i from /oauth/token) without leaking them', async (status) => {
    nock(AUTH0_BASE)
      .post('/oauth/token')
      .reply(status, { error: 'access_denied', error_description: `Unauthorized ${CLIENT_SECRET}` });
    const error = await rejection(client().getLogs('a', 100));
    expect(error).toBeInstanceOf(Auth0AuthError);
    expect((error as Auth0AuthError).exitCode).toBe(2);
    expect(error.message).toContain('Auth0 rejected the client credentials');
    expect(error.message).toContain('check AUTH0_CLIENT_ID/AUTH0_CLIENT_SECRET');
    expect(error.message).toContain('read:logs');
    expect(error.message).not.toContain(CLIENT_SECRET);
    expect(JSON.stringify((error as Auth0AuthError).details)).not.toContain(CLIENT_SECRET);
  });

  it('says read:logs is missing on 403 insufficient_scope', async () => {
    mockToken();
    nock(AUTH0_BASE)
      .get('/api/v2/logs')
      .query(true)
      .reply(403, { statusCode: 403, error: 'Forbidden', message: 'Insufficient scope, expected any of: read:logs', errorCode: 'insufficient_scope' });
    const error = await rejection(client().getLogs('a', 100));
    expect(error).toBeInstanceOf(Auth0AuthError);
    expect(error.message).toMatch(/403 insufficient_scope.*missing the read:logs scope/);
    expect(error.message).not.toContain(ACCESS_TOKEN);
  });

  it.each([
    // status, reason, retryable
    [500, 'server', true],
    [503, 'server', true],
    [429, 'rate_limited', true],
    [400, 'client', false],
    [404, 'client', false],
  ] as const)('classifies %i from the logs endpoint as %s', async (status, reason, retryable) => {
    mockToken();
    nock(AUTH0_BASE).get('/api/v2/logs').query(true).reply(status, { errorCode: 'x' });
    const error = await rejection(client().getLogs('a', 100));
    expect(error).toBeInstanceOf(Auth0ApiError);
    expect((error as Auth0ApiError).details).toMatchObject({ method: 'GET', path: '/api/v2/logs', status, reason, retryable });
  });

  it('does not follow a redirect (it could carry the token) and points at AUTH0_DOMAIN', async () => {
    mockToken();
    const logs = nock(AUTH0_BASE).get('/api/v2/logs').query(true).reply(301, '', { location: 'https://elsewhere.example/api/v2/logs' });
    const elsewhere = nock('https://elsewhere.example').get(/.*/).reply(200, []);
    const error = (await rejection(client().getLogs('a', 100))) as Auth0ApiError;
    expect(error.details).toMatchObject({ status: 301, reason: 'client', retryable: false });
    expect(error.message).toMatch(/redirected, not followed; check AUTH0_DOMAIN/);
    expect(error.message).not.toContain('elsewhere');
    expect(logs.isDone()).toBe(true);
    expect(elsewhere.isDone()).toBe(false);
  });

  it('abandons a request in flight on shutdown with ShutdownError, not a retryable failure', async () => {
    // The token endpoint would answer only after a minute: the abort must not wait for it.
    const scope = nock(AUTH0_BASE).post('/oauth/token').delay(60_000).reply(200, { access_token: ACCESS_TOKEN, expires_in: 86_400 });
    const received = new Promise<void>((resolve) => scope.on('request', () => resolve()));
    const shutdown = new AbortController();
    const pending = new Auth0Client({ baseUrl: AUTH0_BASE, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, audience: 'x', signal: shutdown.signal }).getLogs('a', 100);
    const outcome = pending.then(
      () => 'answered',
      (error: unknown) => error,
    );
    // Abort only once the request is on the wire (the interceptor has it), not before axios sent it.
    await received;
    shutdown.abort();
    // Without the signal reaching the request in flight, this waits for the minute-long answer (test timeout).
    expect(await outcome).toBeInstanceOf(ShutdownError);
    expect(scope.isDone(), 'the token request reached the server before the abort').toBe(true);
  });

  it('classifies a connection reset as a retryable network failure', async () => {
    mockToken();
    nock(AUTH0_BASE).get('/api/v2/logs').query(true).replyWithError(connectionReset());
    const error = (await rejection(client().getLogs('a', 100))) as Auth0ApiError;
    expect(error.details).toMatchObject({ reason: 'network', retryable: true, apiError: 'ECONNRESET' });
  });

  it('finds the newest log id, or null for an empty tenant', async () => {
    mockToken();
    const newest = logEvent(9);
    nock(AUTH0_BASE).get('/api/v2/logs').query({ sort: 'date:-1', per_page: '1', page: '0' }).reply(200, [newest]);
    nock(AUTH0_BASE).get('/api/v2/logs').query({ sort: 'date:-1', per_page: '1', page: '0' }).reply(200, []);
    const auth0 = client();
    expect((await auth0.getNewestLogId()).logId).toBe(newest.log_id);
    expect((await auth0.getNewestLogId()).logId).toBeNull();
  });

  // axios errors carry the request config: its headers (Authorization: Bearer …) and the token
  // request's body (client_secret). None of it may reach the error the rest of the bot logs and stores.
  it.each([
    ['the token request', '/oauth/token', 'post'],
    ['a logs request', '/api/v2/logs', 'get'],
  ] as const)('a network error on %s leaves no token or client secret in the error, its details or its inspection', async (_what, path, method) => {
    if (path !== '/oauth/token') mockToken();
    // A transport error whose own message echoes what was sent, as proxies and some libraries do.
    const echo = Object.assign(new Error(`socket hang up after Authorization: Bearer ${ACCESS_TOKEN} client_secret=${CLIENT_SECRET}`), { code: 'ECONNRESET' });
    const scope = method === 'post' ? nock(AUTH0_BASE).post(path) : nock(AUTH0_BASE).get(path).query(true);
    scope.replyWithError(echo);
    const error = await rejection(client().getLogs('a', 100));
    expect(error).toBeInstanceOf(Auth0ApiError);
    const everything = `${error.message}\n${JSON.stringify(error)}\n${inspect(error, { depth: 10, showHidden: true })}`;
    expect(everything).not.toContain(ACCESS_TOKEN);
    expect(everything).not.toContain(CLIENT_SECRET);
    expect(everything).not.toMatch(/authorization|client_secret/i);
  });
});
