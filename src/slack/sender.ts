import { asCodedError, type SlackApiError } from '../errors.js';
import type { Problem } from '../state/store.js';
import { formatParentUpdate, type FormatContext } from './format.js';
import { LeaseLostError, channelLeases } from './sender-lease.js';
import { postNotices, watchBacklog } from './sender-notices.js';
import { normalizeSenderOptions, type SenderInput, type SenderOptions } from './sender-options.js';
import type { SlackPoster } from './poster.js';
import { retryDelayMs } from './retry-timing.js';
import { failureScope } from './slack-errors.js';
import { collapse } from './stages/collapse.js';
import { prepare, type Delivery } from './stages/prepare.js';
import { recordDelivery } from './stages/record.js';
import { sendWithRetry, type SendOutcome } from './stages/send.js';

export type { SenderInput } from './sender-options.js';

/** What one drain did; also logged. */
export interface DrainReport {
  /** Channel messages (alerts, standalone repeats). */
  posted: number;
  /** Thread replies carrying repeats. */
  replies: number;
  digests: number;
  /** chat.update calls on parents. */
  updates: number;
  /** Rows marked failed in this drain. */
  failed: number;
  /** Failed rows that became dead in this drain (too many attempts, or too old). */
  dead: number;
  /** Rows still pending afterwards. */
  pending: number;
  /** Sending is paused: Slack rejected the bot token (rows stay pending). */
  paused: boolean;
  /** Channels another process was delivering: skipped, never posted twice. */
  busy: string[];
  /** Messages Slack accepted whose recording failed: their channel waits until it is recorded (never re-posted). */
  unrecorded: number;
  /** Notices about the bot itself (and their "resolved" replies) posted. */
  notices: number;
}

export interface Sender {
  /** Drains the outbox once, within `deadlineMs` (a time budget; default 30 s). Never throws for Slack errors. */
  drainOnce(options?: { deadlineMs?: number }): Promise<DrainReport>;
  /** Starts the long-running loop (idempotent). */
  start(): void;
  /** Stops the loop, interrupting waits; resolves when the current step has finished. */
  stop(): Promise<void>;
  /** Wakes the loop now (e.g. after the poller queued alerts). */
  notify(): void;
}

export interface DrainRun {
  options: SenderOptions & { poster: SlackPoster };
  report: DrainReport;
  deadlineAt: number;
  signal: AbortSignal | undefined;
  /** Set when the token is rejected: every channel stops at once. */
  halted: boolean;
  /** Problems open at the start of the drain (dead channels, backlog). */
  problems: Map<string, Problem>;
}

/** Slack errors saying the thread parent is gone (deleted in Slack). */
const THREAD_GONE = new Set(['thread_not_found', 'message_not_found']);

/**
 * The durable sender: select → collapse → prepare (format) → send-with-retry →
 * record, per channel; channels run side by side so one slow or broken
 * channel never holds up another.
 *
 * One writer per channel: a channel's rows are read and posted only under
 * its lease in the state store (renewed before every Slack call), so a second
 * process on the same state — `run --once` from cron beside the daemon, or
 * another replica — skips the channel instead of posting the same rows.
 *
 * After Slack said ok, a message is never posted again: when recording it
 * fails, the posted ts is kept in memory, the channel stops, and only the
 * recording is retried (also at stop()).
 */
export function createSender(input: SenderInput): Sender {
  const options = normalizeSenderOptions(input);
  const { store, logger, clock } = options;
  const nextCallAt = new Map<string, number>();
  const blockedUntil = new Map<string, number>();
  const toldOnce = new Set<string>();
  /** Posted but not recorded yet, per channel: retried before anything else is posted there. */
  const unrecorded = new Map<string, { delivery: Delivery; posted: { ts: string | null; channel: string }; at: Date }>();
  const leases = channelLeases(options, logger);
  let lastRequeueAt = Number.NEGATIVE_INFINITY;
  /** Slack rejected the token: no call before this time (epoch ms). */
  let pausedUntil = Number.NEGATIVE_INFINITY;
  let tokenRejected = false;
  let chain: Promise<unknown> = Promise.resolve();
  let loop: Promise<void> | undefined;
  let stopper: AbortController | undefined;
  let waker: AbortController | undefined;

  function tellOnce(key: string, error: SlackApiError, extra: Record<string, unknown>): void {
    if (toldOnce.has(key)) return;
    toldOnce.add(key);
    logger.error({ ...extra, method: error.details.method, slackError: error.details.apiError, status: error.details.status }, error.message);
  }

  /**
   * A rejected token is not the messages' fault: every row stays pending (the
   * reason noted on them for `status`), the whole sender pauses, and the
   * operator is told once — until the token works again.
   */
  async function pauseForToken(run: DrainRun, error: SlackApiError): Promise<void> {
    run.halted = true;
    pausedUntil = clock.now() + options.authPauseMs;
    await store.notePendingError(`${error.message} (kept pending; sending paused)`);
    if (tokenRejected) return;
    tokenRejected = true;
    const minutes = Math.max(1, Math.round(options.authPauseMs / 60_000));
    logger.error(
      { method: error.details.method, slackError: error.details.apiError, pauseMs: options.authPauseMs },
      `Slack rejected SLACK_BOT_TOKEN (${error.details.apiError ?? error.details.reason}): no alert can be posted — reinstall the app to the workspace, ` +
        `or check the token in SLACK_BOT_TOKEN (the app's Bot User OAuth Token). Alerts stay queued, none is marked failed; trying again every ${minutes} min`,
    );
  }

  function tokenAccepted(): void {
    if (!tokenRejected) return;
    tokenRejected = false;
    logger.info('SLACK_BOT_TOKEN works again; sending the queued alerts');
  }

  function formatContext(tenant: string, channel: string): FormatContext {
    return {
      catalog: options.catalog,
      defaultChannel: options.defaultChannel || channel,
      dashboard: options.dashboardFor(tenant),
      tenant,
      onWarning: (warning) => logger.warn({ channel }, `Slack message shortened: ${warning}`),
    };
  }

  /**
   * One Slack call to `channel`, paced (about one per second per channel) and
   * retried; before every attempt the channel's lease is renewed — a lease
   * taken over by another process ends the call (undefined: stop the channel).
   */
  async function paced<T>(run: DrainRun, channel: string, method: string, call: () => Promise<T>, attempts = options.maxAttempts): Promise<SendOutcome<T> | undefined> {
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
  }

  async function updateParent(run: DrainRun, delivery: Delivery, channel: string): Promise<void> {
    const thread = delivery.thread!;
    const incident = delivery.item.rows[0]!.incident;
    const parent = await store.incidentAlert(incident);
    if (!parent || parent.sharedTs || parent.messageTs !== thread.parentTs) return;
    const lastDate = delivery.item.rows.map((row) => row.alert.lastDate).sort().at(-1)!;
    const body = formatParentUpdate(parent.alert, { count: thread.total, lastDate }, thread.parentTs, formatContext(delivery.item.rows[0]!.tenant, channel));
    body.channel = thread.parentChannel;
    // Cosmetic: the reply carries the events; a failed update is logged, never retried forever.
    const outcome = await paced(run, channel, 'chat.update', () => options.poster.update(body), 2);
    if (outcome?.ok) run.report.updates += 1;
    else if (outcome && failureScope(outcome.error) === 'all') await pauseForToken(run, outcome.error);
    else if (outcome && THREAD_GONE.has(outcome.error.details.apiError ?? '')) {
      await store.clearIncidentThread(incident);
      logger.warn({ channel, incident }, `the incident's message was deleted in Slack; its next repeat starts a new thread`);
    } else if (outcome) logger.warn({ channel, slackError: outcome.error.details.apiError }, `could not update the incident's message: ${outcome.error.message}`);
  }

  /**
   * A thread reply that cannot go where its parent is — the parent was deleted,
   * or the parent's channel is archived / left / gone (the rule's channel
   * changed while the incident was open) — is scoped to that thread: the
   * incident forgets it, and its repeats go out standalone in their own channel
   * (where they start a new thread). The healthy channel never stalls behind it.
   */
  async function threadUnusable(delivery: Delivery, error: SlackApiError): Promise<boolean> {
    if (!delivery.thread) return false;
    const code = error.details.apiError ?? '';
    if (!THREAD_GONE.has(code) && failureScope(error) !== 'channel') return false;
    const incident = delivery.item.rows[0]!.incident;
    await store.clearIncidentThread(incident);
    logger.warn(
      { incident, parentChannel: delivery.thread.parentChannel, slackError: code },
      `cannot reply in the thread of incident ${incident} (${code}); posting its repeats as a new message in ${delivery.item.rows[0]!.channel} instead`,
    );
    return true;
  }

  /** Handles a failed delivery; returns whether the channel may continue. */
  async function onFailure(run: DrainRun, delivery: Delivery, channel: string, outcome: Extract<SendOutcome<unknown>, { ok: false }>): Promise<boolean> {
    const ids = delivery.item.rows.map((row) => row.id);
    const { error } = outcome;
    if (outcome.why === 'deadline' || outcome.why === 'stopped') return false;
    if (outcome.why === 'gave_up') {
      await store.recordAttempt(ids, error.message);
      const pause = retryDelayMs(error, options.maxAttempts, options.backoff) ?? options.backoff.maxMs;
      blockedUntil.set(channel, clock.now() + pause);
      logger.warn({ channel, pauseMs: pause }, `${error.message}; the messages stay queued`);
      return false;
    }
    const scope = failureScope(error);
    if (scope === 'all') {
      await pauseForToken(run, error);
      return false;
    }
    if (await threadUnusable(delivery, error)) return true;
    await store.markFailed(ids, error.message);
    run.report.failed += ids.length;
    if (scope === 'channel') {
      const held = await store.failChannel(channel, error.message);
      run.report.failed += held;
      tellOnce(`${channel}:${error.details.apiError}`, error, { channel });
      await store.openProblem(
        {
          key: `dead_channel:${channel}`,
          kind: 'dead_channel',
          summary: `alerts for ${channel} are held (${ids.length + held} so far, see \`auth0-log-alerts status\`): ${error.message}`,
        },
        new Date(clock.now()),
      );
      return false;
    }
    tellOnce(`${channel}:${error.details.apiError}:${delivery.item.rows[0]!.ruleId}`, error, { channel, rule: delivery.item.rows[0]!.ruleId });
    return true;
  }

  /** Records what Slack accepted; on failure keeps it in memory and stops the channel (never re-posted). */
  async function record(run: DrainRun, channel: string, delivery: Delivery, posted: { ts: string | null; channel: string }, at: Date): Promise<boolean> {
    try {
      await recordDelivery(store, delivery, posted, at);
    } catch (error) {
      unrecorded.set(channel, { delivery, posted, at });
      run.report.unrecorded += 1;
      logger.error(
        { channel, ts: posted.ts, error: asCodedError(error).message },
        `Slack accepted the message (ts ${posted.ts ?? 'none'}) but recording it failed; ${channel} waits until the recording succeeds — the message is not posted again`,
      );
      return false;
    }
    if (posted.ts === null) logger.warn({ channel }, 'Slack answered ok without a message ts: recorded as delivered (nothing can thread under it)');
    const deadKey = `dead_channel:${channel}`;
    if (run.problems.has(deadKey)) {
      run.problems.delete(deadKey);
      await store.resolveProblem(deadKey, at);
      logger.info({ channel }, `${channel} takes messages again`);
    }
    return true;
  }

  /** Retries the recording of a message Slack already accepted; false while it still fails. */
  async function flushUnrecorded(run: DrainRun, channel: string): Promise<boolean> {
    const waiting = unrecorded.get(channel);
    if (!waiting) return true;
    try {
      await recordDelivery(store, waiting.delivery, waiting.posted, waiting.at);
    } catch (error) {
      run.report.unrecorded += 1;
      logger.warn({ channel, ts: waiting.posted.ts, error: asCodedError(error).message }, `still cannot record the delivered message in ${channel}; the channel keeps waiting`);
      return false;
    }
    unrecorded.delete(channel);
    logger.info({ channel, ts: waiting.posted.ts }, `recorded the message Slack had accepted in ${channel}; the channel goes on`);
    return true;
  }

  async function drainChannel(run: DrainRun, channel: string): Promise<void> {
    if ((blockedUntil.get(channel) ?? 0) > clock.now() && !unrecorded.has(channel)) return;
    try {
      if (!(await leases.acquire(channel, run))) return;
      try {
        if (await flushUnrecorded(run, channel)) await deliverChannel(run, channel);
      } finally {
        // A delivery Slack accepted but not recorded keeps the channel ours: nobody else may post its rows.
        if (!unrecorded.has(channel)) await leases.release(channel);
      }
    } catch (error) {
      // A state failure (locked, full disk) stops this channel for this drain only; the others go on.
      const coded = asCodedError(error);
      logger.error({ channel, errorCode: coded.code, error: coded.message }, `delivery to ${channel} stopped for this round: ${coded.message}`);
    }
  }

  async function deliverChannel(run: DrainRun, channel: string): Promise<void> {
    for (;;) {
      if ((blockedUntil.get(channel) ?? 0) > clock.now()) return;
      const { rows, unreadable } = await store.pendingRows(channel, options.maxBatchRows);
      for (const bad of unreadable) {
        await store.markFailed([bad.id], bad.problem);
        run.report.failed += 1;
        logger.error({ channel, outboxId: bad.id }, bad.problem);
      }
      if (rows.length === 0) return;
      let progressed = false;
      const threadedIncidents = await store.threadedIncidents(rows.filter((row) => row.kind === 'repeat').map((row) => row.incident));
      const threaded = (incident: string) => threadedIncidents.has(incident);
      for (const item of collapse(rows, { digestAbove: options.digestAbove, threaded })) {
        if (run.halted || run.signal?.aborted || clock.now() >= run.deadlineAt) return;
        const prepared = await prepare(item, store, formatContext(item.rows[0]!.tenant, channel));
        if (!prepared.ready) continue;
        const { delivery } = prepared;
        const outcome = await paced(run, channel, 'chat.postMessage', () => options.poster.postMessage(delivery.message));
        if (!outcome) return;
        if (!outcome.ok) {
          if (!(await onFailure(run, delivery, channel, outcome))) return;
          progressed = true;
          continue;
        }
        if (!(await record(run, channel, delivery, outcome.value, new Date(clock.now())))) return;
        tokenAccepted();
        progressed = true;
        if (item.kind === 'digest') run.report.digests += 1;
        else if (delivery.thread) run.report.replies += 1;
        else run.report.posted += 1;
        if (delivery.thread) await updateParent(run, delivery, channel);
      }
      if (!progressed) return;
    }
  }

  async function drain(deadlineMs: number, signal: AbortSignal | undefined): Promise<DrainReport> {
    const report: DrainReport = { posted: 0, replies: 0, digests: 0, updates: 0, failed: 0, dead: 0, pending: 0, paused: false, busy: [], unrecorded: 0, notices: 0 };
    if (clock.now() < pausedUntil) {
      return { ...report, pending: (await store.pendingStats()).count, paused: true };
    }
    if (clock.now() - lastRequeueAt >= options.failedCooldownMs) {
      lastRequeueAt = clock.now();
      const { requeued, dead } = await store.requeueFailed({
        deadAfterAttempts: options.deadAfterAttempts,
        deadBefore: new Date(clock.now() - options.deadAfterMs),
      });
      report.dead = dead;
      if (dead > 0) {
        logger.error(
          { dead, afterAttempts: options.deadAfterAttempts, afterHours: options.deadAfterMs / 3_600_000 },
          `gave up on ${dead} alert(s) that kept failing: kept as dead (see \`auth0-log-alerts status\`), no longer retried`,
        );
      }
      if (requeued > 0) logger.info({ requeued }, 'retrying outbox rows that failed earlier (the configuration may have been fixed)');
    }
    const problems = new Map((await store.listProblems()).map((problem) => [problem.key, problem]));
    const run: DrainRun = { options, report, deadlineAt: clock.now() + deadlineMs, signal, halted: false, problems };
    const channels = new Set([...(await store.pendingChannels()).map(({ channel }) => channel), ...unrecorded.keys()]);
    // Every channel's work settles before the drain ends (none runs on into the next drain).
    await Promise.allSettled([...channels].map((channel) => drainChannel(run, channel)));
    const stats = await store.pendingStats();
    report.pending = stats.count;
    try {
      await watchBacklog(run, stats, clock.now());
      await postNotices(run, { paced, pauseForToken, leases });
    } catch (error) {
      const coded = asCodedError(error);
      logger.error({ errorCode: coded.code, error: coded.message }, 'could not post the notices about the bot itself this round');
    }
    report.paused = clock.now() < pausedUntil;
    if (report.posted + report.replies + report.digests + report.failed + report.notices + report.unrecorded > 0 || report.busy.length > 0) {
      logger.info({ ...report }, 'outbox drained');
    }
    return report;
  }

  function drainOnce(request: { deadlineMs?: number } = {}): Promise<DrainReport> {
    // One drain at a time in this process: two would post the same rows.
    const next = chain.then(() => drain(request.deadlineMs ?? 30_000, stopper?.signal));
    chain = next.catch(() => undefined);
    return next;
  }

  return {
    drainOnce,
    start() {
      if (loop) return;
      stopper = new AbortController();
      const signal = stopper.signal;
      loop = (async () => {
        while (!signal.aborted) {
          let report: DrainReport | undefined;
          try {
            report = await drainOnce({ deadlineMs: options.loopDrainMs });
          } catch (error) {
            logger.error({ err: error instanceof Error ? error.message : String(error) }, 'outbox drain failed; will retry');
          }
          if (signal.aborted) break;
          waker = new AbortController();
          const paused = pausedUntil - clock.now();
          const idle = paused > 0 ? paused : report && (report.pending > 0 || report.unrecorded > 0) ? options.minIntervalMs : options.idleMs;
          await clock.sleep(idle, AbortSignal.any([signal, waker.signal]));
        }
      })();
    },
    async stop() {
      stopper?.abort();
      await loop;
      await chain;
      loop = undefined;
      stopper = undefined;
      // Last chance for deliveries Slack accepted: recorded now, they are not posted again after a restart.
      for (const [channel, waiting] of unrecorded) {
        try {
          await recordDelivery(store, waiting.delivery, waiting.posted, waiting.at);
          unrecorded.delete(channel);
          await leases.release(channel);
        } catch (error) {
          logger.error(
            { channel, ts: waiting.posted.ts, error: asCodedError(error).message },
            `stopping with a message Slack accepted but not recorded in ${channel}: it may be posted again after the restart`,
          );
        }
      }
    },
    notify() {
      waker?.abort();
    },
  };
}
