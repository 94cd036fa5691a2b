import axios, { type AxiosInstance } from 'axios';
import { Auth0ApiError } from '../errors.js';
import { safeErrorCode } from '../secrets.js';
import { retryAfterMs, type HeaderBag } from './rate-limit.js';
import { ShutdownError } from './retry.js';
import { noResponseSentence, timeoutSentence } from './transport-errors.js';

/**
 * The redaction boundary: axios errors, configs, headers and bodies never leave
 * this file. Callers receive either a plain response (any HTTP status) or an
 * Auth0ApiError built from method, path, status and Auth0's error code only.
 */
export interface Auth0Request {
  method: 'GET' | 'POST';
  /** Path without query, e.g. `/api/v2/logs`; the only location that appears in errors. */
  path: string;
  params?: Record<string, string | number>;
  body?: Record<string, string>;
  bearer?: string;
}

export interface Auth0Response {
  status: number;
  data: unknown;
  headers: HeaderBag;
}

export interface Auth0HttpOptions {
  baseUrl: string;
  /** Per-request timeout. @default 15000 */
  timeoutMs?: number;
  /** Aborts requests in flight (shutdown): they end with ShutdownError. */
  signal?: AbortSignal;
}

export const AUTH0_HTTP_DEFAULTS = { timeoutMs: 15_000 } as const;

export function createAuth0Http(options: Auth0HttpOptions): AxiosInstance {
  return axios.create({
    baseURL: options.baseUrl,
    timeout: options.timeoutMs ?? AUTH0_HTTP_DEFAULTS.timeoutMs,
    // Every status comes back as a response; we classify it ourselves.
    validateStatus: () => true,
    // Redirects could carry the bearer token to another host.
    maxRedirects: 0,
    headers: { 'user-agent': 'auth0-log-alerts' },
    signal: options.signal,
  });
}

export async function send(http: AxiosInstance, request: Auth0Request): Promise<Auth0Response> {
  try {
    const response = await http.request({
      method: request.method,
      url: request.path,
      params: request.params,
      data: request.body,
      headers: request.bearer ? { authorization: `Bearer ${request.bearer}` } : undefined,
    });
    return { status: response.status, data: response.data, headers: { ...(response.headers as HeaderBag) } };
  } catch (error) {
    // SIGTERM should not wait out a slow request; nothing of it was committed.
    if (axios.isCancel(error)) throw new ShutdownError();
    throw networkError(request, error, http.defaults);
  }
}

const TIMEOUT_CODES = new Set(['ECONNABORTED', 'ETIMEDOUT', 'ESOCKETTIMEDOUT']);

function networkError(request: Auth0Request, error: unknown, defaults: { baseURL?: string; timeout?: number }): Auth0ApiError {
  const raw = (error as { code?: unknown }).code;
  const code = typeof raw === 'string' && /^[A-Z0-9_]{2,40}$/.test(raw) ? raw : undefined;
  const timedOut = code !== undefined && TIMEOUT_CODES.has(code);
  // The host is configuration (AUTH0_DOMAIN), never a secret; the URL's path and query stay out.
  const host = defaults.baseURL && URL.canParse(defaults.baseURL) ? new URL(defaults.baseURL).host : 'Auth0';
  const message = timedOut ? timeoutSentence(request, host, defaults.timeout ?? AUTH0_HTTP_DEFAULTS.timeoutMs) : noResponseSentence(request, host, code);
  return new Auth0ApiError(message, {
    method: request.method,
    path: request.path,
    apiError: code,
    reason: timedOut ? 'timeout' : 'network',
    retryable: true,
  });
}

/**
 * Auth0's own error code from a body, only when it looks like a code
 * (`^[a-z0-9_]{1,64}$`); never its free-text message, never a code-shaped cut of
 * free text (the old sanitiser turned an echoed "Bearer eyJ…" into "BearereyJ…").
 */
export function apiErrorCode(data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const body = data as Record<string, unknown>;
  return safeErrorCode(body.errorCode) ?? safeErrorCode(body.error);
}

/** Turns a non-2xx response into a classified error; retry code decides what to do with it. */
export function classifyResponse(request: Auth0Request, response: Auth0Response, nowMs: number): Auth0ApiError {
  const { status } = response;
  const apiError = apiErrorCode(response.data);
  const base = { method: request.method, path: request.path, status, apiError };
  const label = `Auth0 ${request.method} ${request.path} returned ${status}${apiError ? ` ${apiError}` : ''}`;
  if (status === 429) {
    const wait = retryAfterMs(response.headers, nowMs);
    return new Auth0ApiError(`${label}: rate limited, waiting ${Math.ceil(wait / 1000)}s`, {
      ...base,
      reason: 'rate_limited',
      retryable: true,
      retryAfterMs: wait,
    });
  }
  if (status === 401 || status === 403) {
    return new Auth0ApiError(`${label}: not authorised`, { ...base, reason: 'auth', retryable: false });
  }
  if (status === 408) {
    return new Auth0ApiError(`${label}: request timeout; will retry`, { ...base, reason: 'timeout', retryable: true });
  }
  if (status >= 300 && status < 400) {
    // Not followed: the redirect could carry the bearer token (or the client secret) to another host.
    return new Auth0ApiError(
      `${label}: redirected, not followed; check AUTH0_DOMAIN (the tenant's https domain, e.g. acme.eu.auth0.com)`,
      { ...base, reason: 'client', retryable: false },
    );
  }
  if (status >= 500) {
    return new Auth0ApiError(`${label}: an error on Auth0's side (see status.auth0.com); will retry`, { ...base, reason: 'server', retryable: true });
  }
  return new Auth0ApiError(`${label}: request rejected`, { ...base, reason: 'client', retryable: false });
}

export function isSuccess(response: Auth0Response): boolean {
  return response.status >= 200 && response.status < 300;
}
