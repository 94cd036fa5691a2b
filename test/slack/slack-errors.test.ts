import { describe, expect, it } from 'vitest';
import { failureScope, toSlackApiError } from '../../src/slack/slack-errors.js';
import { redactTickets } from '../../src/slack/bolt-logger.js';
import { httpError, platformError, rateLimitedError, requestError } from '../helpers/slack-poster.js';

describe('toSlackApiError', () => {
  it.each([
    // the bot token rejected: every call fails, nothing to retry, says which variable to fix
    { method: 'chat.postMessage', error: platformError('invalid_auth'), reason: 'auth', retryable: false, scope: 'all', says: 'SLACK_BOT_TOKEN' },
    // Socket Mode connects with the app-level token: point at that one instead
    { method: 'apps.connections.open', error: platformError('invalid_auth'), reason: 'auth', retryable: false, scope: 'all', says: 'SLACK_APP_TOKEN' },
    // the bot token checked at start
    { method: 'auth.test', error: platformError('token_revoked'), reason: 'auth', retryable: false, scope: 'all', says: 'SLACK_BOT_TOKEN' },
    // a wrong channel stops that channel only
    { method: 'chat.postMessage', error: platformError('channel_not_found'), reason: 'client', retryable: false, scope: 'channel', says: 'ALERT_CHANNEL' },
    // a message Slack refuses stays failed in the outbox
    { method: 'chat.postMessage', error: platformError('invalid_blocks'), reason: 'client', retryable: false, scope: 'message', says: 'kept in the outbox' },
    // 429: retried after Retry-After
    { method: 'chat.postMessage', error: rateLimitedError(7), reason: 'rate_limited', retryable: true, scope: 'message', says: 'retrying after 7s' },
    // 5xx: retried with backoff
    { method: 'chat.postMessage', error: httpError(503), reason: 'server', retryable: true, scope: 'message', says: 'HTTP 503' },
    // web-api 8 (fetch): the request timeout aborts with a TimeoutError
    { method: 'chat.postMessage', error: requestError(new DOMException('The operation was aborted due to timeout', 'TimeoutError')), reason: 'timeout', retryable: true, scope: 'message', says: 'timeout' },
    // a refused connection: fetch's TypeError carries the socket's code on its cause
    { method: 'chat.postMessage', error: requestError(new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) })), reason: 'network', retryable: true, scope: 'message', says: 'network' },
  ])('$method $error.message → $reason, scope $scope', ({ method, error, reason, retryable, scope, says }) => {
    const converted = toSlackApiError(method, error, '#alerts');
    expect(converted.details).toMatchObject({ method, reason, retryable });
    expect(failureScope(converted)).toBe(scope);
    expect(converted.message).toContain(says);
    // never the library's headers (httpError carries an Authorization header)
    expect(JSON.stringify({ ...converted, message: converted.message, cause: String(converted.cause) })).not.toContain('xoxb-');
  });
});

describe('redactTickets', () => {
  // Bolt's Socket Mode client logs the WebSocket URL at debug level; its ticket lets anyone open the connection.
  it.each([
    ['http request result: {"url":"wss://wss-primary.slack.com/link/?ticket=abc-123&app_id=A1"}', 'http request result: {"url":"wss://wss-primary.slack.com/link/?ticket=[redacted]&app_id=A1"}'],
    ['connecting to wss://x/link?ticket=t0k3n"', 'connecting to wss://x/link?ticket=[redacted]"'],
    ['no ticket here', 'no ticket here'],
  ])('%s', (input, expected) => {
    expect(redactTickets(input)).toBe(expected);
  });
});
