import type { SlackApiError } from '../errors.js';

export interface BackoffOptions {
  /** First transient retry waits about this long. @default 1000 */
  baseMs: number;
  /** No single wait is longer. @default 60000 */
  maxMs: number;
  /** 0..1; injected so tests are deterministic. @default Math.random */
  random: () => number;
}

/**
 * How long to wait before retrying a failed call, or undefined when it must
 * not be retried. Flat guard clauses; no I/O, no clock.
 * attempt: 1 for the first retry.
 */
export function retryDelayMs(error: SlackApiError, attempt: number, options: BackoffOptions): number | undefined {
  if (!error.details.retryable) return undefined;
  if (error.details.retryAfterMs !== undefined) return Math.max(0, error.details.retryAfterMs);
  const exponential = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, attempt - 1));
  // "Equal jitter": at least half the exponential delay, so retries never bunch at zero.
  return Math.round(exponential / 2 + (exponential / 2) * options.random());
}
