import { Auth0ApiError } from '../errors.js';

/** Bounded retries for classified Auth0 errors; the only place that decides to retry. */
export interface RetryOptions {
  /** Attempts per call for server, network and timeout failures (first try included). @default 5 */
  maxAttempts: number;
  /** First backoff; doubles each attempt. @default 1000 */
  baseDelayMs: number;
  /** Backoff ceiling. @default 30000 */
  maxDelayMs: number;
  /** 429 waits per call before giving up (they follow Auth0's own timing). @default 10 */
  maxRateLimitWaits: number;
}

export const RETRY_DEFAULTS: RetryOptions = {
  maxAttempts: 5,
  baseDelayMs: 1_000,
  maxDelayMs: 30_000,
  maxRateLimitWaits: 10,
};

export function normalizeRetryOptions(options: Partial<RetryOptions> = {}): RetryOptions {
  const merged = { ...RETRY_DEFAULTS, ...options };
  return {
    maxAttempts: Math.max(1, Math.floor(merged.maxAttempts)),
    baseDelayMs: Math.max(0, merged.baseDelayMs),
    maxDelayMs: Math.max(0, merged.maxDelayMs),
    maxRateLimitWaits: Math.max(0, Math.floor(merged.maxRateLimitWaits)),
  };
}

/** Exponential backoff with "equal jitter": half fixed, half random, so waits never collapse to zero. */
export function backoffDelayMs(failures: number, options: RetryOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.max(0, failures - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

export type Sleep = (ms: number) => Promise<void>;
export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export interface RetryWait {
  kind: 'rate_limit' | 'backoff';
  delayMs: number;
  error: Auth0ApiError;
}

export interface RetryHooks {
  sleep?: Sleep;
  random?: () => number;
  /** Told before each wait (counting, logging a safe message). */
  onWait?: (wait: RetryWait) => void;
}

export async function withRetry<T>(operation: () => Promise<T>, options: RetryOptions, hooks: RetryHooks = {}): Promise<T> {
  const sleep = hooks.sleep ?? realSleep;
  let failures = 0;
  let rateLimitWaits = 0;
  for (;;) {
    try {
      return await operation();
    } catch (error) {
      if (!(error instanceof Auth0ApiError) || !error.details.retryable) throw error;
      let wait: RetryWait;
      if (error.details.reason === 'rate_limited') {
        rateLimitWaits += 1;
        if (rateLimitWaits > options.maxRateLimitWaits) throw stillRateLimited(error, rateLimitWaits - 1);
        wait = { kind: 'rate_limit', delayMs: error.details.retryAfterMs ?? options.baseDelayMs, error };
      } else {
        failures += 1;
        if (failures >= options.maxAttempts) throw gaveUp(error, `${failures} ${failures === 1 ? 'attempt' : 'attempts'}`);
        wait = { kind: 'backoff', delayMs: backoffDelayMs(failures, options, hooks.random), error };
      }
      hooks.onWait?.(wait);
      await sleep(wait.delayMs);
    }
  }
}

function gaveUp(error: Auth0ApiError, after: string): Auth0ApiError {
  const message = error.message.replace(/; will retry$/, '');
  return new Auth0ApiError(`${message} (gave up after ${after})`, { ...error.details, retryable: false }, { cause: error });
}

/** 429 after every wait Auth0 asked for: "waiting Ns" would no longer be true. */
function stillRateLimited(error: Auth0ApiError, waits: number): Auth0ApiError {
  const label = error.message.replace(/: rate limited, waiting \d+s$/, '');
  return new Auth0ApiError(
    `${label}: still rate limited after ${waits} wait(s) — the tenant's Management API rate limit is used up (another application may share it); the next poll tries again`,
    { ...error.details, retryable: false },
    { cause: error },
  );
}

/** A sleep that ends early (rejecting) when the process shuts down. */
export function abortableSleep(signal: AbortSignal): Sleep {
  return (ms) =>
    new Promise<void>((resolve, reject) => {
      if (signal.aborted) return reject(new ShutdownError());
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        reject(new ShutdownError());
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
}

/** A wait interrupted by shutdown; the checkpoint stays at the last committed page. */
export class ShutdownError extends Error {
  constructor() {
    super('interrupted by shutdown');
    this.name = 'ShutdownError';
  }
}
