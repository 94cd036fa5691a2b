import type { SlackApiError } from '../errors.js';
import { formatParentUpdate, type FormatContext } from './format.js';
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
  /** Rows still pending afterwards. */
  pending: number;
  /** Sending is paused: Slack rejected the bot token (rows stay pending). */
  paused: boolean;
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

interface DrainRun {
  options: SenderOptions & { poster: SlackPoster };
  report: DrainReport;
  deadlineAt: number;
  signal: AbortSignal | undefined;
  /** Set when the token is rejected: every channel stops at once. */
  halted: boolean;
}

/**
 * The durable sender: select → collapse → prepare (format) → send-with-retry →
 * record, per channel; channels run side by side so one slow or broken
 * channel never holds up another.
 */
export function createSender(input: SenderInput): Sender {
  const options = normalizeSenderOptions(input);
  const { store, logger, clock } = options;
  const nextCallAt = new Map<string, number>();
  const blockedUntil = new Map<string, number>();
  const toldOnce = new Set<string>();
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
      actions: options.interactive,
      catalog: options.catalog,
      defaultChannel: options.defaultChannel || channel,
      dashboard: options.dashboardFor(tenant),
      onWarning: (warning) => logger.warn({ channel }, `Slack message shortened: ${warning}`),
    };
  }

  async function paced<T>(run: DrainRun, channel: string, method: string, call: () => Promise<T>, attempts = options.maxAttempts): Promise<SendOutcome<T> | undefined> {
    const wait = (nextCallAt.get(channel) ?? 0) - clock.now();
    if (clock.now() + Math.max(0, wait) > run.deadlineAt) return undefined;
    if (wait > 0) await clock.sleep(wait, run.signal);
    if (run.signal?.aborted || run.halted) return undefined;
    const outcome = await sendWithRetry(
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
        onRetry: (error, waitMs) => logger.warn({ channel, method, waitMs, reason: error.details.reason }, error.message),
      },
    );
    return outcome;
  }

  async function updateParent(run: DrainRun, delivery: Delivery, channel: string): Promise<void> {
    const thread = delivery.thread!;
    const parent = await store.incidentAlert(delivery.item.rows[0]!.incident);
    if (!parent || parent.sharedTs || parent.messageTs !== thread.parentTs) return;
    const lastDate = delivery.item.rows.map((row) => row.alert.lastDate).sort().at(-1)!;
    const context = { ...formatContext(delivery.item.rows[0]!.tenant, channel), controls: parent.controls };
    const body = formatParentUpdate(parent.alert, { count: thread.total, lastDate }, thread.parentTs, context);
    body.channel = thread.parentChannel;
    // Cosmetic: the reply carries the events; a failed update is logged, never retried forever.
    const outcome = await paced(run, channel, 'chat.update', () => options.poster.update(body), 2);
    if (outcome?.ok) run.report.updates += 1;
    else if (outcome && failureScope(outcome.error) === 'all') await pauseForToken(run, outcome.error);
    else if (outcome) logger.warn({ channel, slackError: outcome.error.details.apiError }, `could not update the incident's message: ${outcome.error.message}`);
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
    await store.markFailed(ids, error.message);
    run.report.failed += ids.length;
    if (scope === 'channel') {
      run.report.failed += await store.failChannel(channel, error.message);
      tellOnce(`${channel}:${error.details.apiError}`, error, { channel });
      return false;
    }
    tellOnce(`${channel}:${error.details.apiError}:${delivery.item.rows[0]!.ruleId}`, error, { channel, rule: delivery.item.rows[0]!.ruleId });
    return true;
  }

  async function drainChannel(run: DrainRun, channel: string): Promise<void> {
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
        await recordDelivery(store, delivery, outcome.value, new Date(clock.now()));
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
    if (clock.now() < pausedUntil) {
      return { posted: 0, replies: 0, digests: 0, updates: 0, failed: 0, pending: await store.countPending(), paused: true };
    }
    if (clock.now() - lastRequeueAt >= options.failedCooldownMs) {
      lastRequeueAt = clock.now();
      const requeued = await store.requeueFailed();
      if (requeued > 0) logger.info({ requeued }, 'retrying outbox rows that failed earlier (the configuration may have been fixed)');
    }
    const run: DrainRun = {
      options,
      report: { posted: 0, replies: 0, digests: 0, updates: 0, failed: 0, pending: 0, paused: false },
      deadlineAt: clock.now() + deadlineMs,
      signal,
      halted: false,
    };
    await Promise.all((await store.pendingChannels()).map(({ channel }) => drainChannel(run, channel)));
    run.report.pending = await store.countPending();
    run.report.paused = clock.now() < pausedUntil;
    const { report } = run;
    if (report.posted + report.replies + report.digests + report.failed > 0) logger.info({ ...report }, 'outbox drained');
    return report;
  }

  function drainOnce(request: { deadlineMs?: number } = {}): Promise<DrainReport> {
    // One drain at a time: two would post the same rows.
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
          const idle = paused > 0 ? paused : report && report.pending > 0 ? options.minIntervalMs : options.idleMs;
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
    },
    notify() {
      waker?.abort();
    },
  };
}
