import { SlackApiError, type FailureReason } from '../errors.js';
import { safeErrorCode, scrubText } from '../secrets.js';

/**
 * Turning whatever @slack/web-api throws into our SlackApiError: method,
 * Slack's error code, HTTP status and a classification — never the token,
 * headers or body the library's errors carry.
 */

/** Errors about the destination channel: every message to it would fail the same way. */
const CHANNEL_ERRORS = new Set(['channel_not_found', 'not_in_channel', 'is_archived', 'restricted_action']);
/** Errors about the token: every message would fail. */
const AUTH_ERRORS = new Set([
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'no_permission',
  'missing_scope',
  'not_allowed_token_type',
  'ekm_access_denied',
  'team_access_not_granted',
]);
/** Slack-side trouble worth retrying. */
const TRANSIENT_ERRORS = new Set([
  'ratelimited',
  'rate_limited',
  'service_unavailable',
  'internal_error',
  'fatal_error',
  'request_timeout',
  'timeout',
]);

/** What a failure affects: one message, its whole channel, or every call. */
export type FailureScope = 'message' | 'channel' | 'all';

export function failureScope(error: SlackApiError): FailureScope {
  const code = error.details.apiError ?? '';
  if (AUTH_ERRORS.has(code) || error.details.reason === 'auth') return 'all';
  if (CHANNEL_ERRORS.has(code)) return 'channel';
  return 'message';
}

interface LibraryError {
  code?: string;
  retryAfter?: number;
  statusCode?: number;
  data?: { error?: string };
  original?: { code?: string; name?: string; cause?: { code?: string } };
}

export function toSlackApiError(method: string, error: unknown, channel?: string): SlackApiError {
  if (error instanceof SlackApiError) return error;
  const e = (error ?? {}) as LibraryError;
  switch (e.code) {
    case 'slack_webapi_rate_limited_error': {
      const seconds = typeof e.retryAfter === 'number' && e.retryAfter >= 0 ? e.retryAfter : 1;
      return build(method, { status: 429, reason: 'rate_limited', retryable: true, retryAfterMs: seconds * 1000 }, channel, error);
    }
    case 'slack_webapi_platform_error': {
      // Only a code-shaped error is taken; free text in its place (an echo of the request) is not.
      const apiError = safeErrorCode(e.data?.error) ?? 'unknown_error';
      return build(method, { apiError, ...classifyApiError(apiError) }, channel, error);
    }
    case 'slack_webapi_http_error': {
      const status = e.statusCode ?? 0;
      const server = status >= 500 || status === 408;
      return build(method, { status, reason: server ? 'server' : 'client', retryable: server }, channel, error);
    }
    case 'slack_webapi_request_error': {
      // web-api 8 uses fetch: its request timeout aborts with a TimeoutError; a socket timeout keeps its code on the cause.
      const original = e.original;
      const timeout = original?.name === 'TimeoutError' || /ETIMEDOUT|ECONNABORTED/.test(original?.code ?? original?.cause?.code ?? '');
      return build(method, { reason: timeout ? 'timeout' : 'network', retryable: true }, channel, error);
    }
    default:
      // Not from the library (a bug, an aborted socket): retry, bounded by the sender's attempts.
      return build(method, { reason: 'network', retryable: true }, channel, error);
  }
}

function classifyApiError(apiError: string): { reason: FailureReason; retryable: boolean } {
  if (apiError === 'ratelimited' || apiError === 'rate_limited') return { reason: 'rate_limited', retryable: true };
  if (TRANSIENT_ERRORS.has(apiError)) return { reason: 'server', retryable: true };
  if (AUTH_ERRORS.has(apiError)) return { reason: 'auth', retryable: false };
  return { reason: 'client', retryable: false };
}

function build(method: string, details: SlackApiError['details'] extends infer D ? Omit<D, 'method'> : never, channel: string | undefined, cause: unknown): SlackApiError {
  const full = { method, ...details };
  return new SlackApiError(explain(full, channel), full, { cause: stripped(cause) });
}

/** Keeps the cause's class name and message only: library errors carry headers and bodies. */
function stripped(cause: unknown): Error | undefined {
  if (!(cause instanceof Error)) return undefined;
  const safe = new Error(scrubText(cause.message));
  safe.name = cause.name;
  return safe;
}

/** One plain sentence: what happened and what to do. */
export function explain(details: SlackApiError['details'], channel?: string): string {
  const where = channel ? ` ${channel}` : '';
  const code = details.apiError;
  switch (code) {
    case 'channel_not_found':
      return `Slack ${details.method}: channel${where} not found — check ALERT_CHANNEL (or the rule's channel); use the channel ID (C…) or its exact #name`;
    case 'not_in_channel':
      return `Slack ${details.method}: the bot is not a member of${where} — invite it (/invite @auth0-log-alerts) or grant the chat:write.public scope`;
    case 'is_archived':
      return `Slack ${details.method}: channel${where} is archived — unarchive it or point ALERT_CHANNEL elsewhere`;
    case 'missing_scope':
      return `Slack ${details.method}: the bot token lacks a scope (chat:write) — reinstall the app from manifest.yml`;
    case undefined:
      break;
    default:
      if (AUTH_ERRORS.has(code)) return `Slack ${details.method}: the ${tokenName(details.method)} was rejected (${code}) — check ${tokenVariable(details.method)}`;
      if (TRANSIENT_ERRORS.has(code)) return `Slack ${details.method}: Slack is having trouble (${code}); will retry`;
      return `Slack ${details.method}: Slack rejected the message (${code})${where}; it is kept in the outbox as failed`;
  }
  if (details.reason === 'rate_limited') return `Slack ${details.method}: rate limited; retrying after ${Math.ceil((details.retryAfterMs ?? 0) / 1000)}s`;
  if (details.status) return `Slack ${details.method}: HTTP ${details.status}${details.retryable ? '; will retry' : ''} — check SLACK_API_URL`;
  return `Slack ${details.method}: cannot reach Slack (${details.reason}); will retry — check the network and SLACK_API_URL`;
}

/** Socket Mode connects with the app-level token; every other call uses the bot token. */
function tokenVariable(method: string): string {
  return method === 'apps.connections.open' ? 'SLACK_APP_TOKEN' : 'SLACK_BOT_TOKEN';
}

function tokenName(method: string): string {
  return method === 'apps.connections.open' ? 'app-level token' : 'bot token';
}
