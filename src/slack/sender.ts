import { asCodedError, type SlackApiError } from '../errors.js';
import type { FormatContext } from './format.js';
import { alertMessageCount } from './log-id-parts.js';
import { channelLeases } from './sender-lease.js';
import { postNotices, watchBacklog } from './sender-notices.js';
import { createFailureHandler } from './sender-failures.js';
import { normalizeSenderOptions, type SenderInput } from './sender-options.js';
import { createPacer } from './sender-pacing.js';
import { DeliveryRecorder } from './sender-record.js';
import { TokenPause } from './sender-token.js';
import type { DrainReport, DrainRun, Sender } from './sender-types.js';
import { collapse } from './stages/collapse.js';
import { orphanPart, partThreadKey, warnOrphan } from './stages/orphan-part.js';
import { prepare, type Delivery, type PartThreads } from './stages/prepare.js';
import { updateParent } from './stages/update-parent.js';

export type { SenderInput } from './sender-options.js';
export type { DrainReport, DrainRun, Sender } from './sender-types.js';

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
  /** Channels whose retries ran out: no delivery there before this time (epoch ms). */
  const blockedUntil = new Map<string, number>();
  /** Posted but not recorded yet, per channel: retried before anything else is posted there. */
  const recorder = new DeliveryRecorder(store, logger);
  const leases = channelLeases(options, logger);
  const tokens = new TokenPause(options);
  const pauseForToken = (run: DrainRun, error: SlackApiError) => tokens.pause(run, error);
  const paced = createPacer(options, leases, logger);
  const onFailure = createFailureHandler(options, { blockedUntil, pauseForToken });
  let lastRequeueAt = Number.NEGATIVE_INFINITY;
  let chain: Promise<unknown> = Promise.resolve();
  let loop: Promise<void> | undefined;
  let stopper: AbortController | undefined;
  let waker: AbortController | undefined;

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
      const partThreads: PartThreads = new Map();
      /** Rows of alerts posted as several messages whose part failed in this round: their later parts wait (never out of order). */
      const cutOff = new Set<number>();
      for (const item of collapse(rows, { digestAbove: options.digestAbove, threaded })) {
        if (run.halted || run.signal?.aborted || clock.now() >= run.deadlineAt) return;
        // An alert and the replies listing its other log ids go out together when time allows: with
        // too little left for all of them it waits for the next drain, which starts with the whole
        // budget. (A cut between them loses nothing — each part is recorded — but splits the thread in time.)
        if (item.kind === 'alert' && clock.now() + alertMessageCount(item.rows[0].alert) * options.minIntervalMs > run.deadlineAt) return;
        if (item.kind === 'overflow' && cutOff.has(item.rows[0].id)) continue;
        const context = formatContext(item.rows[0]!.tenant, channel);
        const prepared = await prepare(item, store, context, partThreads);
        if (!prepared.ready) continue;
        let { delivery } = prepared;
        let outcome = await paced(run, channel, 'chat.postMessage', () => options.poster.postMessage(delivery.message));
        if (!outcome) return;
        // A later part whose thread parent was deleted in Slack goes out on its own; the parts after it follow in its thread.
        const orphan = outcome.ok ? undefined : orphanPart(delivery, outcome.error, context);
        if (orphan && !outcome.ok) {
          warnOrphan(logger, orphan, outcome.error);
          delivery = orphan;
          outcome = await paced(run, channel, 'chat.postMessage', () => options.poster.postMessage(orphan.message));
          if (!outcome) return;
        }
        if (!outcome.ok) {
          if (item.kind === 'alert' || item.kind === 'overflow') cutOff.add(item.rows[0].id);
          if (!(await onFailure(run, delivery, channel, outcome))) return;
          progressed = true;
          continue;
        }
        if (!(await record(run, channel, delivery, outcome.value, new Date(clock.now())))) return;
        tokens.accepted();
        progressed = true;
        if (orphan) {
          run.report.posted += 1;
          partThreads.set(partThreadKey(orphan)!, outcome.value.ts);
        } else if (item.kind === 'digest' && !(item.part && item.part.index > 1)) {
          run.report.digests += 1;
          partThreads.set(item.digestId, outcome.value.ts);
        } else if (item.kind === 'alert') {
          run.report.posted += 1;
          // Replies listing its other log ids (an alert of more than 100 events) follow in its thread.
          partThreads.set(item.rows[0].incident, outcome.value.ts);
        } else if (delivery.thread || delivery.message.thread_ts) run.report.replies += 1;
        else run.report.posted += 1;
        // Several replies for one incident: the parent shows the total once, after the last of them.
        const part = item.kind === 'repeats' ? item.part : undefined;
        const lastPart = !part || part.index === part.of;
        if (delivery.thread && lastPart) await updateParent(run, delivery, channel, { paced, pauseForToken, formatContext });
      }
      if (!progressed) return;
    }
  }

  async function drain(deadlineMs: number, signal: AbortSignal | undefined): Promise<DrainReport> {
    const report: DrainReport = { posted: 0, replies: 0, digests: 0, updates: 0, failed: 0, dead: 0, pending: 0, paused: false, busy: [], unrecorded: 0, notices: 0 };
    if (tokens.isPaused()) {
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
    report.paused = tokens.isPaused();
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
          const paused = tokens.remainingMs();
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
