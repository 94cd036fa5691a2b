import { pollFailureWords } from '../auth0/failure-words.js';
import type { SelfWatchConfig, TenantConfig } from '../config/index.js';
import { Auth0AuthError, StateBusyError, StateError, asCodedError, type CodedError } from '../errors.js';
import type { Logger } from '../log.js';
import type { StateStore } from '../state/store.js';
import type { CycleReport } from './poller.js';

export interface TenantWatchInput {
  tenant: TenantConfig;
  store: StateStore;
  logger: Logger;
  selfWatch: SelfWatchConfig;
  /** Where this tenant's notices go (its channel, else ALERT_CHANNEL). */
  noticeChannel: string | undefined;
  /** Only tenant of the bot: credentials rejected at its first contact stop the bot (exit 2). */
  onlyTenant: boolean;
  now?: () => number;
}

/** A cycle's report, and whether the bot must stop (exit with the error's code). */
export type WatchedReport = CycleReport & { stop: boolean };

export interface WatchedCycle {
  /** Runs the tenant's cycle unless it waits out a rejection; undefined when skipped. */
  (): Promise<WatchedReport | undefined>;
}

/**
 * One tenant's trouble never silences the others (issue #10 §6): a tenant
 * whose credentials are rejected (or whose grant lacks read:logs) is retried
 * on a slow backoff while the others go on; only the single tenant of a bot,
 * rejected at its very first contact, is a configuration error (exit 2).
 * It also opens and resolves the tenant's problems: polling failing for
 * longer than NOTICE_POLL_FAILING_AFTER, and a log gap.
 */
export function watchTenant(cycle: () => Promise<CycleReport>, input: TenantWatchInput): WatchedCycle {
  const { tenant, store, logger, selfWatch } = input;
  const now = input.now ?? Date.now;
  const startedAt = now();
  const pollingKey = `polling_failing:${tenant.key}`;
  let contacted = false;
  let retryAt = Number.NEGATIVE_INFINITY;
  /** Whether the polling problem is open (read once from the store, then tracked). */
  let pollingOpen: boolean | undefined;

  async function isPollingOpen(): Promise<boolean> {
    pollingOpen ??= (await store.listProblems()).some((problem) => problem.key === pollingKey);
    return pollingOpen;
  }

  async function failing(error: CodedError): Promise<void> {
    const state = await store.readTenant(tenant.key);
    const lastSuccess = state?.lastSuccessAt ? Date.parse(state.lastSuccessAt) : Number.NaN;
    const since = Number.isNaN(lastSuccess) ? startedAt : lastSuccess;
    const failingMs = now() - since;
    if (failingMs < selfWatch.pollFailingAfterMs) return;
    const minutes = Math.max(1, Math.round(failingMs / 60_000));
    const summary = `polling tenant ${tenant.key} has failed for ${minutes} min (${pollFailureWords(error)}): ${error.message}`;
    if (await store.openProblem({ key: pollingKey, kind: 'polling_failing', tenant: tenant.key, channel: input.noticeChannel ?? null, summary }, new Date(now()))) {
      logger.error({ tenant: tenant.key, failingMinutes: minutes }, summary);
    }
    pollingOpen = true;
  }

  return async () => {
    if (now() < retryAt) return undefined;
    const firstContact = !contacted;
    contacted = true;
    const report = await cycle();
    const error = report.error;
    if (report.logGap) {
      const { from, to } = report.logGap;
      await store.openProblem(
        {
          key: `log_gap:${tenant.key}:${from}`,
          kind: 'log_gap',
          tenant: tenant.key,
          channel: input.noticeChannel ?? null,
          summary: `events of tenant ${tenant.key} from ${from} to ${to} may be lost: Auth0 no longer keeps logs before ${to} (its log retention) and the bot had not read them yet`,
        },
        new Date(now()),
      );
    }
    // A cycle cut short by shutdown proves neither: the problem stays as it was.
    if (report.interrupted) return { ...report, stop: false };
    if (report.ok) {
      retryAt = Number.NEGATIVE_INFINITY;
      if (await isPollingOpen()) {
        await store.resolveProblem(pollingKey, new Date(now()));
        pollingOpen = false;
        logger.info({ tenant: tenant.key }, `polling tenant ${tenant.key} works again`);
      }
      return { ...report, stop: false };
    }
    if (!error) return { ...report, stop: false };
    // A broken or shared database is fatal (a lock or a full disk passes).
    if (error instanceof StateError && !(error instanceof StateBusyError)) return { ...report, stop: true };
    if (error instanceof Auth0AuthError) {
      // The only tenant, refused at once: a configuration error the operator sees immediately (exit 2).
      if (input.onlyTenant && firstContact) return { ...report, stop: true };
      retryAt = now() + selfWatch.rejectedRetryMs;
      logger.error(
        { tenant: tenant.key, retryInMs: selfWatch.rejectedRetryMs },
        `tenant ${tenant.key}: ${error.message}; retrying it every ${Math.round(selfWatch.rejectedRetryMs / 1000)} s (any other tenant goes on)`,
      );
    }
    try {
      await failing(error);
    } catch (stateError) {
      logger.warn({ tenant: tenant.key, error: asCodedError(stateError).message }, 'could not record the polling problem');
    }
    return { ...report, stop: false };
  };
}
