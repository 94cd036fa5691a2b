import type { AxiosInstance } from 'axios';
import { Auth0ApiError, Auth0AuthError } from '../errors.js';
import { classifyResponse, createAuth0Http, isSuccess, send, type Auth0Request, type Auth0Response } from './http.js';
import { readRateLimit, type RateLimitInfo } from './rate-limit.js';
import { TokenProvider } from './token.js';

export interface Auth0ClientOptions {
  /** Origin of the tenant, e.g. https://acme.eu.auth0.com (or a local stand-in). */
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  audience: string;
  /** Per-request timeout. @default 15000 */
  timeoutMs?: number;
  now?: () => number;
  /** Shutdown: aborts the request in flight (it ends with ShutdownError). */
  signal?: AbortSignal;
  /** Injected transport (tests); built from baseUrl otherwise. */
  http?: AxiosInstance;
}

export interface LogsPage {
  /** Raw events, untrusted: the caller validates each one. */
  events: unknown[];
  rateLimit: RateLimitInfo;
}

export const LOGS_PATH = '/api/v2/logs';

/**
 * The two Management API calls the poller needs. One attempt each (plus one
 * token refresh on 401); retrying is the caller's decision.
 */
export class Auth0Client {
  readonly #http: AxiosInstance;
  readonly #tokens: TokenProvider;
  readonly #now: () => number;

  constructor(options: Auth0ClientOptions) {
    this.#http = options.http ?? createAuth0Http({ baseUrl: options.baseUrl, timeoutMs: options.timeoutMs, signal: options.signal });
    this.#now = options.now ?? Date.now;
    this.#tokens = new TokenProvider({
      http: this.#http,
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      audience: options.audience,
      now: this.#now,
    });
  }

  /** Up to `take` events after `from`, in log_id order; empty when caught up. */
  async getLogs(from: string, take: number): Promise<LogsPage> {
    const response = await this.#get({ method: 'GET', path: LOGS_PATH, params: { from, take } });
    return { events: asEventArray(response), rateLimit: readRateLimit(response.headers) };
  }

  /** The date of the oldest log Auth0 still keeps (retention), or null when it keeps none. */
  async getOldestLogDate(): Promise<{ date: Date | null; rateLimit: RateLimitInfo }> {
    const response = await this.#get({ method: 'GET', path: LOGS_PATH, params: { sort: 'date:1', per_page: 1, page: 0 } });
    const [oldest] = asEventArray(response);
    const raw = (oldest as { date?: unknown } | undefined)?.date;
    const date = typeof raw === 'string' ? new Date(raw) : null;
    return { date: date && !Number.isNaN(date.getTime()) ? date : null, rateLimit: readRateLimit(response.headers) };
  }

  /** The newest log id of the tenant, or null when it has no logs. */
  async getNewestLogId(): Promise<{ logId: string | null; rateLimit: RateLimitInfo }> {
    const response = await this.#get({
      method: 'GET',
      path: LOGS_PATH,
      params: { sort: 'date:-1', per_page: 1, page: 0 },
    });
    const [newest] = asEventArray(response);
    const logId = (newest as { log_id?: unknown } | undefined)?.log_id;
    return { logId: typeof logId === 'string' && logId ? logId : null, rateLimit: readRateLimit(response.headers) };
  }

  async #get(request: Auth0Request): Promise<Auth0Response> {
    let response = await send(this.#http, { ...request, bearer: await this.#tokens.get() });
    if (response.status === 401) {
      // The cached token may have been revoked or rotated: renew once.
      this.#tokens.invalidate();
      response = await send(this.#http, { ...request, bearer: await this.#tokens.get() });
    }
    if (isSuccess(response)) return response;
    const error = classifyResponse(request, response, this.#now());
    if (response.status === 401) {
      throw new Auth0AuthError(
        `Auth0 ${request.method} ${request.path} rejected a fresh access token (401${error.details.apiError ? ` ${error.details.apiError}` : ''}): check AUTH0_AUDIENCE (it must be the Management API identifier, https://{domain}/api/v2/)`,
        error.details,
      );
    }
    if (response.status === 403) {
      throw new Auth0AuthError(
        `Auth0 ${request.method} ${request.path} was refused (403${error.details.apiError ? ` ${error.details.apiError}` : ''}): the application is missing the read:logs scope; grant it under Applications → APIs → Auth0 Management API → Machine to Machine Applications`,
        error.details,
      );
    }
    throw error;
  }
}

function asEventArray(response: Auth0Response): unknown[] {
  if (Array.isArray(response.data)) return response.data;
  // axios leaves a body that is not JSON as text: something other than the Management API answered.
  const what =
    typeof response.data === 'string'
      ? 'something that is not JSON — a proxy or captive-portal page, or a wrong AUTH0_DOMAIN?'
      : 'JSON that is not a list of logs — is AUTH0_DOMAIN the tenant (not a custom login domain)?';
  throw new Auth0ApiError(`Auth0 GET ${LOGS_PATH} answered ${response.status} with ${what}; will retry`, {
    method: 'GET',
    path: LOGS_PATH,
    status: response.status,
    reason: 'server',
    retryable: true,
  });
}
