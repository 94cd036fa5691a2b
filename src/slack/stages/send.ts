import type { SlackApiError } from '../../errors.js';
import type { Clock } from '../clock.js';
import { retryDelayMs, type BackoffOptions } from '../retry-timing.js';
import { toSlackApiError } from '../slack-errors.js';
import { metrics } from '../../metrics/index.js';

export interface SendPolicy {
  clock: Clock;
  backoff: BackoffOptions;
  maxAttempts: number;
  maxRateLimitWaits: number;
  /** Epoch ms after which no new attempt starts (and no wait may end later). */
  deadlineAt: number;
  signal?: AbortSignal;
  /** Named in error messages ("channel #x not found"). */
  channel?: string;
  /** Told before every wait (for the log). */
  onRetry?: (error: SlackApiError, waitMs: number) => void;
  /** Run before every attempt; what it throws ends the call as is (a lost channel lease, a state error). */
  beforeAttempt?: () => Promise<void>;
}

export type SendOutcome<T> =
  | { ok: true; value: T }
  /** `permanent`: Slack refused for good; `gave_up`: transient, attempts used up; `deadline`: out of time. */
  | { ok: false; error: SlackApiError; why: 'permanent' | 'gave_up' | 'deadline' | 'stopped' };

/**
 * Stage: one call, retried until Slack says ok. A 429 waits Retry-After and
 * repeats the SAME call — the caller keeps the message, so nothing is posted
 * twice and nothing is dropped; transient failures back off with jitter, their
 * exponent counting transient failures only.
 */
export async function sendWithRetry<T>(method: string, call: () => Promise<T>, policy: SendPolicy): Promise<SendOutcome<T>> {
  let transientFailures = 0;
  let rateLimitWaits = 0;
  for (;;) {
    let error: SlackApiError;
    await policy.beforeAttempt?.();
    try {
      return { ok: true, value: await call() };
    } catch (thrown) {
      error = toSlackApiError(method, thrown, policy.channel);
    }
    if (!error.details.retryable) return { ok: false, error, why: 'permanent' };
    // Two separate tallies: a 429 is Slack saying exactly when to come back, not a
    // failure — counting it towards the backoff exponent would turn the next 500's
    // one-second wait into many seconds after a few rate limits.
    const rateLimited = error.details.reason === 'rate_limited';
    if (rateLimited) rateLimitWaits += 1;
    else transientFailures += 1;
    if (transientFailures >= policy.maxAttempts || rateLimitWaits > policy.maxRateLimitWaits) {
      return { ok: false, error, why: 'gave_up' };
    }
    const waitMs = retryDelayMs(error, rateLimited ? rateLimitWaits : transientFailures, policy.backoff) ?? 0;
    if (policy.clock.now() + waitMs > policy.deadlineAt) return { ok: false, error, why: 'deadline' };
    policy.onRetry?.(error, waitMs);
    if (rateLimited) metrics.rateLimitWaits('slack', 1, waitMs);
    await policy.clock.sleep(waitMs, policy.signal);
    if (policy.signal?.aborted) return { ok: false, error, why: 'stopped' };
  }
}
