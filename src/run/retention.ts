import { asCodedError } from '../errors.js';
import type { Logger } from '../log.js';
import { RETENTION_MS, SEEN_LOG_IDS_RETENTION_MS, type StateStore } from '../state/store.js';

export const RETENTION_DEFAULTS = {
  /** Pruning scans the outbox: once an hour keeps the file bounded at no noticeable cost. */
  everyMs: 60 * 60 * 1000,
  retentionMs: RETENTION_MS,
} as const;

export interface RetentionOptions {
  store: StateStore;
  logger: Logger;
  now?: () => number;
  everyMs?: number;
  retentionMs?: number;
}

/**
 * Prunes delivered outbox rows and quiet incidents, old profiles and old
 * evaluated log ids, at most once per `everyMs`
 * (the first call prunes). Never throws: a failed prune (a locked database)
 * is logged and tried again at the next call after the interval.
 */
export function retentionTask(options: RetentionOptions): { maybeRun(): Promise<void> } {
  const now = options.now ?? Date.now;
  const everyMs = options.everyMs ?? RETENTION_DEFAULTS.everyMs;
  const retentionMs = options.retentionMs ?? RETENTION_DEFAULTS.retentionMs;
  let lastRunAt = Number.NEGATIVE_INFINITY;
  return {
    async maybeRun() {
      const at = now();
      if (at - lastRunAt < everyMs) return;
      lastRunAt = at;
      try {
        const pruned = await options.store.pruneDelivered(new Date(at), retentionMs);
        if (pruned.outbox > 0 || pruned.incidents > 0) {
          options.logger.info({ ...pruned, retentionDays: retentionMs / 86_400_000 }, 'pruned delivered alerts and quiet incidents');
        }
        // Profiles have their own, longer period (PROFILE_RETENTION_MS: values unseen for 90 days are forgotten).
        const profiles = await options.store.pruneProfiles(new Date(at));
        if (profiles > 0) options.logger.info({ profiles }, 'forgot profiles unseen for 90 days');
        // Evaluated log ids are kept past Auth0's longest log retention: neither path can bring an older one again.
        const logIds = await options.store.pruneSeenLogIds(new Date(at - SEEN_LOG_IDS_RETENTION_MS));
        if (logIds > 0) options.logger.info({ logIds }, 'forgot evaluated log ids older than 30 days');
      } catch (error) {
        const coded = asCodedError(error);
        options.logger.warn({ errorCode: coded.code, error: coded.message }, 'could not prune delivered alerts; will try again later');
      }
    },
  };
}
