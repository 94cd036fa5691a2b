import { asCodedError, type SlackApiError } from '../errors.js';
import { formatParentUpdate, type FormatContext } from './format.js';
import { LeaseLostError, channelLeases } from './sender-lease.js';
import { postNotices, watchBacklog } from './sender-notices.js';
import { DeliveryRecorder } from './sender-record.js';
import { normalizeSenderOptions, type SenderInput } from './sender-options.js';
import type { DrainReport, DrainRun, Sender } from './sender-types.js';
import { retryDelayMs } from './retry-timing.js';
import { failureScope } from './slack-errors.js';
import { collapse } from './stages/collapse.js';
import { prepare, type Delivery } from './stages/prepare.js';
import { sendWithRetry, type SendOutcome } from './stages/send.js';

export type { SenderInput } from './sender-options.js';
export type { DrainReport, DrainRun, Sender } from './sender-types.js';

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
  const recorder = new DeliveryRecorder(store, logger);
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
      actions: options.interactive(),
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
    const context = { ...formatContext(delivery.item.rows[0]!.tenant, channel), controls: parent.controls };
    const body = formatParentUpdate(parent.alert, { count: thread.total, lastDate }, thread.parentTs, context);
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

  /** Records what Slack accepted (on failure the channel stops: see DeliveryRecorder); a dead channel that took it is resolved. */
  async function record(run: DrainRun, channel: string, delivery: Delivery, posted: { ts: string | null; channel: string }, at: Date): Promise<boolean> {
    if (!(await recorder.record(channel, delivery, posted, at))) {
      run.report.unrecorded += 1;
      return false;
    }
    const deadKey = `dead_channel:${channel}`;
    if (run.problems.has(deadKey)) {
      run.problems.delete(deadKey);
      await store.resolveProblem(deadKey, at);
      logger.info({ channel }, `${channel} takes messages again`);
    }
    return true;
  }

  async function drainChannel(run: DrainRun, channel: string): Promise<void> {
    if ((blockedUntil.get(channel) ?? 0) > clock.now() && !recorder.waits(channel)) return;
    try {
      if (!(await leases.acquire(channel, run))) return;
      try {
        if (await recorder.flush(channel)) await deliverChannel(run, channel);
        else run.report.unrecorded += 1;
      } finally {
        // A delivery Slack accepted but not recorded keeps the channel ours: nobody else may post its rows.
        if (!recorder.waits(channel)) await leases.release(channel);
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
        // Several replies for one incident: the parent shows the total once, after the last of them.
        const part = item.kind === 'repeats' ? item.part : undefined;
        const lastPart = !part || part.index === part.of;
        if (delivery.thread && lastPart) await updateParent(run, delivery, channel);
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
    const channels = new Set([...(await store.pendingChannels()).map(({ channel }) => channel), ...recorder.channels()]);
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
      for (const channel of recorder.channels()) {
        if (await recorder.flush(channel, true)) await leases.release(channel).catch(() => undefined);
      }
    },
    notify() {
      waker?.abort();
    },
  };
}
