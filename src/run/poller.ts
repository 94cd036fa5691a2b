import { compareLogIds, parseLogEvent, type LogEvent } from '../auth0/log-event.js';
import { logIdTime, syntheticCheckpoint } from '../auth0/checkpoint.js';
import { LOGS_PATH } from '../auth0/client.js';
import type { LogSource } from '../auth0/log-source.js';
import { ShutdownError } from '../auth0/retry.js';
import { startInstant, type StartFrom } from '../config/start-from.js';
import { Auth0ApiError, asCodedError, type CodedError } from '../errors.js';
import type { Logger } from '../log.js';
import type { CheckpointStore } from './checkpoint-store.js';
import type { PageEvaluator } from './evaluator.js';
import type { Alert } from '../engine/alert.js';
import type { Profile } from '../engine/profiles.js';

export interface PollCycleOptions {
  tenant: string;
  source: LogSource;
  store: CheckpointStore;
  evaluator: PageEvaluator;
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

/**
 * Auth0 keeps logs 1 to 30 days depending on the plan (reference-facts §1.3): a
 * checkpoint younger than the shortest retention cannot have lost anything, so
 * only older ones cost the extra request.
 */
export const LOG_GAP_CHECK_AGE_MS = 20 * 60 * 60 * 1000;

/**
 * A gap is told when Auth0's oldest kept log is at least this much later than
 * what the bot knows was read (the checkpoint, or its last successful poll —
 * events up to then were seen). Shorter stretches are ordinary quiet time of a
 * tenant; a dropped stretch is a day or more (retention is counted in days).
 */
export const LOG_GAP_MIN_MS = 6 * 60 * 60 * 1000;

/** Events between `from` and `to` may be lost: Auth0 no longer keeps what came before `to`. */
export interface LogGap {
  from: string;
  to: string;
}

export const POLL_DEFAULTS = {
  maxPages: 50,
  /**
   * One transaction per page cost most of a catch-up: the whole rule state
   * (~190 kB after a 200k backlog) rewritten and fsynced 2,000 times. Committing
   * up to 10 pages (1,000 events) at once keeps "the checkpoint moves only with
   * its alerts and rule state" and "nothing evaluated twice" (a crash before the
   * commit re-reads those pages from the old checkpoint with the old state), and
   * delays an alert during a backlog by at most ~1 s. A live tenant's cycle is
   * usually one short page, committed at once.
   */
  commitEvery: { pages: 10, ms: 1_000 },
} as const;

export interface CycleReport {
  tenant: string;
  ok: boolean;
  pages: number;
  eventsFetched: number;
  malformed: number;
  alertsQueued: number;
  /** Checkpoint after the cycle (the last committed page). */
  checkpoint: string | null;
  caughtUp: boolean;
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
    alertsQueued: 0,
    checkpoint: null,
    caughtUp: false,
    durationMs: 0,
    rateLimitWaits: 0,
    rateLimitWaitMs: 0,
    retries: 0,
  };

  let interrupted = false;
  const batch = new PageBatch(store, evaluator, options.commitEvery ?? POLL_DEFAULTS.commitEvery, now, report);
  try {
    let { checkpoint, ruleState, ruleStateDamaged, lastSuccessAt } = await store.load();
    let state = checkpoint === null || ruleStateDamaged ? evaluator.initialState() : evaluator.restore(ruleState);
    if (ruleStateDamaged) {
      logger.error(
        { tenant, checkpoint },
        'stored rule state is not valid JSON; continuing from the checkpoint with empty windows and throttles (open incidents may alert again)',
      );
    }
    if (checkpoint === null) {
      checkpoint = await startingCheckpoint(options, now());
      // Log ids carry their time: `status` can show the starting position's age before any event.
      const checkpointDate = logIdTime(checkpoint)?.toISOString() ?? null;
      await store.commit({ after: null, checkpoint, checkpointDate, ruleState: state, alerts: [] });
      logger.info({ tenant, checkpoint, startFrom: options.startFrom.kind }, 'no checkpoint yet; starting position stored');
    }
    report.checkpoint = checkpoint;
    batch.after = checkpoint;
    // Resolved in Slack: closed before this cycle's events, marked applied with its first commit.
    const resolved = evaluator.closeIncidents ? ((await store.pendingResolutions?.()) ?? []) : [];
    if (resolved.length > 0) {
      state = evaluator.closeIncidents!(state, resolved);
      batch.resolved = resolved;
    }
    if (options.checkLogGap) await checkLogGap(options, checkpoint, lastSuccessAt ?? null, now(), report);

    while (report.pages < maxPages && !options.shouldStop?.()) {
      const raw = await source.fetchPage(checkpoint);
      report.pages += 1;
      report.eventsFetched += raw.length;
      const page = preparePage(raw, checkpoint, tenant, logger);
      report.malformed += page.malformed;
      if (page.nextCheckpoint === null) {
        if (page.withoutLogId > 0) throw stuckAt(checkpoint, page.withoutLogId);
        report.caughtUp = true;
        break;
      }
      const profiles = await batch.profilesFor(evaluator.profileKeys?.(page.events) ?? []);
      const result = evaluator.evaluate(state, page.events, profiles);
      reportSkipped(result.skipped, report, tenant, logger);
      state = result.state;
      checkpoint = page.nextCheckpoint;
      batch.add(result.alerts, checkpoint, page.checkpointDate, state, result.profiles ?? new Map());
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
  report.durationMs = now() - startedAt;
  if (interrupted) {
    // A wait cut short by SIGTERM is not a failed poll: /healthz after a restart must not read it as one.
    logger.info(report, `poll cycle stopped by shutdown; checkpoint stays at ${report.checkpoint ?? 'none'}`);
    return report;
  }
  await recordOutcome(store, report, logger);
  logCycle(logger, report);
  return report;
}

async function checkLogGap(options: PollCycleOptions, checkpoint: string, lastSuccessAt: string | null, nowMs: number, report: CycleReport): Promise<void> {
  const at = logIdTime(checkpoint);
  if (!at || nowMs - at.getTime() < LOG_GAP_CHECK_AGE_MS || !options.source.oldestLogDate) return;
  report.logGapChecked = true;
  let oldest: Date | null;
  try {
    oldest = await options.source.oldestLogDate();
  } catch (error) {
    // The page fetch that follows says what is wrong with Auth0; the check is tried again later.
    options.logger.warn({ tenant: options.tenant, error: asCodedError(error).message }, 'could not ask Auth0 for its oldest kept log (log gap check)');
    return;
  }
  // Up to the last successful poll every event after the checkpoint was read (there were none).
  const readUntil = Math.max(at.getTime(), lastSuccessAt ? Date.parse(lastSuccessAt) || 0 : 0);
  if (oldest && oldest.getTime() - readUntil >= LOG_GAP_MIN_MS) {
    report.logGap = { from: new Date(readUntil).toISOString(), to: oldest.toISOString() };
    options.logger.error(
      { tenant: options.tenant, from: report.logGap.from, to: report.logGap.to },
      `log gap: the checkpoint is at ${report.logGap.from} but Auth0 keeps logs only since ${report.logGap.to}; events in between were dropped by Auth0's retention before the bot read them`,
    );
  }
}

async function startingCheckpoint(options: PollCycleOptions, nowMs: number): Promise<string> {
  const from = startInstant(options.startFrom, nowMs);
  if (from) return syntheticCheckpoint(from);
  // START_FROM=now: history is not alerted on. An empty tenant starts at the
  // current time so its first events are not missed.
  return (await options.source.newestLogId()) ?? syntheticCheckpoint(new Date(nowMs));
}

interface PreparedPage {
  events: LogEvent[];
  malformed: number;
  /** Items with no usable log_id: the checkpoint cannot be moved past them. */
  withoutLogId: number;
  /** Highest log id in the page beyond the checkpoint; null when the page holds nothing new. */
  nextCheckpoint: string | null;
  checkpointDate: string | null;
}

/** Validates a page: malformed events are skipped with a warning but still move the checkpoint past them. */
export function preparePage(raw: readonly unknown[], checkpoint: string, tenant: string, logger: Logger): PreparedPage {
  const events: LogEvent[] = [];
  let malformed = 0;
  let withoutLogId = 0;
  let nextCheckpoint: string | null = null;
  let checkpointDate: string | null = null;
  raw.forEach((item, index) => {
    const logId = (item as { log_id?: unknown } | null)?.log_id;
    const id = typeof logId === 'string' && logId.length > 0 ? logId : undefined;
    if (id === undefined) withoutLogId += 1;
    else if (compareLogIds(id, checkpoint) <= 0) return; // already processed
    const parsed = parseLogEvent(item);
    if (id !== undefined && (nextCheckpoint === null || compareLogIds(id, nextCheckpoint) > 0)) {
      nextCheckpoint = id;
      checkpointDate = parsed.ok ? parsed.event.date : null;
    }
    if (parsed.ok) {
      events.push(parsed.event);
    } else {
      malformed += 1;
      logger.warn(
        { tenant, logId: id ? id.slice(0, 80) : undefined, index, problem: parsed.problem.slice(0, 300) },
        `skipping malformed log event ${id ? `log_id ${id.slice(0, 80)}` : `at index ${index} of the page`}`,
      );
    }
  });
  return { events, malformed, withoutLogId, nextCheckpoint, checkpointDate };
}

/** Events the engine could not evaluate: named in a warning and counted as malformed, never a failed cycle. */
function reportSkipped(skipped: ReadonlyArray<{ logId: string; problem: string }> | undefined, report: CycleReport, tenant: string, logger: Logger): void {
  for (const { logId, problem } of skipped ?? []) {
    report.malformed += 1;
    logger.warn({ tenant, logId: logId.slice(0, 80), problem: problem.slice(0, 300) }, `skipping log event ${logId.slice(0, 80)}: evaluating it failed`);
  }
}

/**
 * A page of nothing but id-less items would otherwise look like "caught up"
 * and stall the tenant silently; failing the cycle shows it in status and /healthz.
 */
function stuckAt(checkpoint: string, count: number): Auth0ApiError {
  return new Auth0ApiError(
    `Auth0 GET ${LOGS_PATH} returned ${count} item(s) after checkpoint ${checkpoint} without a log_id, so the checkpoint cannot move past them; will retry next cycle (if it persists, report it to Auth0 support)`,
    { method: 'GET', path: LOGS_PATH, status: 200, reason: 'server', retryable: false },
  );
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
    logger.info(fields, 'poll cycle done');
  }
}

/**
 * Evaluated pages not yet stored: their alerts, the profiles they changed, and
 * the position and rule state after the last of them. `commit` stores all of
 * it in one transaction.
 */
class PageBatch {
  /** The stored checkpoint the pending pages were read after. */
  after: string | null = null;
  /** Resolutions applied to the state being committed. */
  resolved: string[] = [];
  #alerts: Alert[] = [];
  /** Profiles changed by the pending pages: what the next page reads before the store. */
  #profiles = new Map<string, Profile>();
  #pages = 0;
  #firstAt = 0;
  #last: { checkpoint: string; checkpointDate: string | null; state: unknown } | undefined;

  constructor(
    private readonly store: CheckpointStore,
    private readonly evaluator: PageEvaluator,
    private readonly every: { pages: number; ms: number },
    private readonly now: () => number,
    private readonly report: CycleReport,
  ) {}

  /** The profiles a page needs: the pending pages' changes first, the rest from the store. */
  async profilesFor(keys: readonly string[]): Promise<ReadonlyMap<string, Profile>> {
    if (keys.length === 0) return new Map();
    const profiles = await this.store.loadProfiles(keys.filter((key) => !this.#profiles.has(key)));
    for (const key of keys) {
      const pending = this.#profiles.get(key);
      if (pending) profiles.set(key, pending);
    }
    return profiles;
  }

  add(alerts: readonly Alert[], checkpoint: string, checkpointDate: string | null, state: unknown, profiles: ReadonlyMap<string, Profile>): void {
    if (this.#pages === 0) this.#firstAt = this.now();
    this.#pages += 1;
    this.#alerts.push(...alerts);
    for (const [key, profile] of profiles) this.#profiles.set(key, profile);
    // A page of only already-seen or malformed events keeps the previous event date.
    const date = checkpointDate ?? this.#last?.checkpointDate ?? null;
    this.#last = { checkpoint, checkpointDate: date, state };
  }

  due(): boolean {
    return this.#pages >= this.every.pages || this.now() - this.#firstAt >= this.every.ms;
  }

  async commit(): Promise<void> {
    const last = this.#last;
    if (!last) return;
    const alerts = this.#alerts;
    const profiles = this.#profiles;
    // Cleared first: a commit that throws is not attempted again by the error path.
    this.#last = undefined;
    this.#alerts = [];
    this.#profiles = new Map();
    this.#pages = 0;
    await this.store.commit({
      after: this.after,
      checkpoint: last.checkpoint,
      checkpointDate: last.checkpointDate,
      ruleState: last.state,
      ruleStateJson: this.evaluator.serialize?.(last.state),
      alerts,
      ...(this.resolved.length > 0 ? { resolutionsApplied: this.resolved } : {}),
      ...(profiles.size > 0 ? { profiles } : {}),
    });
    this.resolved = [];
    this.after = last.checkpoint;
    this.report.checkpoint = last.checkpoint;
    this.report.alertsQueued += alerts.length;
  }
}

async function commitAfterFailure(batch: PageBatch, logger: Logger, tenant: string): Promise<{ ok: true } | { ok: false; error: CodedError }> {
  try {
    await batch.commit();
    return { ok: true };
  } catch (error) {
    const coded = asCodedError(error);
    logger.error({ tenant, errorCode: coded.code, error: coded.message }, 'could not store the pages evaluated before the failure');
    return { ok: false, error: coded };
  }
}
