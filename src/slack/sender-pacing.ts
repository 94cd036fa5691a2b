import type { Logger } from '../log.js';
import { LeaseLostError, type ChannelLeases } from './sender-lease.js';
import type { NormalizedSenderOptions } from './sender-options.js';
import type { DrainRun } from './sender-types.js';
import { sendWithRetry, type SendOutcome } from './stages/send.js';

/** One paced, retried Slack call to a channel; undefined: the channel stops (deadline, stop, lease lost). */
export type Paced = <T>(run: DrainRun, channel: string, method: string, call: () => Promise<T>, attempts?: number) => Promise<SendOutcome<T> | undefined>;

/**
 * One Slack call to `channel`, paced (about one per second per channel) and
 * retried; before every attempt the channel's lease is renewed — a lease
 * taken over by another process ends the call (undefined: stop the channel).
 */
export function createPacer(options: NormalizedSenderOptions, leases: ChannelLeases, logger: Logger): Paced {
  const { clock } = options;
  /** When each channel may take its next call (epoch ms). */
  const nextCallAt = new Map<string, number>();
  return async function paced<T>(run: DrainRun, channel: string, method: string, call: () => Promise<T>, attempts = options.maxAttempts): Promise<SendOutcome<T> | undefined> {
    const wait = (nextCallAt.get(channel) ?? 0) - clock.now();
    if (clock.now() + Math.max(0, wait) > run.deadlineAt) return undefined;
    if (wait > 0) await clock.sleep(wait, run.signal);
    if (run.signal?.aborted || run.halted) return undefined;
    try {
      return await sendWithRetry(
        method,
        async () => {
          try {
            return await call();
          } finally {
            nextCallAt.set(channel, clock.now() + options.minIntervalMs);
          }
        },
        {
          clock,
          backoff: options.backoff,
          maxAttempts: attempts,
          maxRateLimitWaits: options.maxRateLimitWaits,
          deadlineAt: run.deadlineAt,
          signal: run.signal,
          channel,
          beforeAttempt: () => leases.renew(channel),
          onRetry: (error, waitMs) => {
            // A timeout or a 5xx may come after Slack posted: the retry is the one window for a duplicate.
            const ambiguous = method === 'chat.postMessage' && (error.details.reason === 'timeout' || error.details.reason === 'server');
            logger.warn(
              { channel, method, waitMs, reason: error.details.reason, mayHaveBeenPosted: ambiguous || undefined },
              ambiguous ? `${error.message} — the message may have been posted already; retrying it may show it twice in ${channel}` : error.message,
            );
          },
        },
      );
    } catch (error) {
      if (!(error instanceof LeaseLostError)) throw error;
      logger.warn({ channel }, error.message);
      return undefined;
    }
  };
}
