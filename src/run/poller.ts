import { logIdTime, syntheticCheckpoint } from '../auth0/checkpoint.js';
import type { LogSource } from '../auth0/log-source.js';
import { ShutdownError } from '../auth0/retry.js';
import { startInstant, type StartFrom } from '../config/start-from.js';
import { asCodedError, type CodedError } from '../errors.js';
import type { Logger } from '../log.js';
import type { CheckpointStore } from './checkpoint-store.js';
import type { PageEvaluator } from './evaluator.js';
import { TenantIntake } from '../intake/tenant-intake.js';
import { metrics } from '../metrics/index.js';
import { checkLogGap, type LogGap } from './log-gap.js';
import { PageBatch, commitAfterFailure } from './page-batch.js';
import { preparePage, stuckAt } from './prepare-page.js';

export { LOG_GAP_CHECK_AGE_MS, LOG_GAP_MIN_MS, type LogGap } from './log-gap.js';
export { preparePage } from './prepare-page.js';

export interface PollCycleOptions {
  tenant: string;
  source: LogSource;
  store: CheckpointStore;
  evaluator: PageEvaluator;
  /**
   * The tenant's intake, shared with its log-stream requests (one lock, one
   * cached rule state). Absent: one of its own over `store` and `evaluator`.
   */
  intake?: TenantIntake;
  startFrom: StartFrom;
  logger: Logger;
  /** Pages per cycle before yielding to the next tick (bounds a cycle's duration). @default 50 */
  maxPages?: number;
  /**
   * Evaluated pages are committed together, at the latest after this many pages
   * or this long after the first uncommitted one (and always before the cycle ends).
   * @default POLL_DEFAULTS.commitEvery
   */
  commitEvery?: { pages: number; ms: number };
  now?: () => number;
  /** Checked between pages: a shutdown lets the current page finish, then stops. */
  shouldStop?: () => boolean;
  /**
   * Ask Auth0 for the oldest log it keeps when the checkpoint is older than
   * LOG_GAP_CHECK_AGE_MS, and report a log gap when that log is younger than
   * the checkpoint (events in between were dropped by retention unread).
   */
  checkLogGap?: boolean;
}

export const POLL_DEFAULTS = {
  maxPages: 50,
  /**
   * One transaction per page cost most of a catch-up: the whole rule state
   * (~2 MB after a 200k backlog through the default pack) serialised, rewritten
   * and fsynced 2,000 times. Committing up to 50 pages (5,000 events) at once,
   * and at the latest 1 s after the first uncommitted page, keeps "the
   * checkpoint moves only with its alerts and rule state" and "nothing
   * evaluated twice" (a crash before the commit re-reads those pages from the
   * old checkpoint with the old state), and delays an alert during a backlog
   * by at most ~1 s. (10 pages: a 200k backlog cost ~60% more CPU.) A live
   * tenant's cycle is usually one short page, committed at once.
   */
  commitEvery: { pages: 50, ms: 1_000 },
} as const;

export interface CycleReport {
  tenant: string;
  ok: boolean;
  pages: number;
  eventsFetched: number;
  malformed: number;
  /** Events skipped because they were already evaluated (delivered by the log stream first). */
  alreadySeen: number;
  /** Alerts queued in the outbox (a dry run queues none: see `wouldQueue`). */
  alertsQueued: number;
  /** --dry-run: the alerts the cycle would have queued (printed instead). */
  wouldQueue?: number;
  /** Checkpoint after the cycle (the last committed page). */
  checkpoint: string | null;
  caughtUp: boolean;
  /**
   * The cycle did not run to its end: a shutdown (or the loss of the tenant's
   * lease) cut a wait short or stopped it between pages. Neither a success nor
   * a failure: nothing is recorded, and it resolves no problem.
   */
  interrupted?: true;
  durationMs: number;
  rateLimitWaits: number;
  rateLimitWaitMs: number;
  retries: number;
  error?: CodedError;
  /** Set when this cycle asked Auth0 for its oldest kept log. */
  logGapChecked?: boolean;
  logGap?: LogGap;
}

/**
 * One poll cycle: page forward from the checkpoint until an empty page (or the
 * page bound), committing evaluated pages in small batches (POLL_DEFAULTS.commitEvery).
 * Only one page of events is in memory at a time; a batch holds just its alerts.
 * Never throws: failures are in the report, and the checkpoint stays at the last
 * committed page.
 */
export async function runPollCycle(options: PollCycleOptions): Promise<CycleReport> {
  const { tenant, source, store, evaluator, logger } = options;
  const now = options.now ?? Date.now;
  const maxPages = options.maxPages ?? POLL_DEFAULTS.maxPages;
  const startedAt = now();
  const report: CycleReport = {
    tenant,
    ok: true,
    pages: 0,
    eventsFetched: 0,
    malformed: 0,
    alreadySeen: 0,
    alertsQueued: 0,
    checkpoint: null,
    caughtUp: false,
    durationMs: 0,
    rateLimitWaits: 0,
    rateLimitWaitMs: 0,
    retries: 0,
    ...(store.dryRun ? { wouldQueue: 0 } : {}),
  };

  let interrupted = false;
  const intake = options.intake ?? new TenantIntake({ tenant, store, evaluator, logger });
  const batch = new PageBatch(intake, options.commitEvery ?? POLL_DEFAULTS.commitEvery, now, report);
  try {
    let { checkpoint, lastSuccessAt } = await store.load();
    if (checkpoint === null) {
      checkpoint = await startingCheckpoint(options, now());
      // Log ids carry their time: `status` can show the starting position's age before any event.
      const checkpointDate = logIdTime(checkpoint)?.toISOString() ?? null;
      // Through the intake: a log stream may already have stored rule state, which this keeps.
      await intake.commitPages({ after: null, checkpoint, checkpointDate, events: [] });
      // A dry run keeps it in memory only: the log must not claim otherwise.
      logger.info(
        { tenant, checkpoint, startFrom: options.startFrom.kind, ...(store.dryRun ? { dryRun: true } : {}) },
        store.dryRun ? 'no checkpoint yet; starting position chosen (dry run: not stored)' : 'no checkpoint yet; starting position stored',
      );
    }
    report.checkpoint = checkpoint;
    batch.after = checkpoint;
    if (options.checkLogGap) await checkLogGap(options, checkpoint, lastSuccessAt ?? null, now(), report);

    while (report.pages < maxPages) {
      if (options.shouldStop?.()) {
        interrupted = true;
        break;
      }
      const raw = await source.fetchPage(checkpoint);
      report.pages += 1;
      report.eventsFetched += raw.length;
      const page = preparePage(raw, checkpoint, tenant, logger);
      report.malformed += page.malformed;
      if (page.malformed > 0) metrics.eventsIngested('poll', tenant, { evaluated: 0, duplicates: 0, malformed: page.malformed, newestEventDate: null });
      if (page.nextCheckpoint === null) {
        if (page.withoutLogId > 0) throw stuckAt(checkpoint, page.withoutLogId);
        report.caughtUp = true;
        break;
      }
      checkpoint = page.nextCheckpoint;
      batch.add(page.events, checkpoint, page.checkpointDate);
      if (batch.due()) await batch.commit();
    }
    await batch.commit();
  } catch (error) {
    // Pages evaluated before a failed fetch (or a shutdown) are stored, so the
    // next cycle resumes after them; a failed commit is not tried twice.
    const committed = await commitAfterFailure(batch, logger, tenant);
    if (error instanceof ShutdownError) {
      interrupted = true;
    } else {
      report.ok = false;
      report.error = asCodedError(error);
    }
    if (!committed.ok && !report.error && !interrupted) {
      report.ok = false;
      report.error = committed.error;
    }
  }

  Object.assign(report, source.takeWaitStats());
  metrics.rateLimitWaits('auth0', report.rateLimitWaits, report.rateLimitWaitMs);
  report.durationMs = now() - startedAt;
  if (interrupted) {
    // A wait cut short by SIGTERM is not a failed poll: /healthz after a restart must not read it as one.
    // Nor a successful one: Auth0 may still be failing, and a cut-short cycle proves nothing.
    report.interrupted = true;
    logger.info(report, `poll cycle stopped by shutdown; checkpoint stays at ${report.checkpoint ?? 'none'}`);
    return report;
  }
  await recordOutcome(store, report, logger);
  logCycle(logger, report);
  metrics.pollCompleted(tenant, { ok: report.ok, durationMs: report.durationMs, at: new Date(now()) });
  return report;
}

async function startingCheckpoint(options: PollCycleOptions, nowMs: number): Promise<string> {
  const from = startInstant(options.startFrom, nowMs);
  if (from) return syntheticCheckpoint(from);
  // START_FROM=now: history is not alerted on. An empty tenant starts at the
  // current time so its first events are not missed.
  return (await options.source.newestLogId()) ?? syntheticCheckpoint(new Date(nowMs));
}

async function recordOutcome(store: CheckpointStore, report: CycleReport, logger: Logger): Promise<void> {
  try {
    await store.recordOutcome(report.ok ? { ok: true } : { ok: false, error: report.error?.message });
  } catch (error) {
    logger.error({ tenant: report.tenant, error: asCodedError(error).message }, 'could not record the poll outcome');
  }
}

function logCycle(logger: Logger, report: CycleReport): void {
  const { error, ...fields } = report;
  if (error) {
    logger.error(
      { ...fields, errorCode: error.code, error: error.message },
      `poll cycle failed; checkpoint stays at ${report.checkpoint ?? 'none'}`,
    );
  } else {
    // The message stays the same (people and tests wait for it); a dry run's fields say nothing was queued.
    logger.info(fields.wouldQueue === undefined ? fields : { ...fields, dryRun: true }, 'poll cycle done');
  }
}

