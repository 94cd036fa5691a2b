import type { Logger } from '../log.js';
import type { Auth0Client } from './client.js';
import { paceDelayMs, RATE_LIMIT_DEFAULTS, type RateLimitInfo } from './rate-limit.js';
import { normalizeRetryOptions, realSleep, withRetry, type RetryOptions, type RetryWait, type Sleep } from './retry.js';

/** What the poller reads logs from: one page at a time, retries already applied. */
export interface LogSource {
  /** Raw events after `from`, in log_id order; empty when caught up. */
  fetchPage(from: string): Promise<unknown[]>;
  /** The tenant's newest log id, null when it has none. */
  newestLogId(): Promise<string | null>;
  /** The date of the oldest log the tenant still keeps (log gap detection); absent in sources that cannot tell. */
  oldestLogDate?(): Promise<Date | null>;
  /** Waits since the last call (for the per-cycle log line), then resets them. */
  takeWaitStats(): WaitStats;
}

export interface WaitStats {
  rateLimitWaits: number;
  rateLimitWaitMs: number;
  retries: number;
}

export interface Auth0LogSourceOptions {
  /** Events per page (Auth0's maximum for checkpoint pagination). @default 100 */
  take?: number;
  retry?: Partial<RetryOptions>;
  /** Spread requests once this few remain in the rate-limit window. @default 2 */
  lowRemaining?: number;
  sleep?: Sleep;
  now?: () => number;
  random?: () => number;
  logger?: Logger;
}

export const LOG_SOURCE_DEFAULTS = { take: 100, lowRemaining: RATE_LIMIT_DEFAULTS.lowRemaining } as const;

/** Auth0Client + bounded retries + pacing before the rate limit is hit. */
export class Auth0LogSource implements LogSource {
  readonly #client: Auth0Client;
  readonly #take: number;
  readonly #retry: RetryOptions;
  readonly #lowRemaining: number;
  readonly #sleep: Sleep;
  readonly #now: () => number;
  readonly #random: (() => number) | undefined;
  readonly #logger: Logger | undefined;
  #stats: WaitStats = { rateLimitWaits: 0, rateLimitWaitMs: 0, retries: 0 };
  #pauseBeforeNextMs = 0;

  constructor(client: Auth0Client, options: Auth0LogSourceOptions = {}) {
    this.#client = client;
    this.#take = options.take ?? LOG_SOURCE_DEFAULTS.take;
    this.#retry = normalizeRetryOptions(options.retry);
    this.#lowRemaining = options.lowRemaining ?? LOG_SOURCE_DEFAULTS.lowRemaining;
    this.#sleep = options.sleep ?? realSleep;
    this.#now = options.now ?? Date.now;
    this.#random = options.random;
    this.#logger = options.logger;
  }

  async fetchPage(from: string): Promise<unknown[]> {
    const page = await this.#call(() => this.#client.getLogs(from, this.#take));
    return page.events;
  }

  async newestLogId(): Promise<string | null> {
    return (await this.#call(() => this.#client.getNewestLogId())).logId;
  }

  /** One attempt, no retries: a best-effort check, tried again later when it fails. */
  async oldestLogDate(): Promise<Date | null> {
    return (await this.#client.getOldestLogDate()).date;
  }

  takeWaitStats(): WaitStats {
    const stats = this.#stats;
    this.#stats = { rateLimitWaits: 0, rateLimitWaitMs: 0, retries: 0 };
    return stats;
  }

  async #call<T extends { rateLimit: RateLimitInfo }>(operation: () => Promise<T>): Promise<T> {
    if (this.#pauseBeforeNextMs > 0) {
      const pause = this.#pauseBeforeNextMs;
      this.#pauseBeforeNextMs = 0;
      this.#stats.rateLimitWaits += 1;
      this.#stats.rateLimitWaitMs += pause;
      this.#logger?.debug({ pauseMs: pause }, 'auth0 rate limit nearly used up; pacing requests');
      await this.#sleep(pause);
    }
    const result = await withRetry(operation, this.#retry, {
      sleep: this.#sleep,
      random: this.#random,
      onWait: (wait) => this.#onWait(wait),
    });
    this.#pauseBeforeNextMs = paceDelayMs(result.rateLimit, this.#now(), { lowRemaining: this.#lowRemaining });
    return result;
  }

  #onWait(wait: RetryWait): void {
    if (wait.kind === 'rate_limit') {
      this.#stats.rateLimitWaits += 1;
      this.#stats.rateLimitWaitMs += wait.delayMs;
    } else {
      this.#stats.retries += 1;
    }
    // Only our own error's safe fields: never a raw transport error.
    this.#logger?.warn(
      { reason: wait.error.details.reason, status: wait.error.details.status, delayMs: wait.delayMs },
      wait.error.message,
    );
  }
}
