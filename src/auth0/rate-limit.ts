/**
 * Rate-limit timing as pure functions of response headers and the current time.
 * Auth0 sends x-ratelimit-limit / -remaining / -reset (epoch seconds) on every
 * Management API response, and sometimes Retry-After on a 429.
 */
export type HeaderBag = Record<string, unknown>;

export interface RateLimitInfo {
  limit?: number;
  remaining?: number;
  /** When the bucket refills, epoch ms. */
  resetAtMs?: number;
}

export const RATE_LIMIT_DEFAULTS = {
  /** Wait this long on a 429 that says nothing about when to come back. */
  fallbackMs: 1_000,
  /** Never wait longer than this on one 429 (guards against clock skew or absurd headers). */
  maxWaitMs: 120_000,
  /** Start spreading requests when at most this many remain in the window. */
  lowRemaining: 2,
} as const;

function header(headers: HeaderBag, name: string): string | undefined {
  const value = headers[name] ?? headers[name.toLowerCase()];
  if (Array.isArray(value)) return value[0] === undefined ? undefined : String(value[0]);
  return value === undefined || value === null ? undefined : String(value);
}

function finiteNumber(raw: string | undefined): number | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  return Number.isFinite(n) ? n : undefined;
}

export function readRateLimit(headers: HeaderBag): RateLimitInfo {
  const reset = finiteNumber(header(headers, 'x-ratelimit-reset'));
  return {
    limit: finiteNumber(header(headers, 'x-ratelimit-limit')),
    remaining: finiteNumber(header(headers, 'x-ratelimit-remaining')),
    resetAtMs: reset === undefined ? undefined : reset * 1000,
  };
}

/** How long to wait after a 429 before trying again. */
export function retryAfterMs(
  headers: HeaderBag,
  nowMs: number,
  options: { fallbackMs?: number; maxWaitMs?: number } = {},
): number {
  const fallbackMs = options.fallbackMs ?? RATE_LIMIT_DEFAULTS.fallbackMs;
  const maxWaitMs = options.maxWaitMs ?? RATE_LIMIT_DEFAULTS.maxWaitMs;
  const clamp = (ms: number) => Math.min(maxWaitMs, Math.max(0, Math.ceil(ms)));

  const { resetAtMs } = readRateLimit(headers);
  if (resetAtMs !== undefined && resetAtMs > nowMs) return clamp(resetAtMs - nowMs);

  const retryAfter = header(headers, 'retry-after');
  const seconds = finiteNumber(retryAfter);
  if (seconds !== undefined) return clamp(seconds * 1000);
  const date = retryAfter === undefined ? Number.NaN : Date.parse(retryAfter);
  if (!Number.isNaN(date)) return clamp(date - nowMs);

  // A reset already in the past: the window has refilled, but don't hammer.
  return clamp(fallbackMs);
}

/**
 * How long to pause before the next request so the remaining budget lasts until
 * the window resets; 0 while plenty remains.
 */
export function paceDelayMs(
  info: RateLimitInfo,
  nowMs: number,
  options: { lowRemaining?: number; maxWaitMs?: number } = {},
): number {
  const lowRemaining = options.lowRemaining ?? RATE_LIMIT_DEFAULTS.lowRemaining;
  const maxWaitMs = options.maxWaitMs ?? RATE_LIMIT_DEFAULTS.maxWaitMs;
  if (info.remaining === undefined || info.resetAtMs === undefined) return 0;
  if (info.remaining > lowRemaining) return 0;
  const untilReset = info.resetAtMs - nowMs;
  if (untilReset <= 0) return 0;
  if (info.remaining <= 0) return Math.min(maxWaitMs, Math.ceil(untilReset));
  return Math.min(maxWaitMs, Math.ceil(untilReset / (info.remaining + 1)));
}
