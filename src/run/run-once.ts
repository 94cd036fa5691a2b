import type { Logger } from '../log.js';
import type { StateStore } from '../state/store.js';
import { RUN_DEFAULTS, type AlertSender, type DrainSummary, type PollingFor, type Retention } from './bot-types.js';
import type { WatchedReport } from './tenant-watch.js';

/** `run --once`: each tenant of this process polled once, the outbox drained within a time bound; the exit code. */
export async function runOnce(
  pollingFor: PollingFor,
  sender: AlertSender | undefined,
  store: StateStore,
  logger: Logger,
  retention: Retention | undefined,
): Promise<number> {
  // This process's share of the tenants (all of them, unless other replicas run), each polled once.
  const reports: WatchedReport[] = [];
  await pollingFor((report) => reports.push(report)).runOnce();
  const stop = reports.find((report) => report.stop);
  if (stop) throw stop.error!;
  // From cron, the exit code is the only signal: alerts that stayed undelivered or failed are a failed run.
  const drained = sender ? await sender.drainOnce({ deadlineMs: RUN_DEFAULTS.onceDrainMs }) : undefined;
  const undelivered = drained ? await reportUndelivered(drained, store, logger) : false;
  await retention?.maybeRun();
  return reports.every((r) => r.ok) && !undelivered ? 0 : 1;
}

/**
 * After `run --once`'s drain: says how many alerts stayed undelivered or failed,
 * where and why; true when any did. Channels another process is delivering are
 * its business (said, not counted).
 */
async function reportUndelivered(drained: DrainSummary, store: StateStore, logger: Logger): Promise<boolean> {
  if (drained.paused === true) {
    logger.error('alerts stay queued: Slack rejected SLACK_BOT_TOKEN (see the error above); exit 1');
    return true;
  }
  const busy = new Set(drained.busy ?? []);
  if (busy.size > 0) logger.warn({ channels: [...busy] }, `left to the other auth0-log-alerts process delivering to ${[...busy].join(', ')}`);
  const stuck = (await store.outboxSummary()).filter((c) => !busy.has(c.channel) && (c.pending > 0 || c.failed > 0));
  const failedNow = (drained.failed ?? 0) + (drained.dead ?? 0) + (drained.unrecorded ?? 0);
  if (stuck.length === 0 && failedNow === 0) return false;
  for (const channel of stuck) {
    const why = channel.failed > 0 ? channel.lastError : channel.pendingError;
    logger.error(
      { channel: channel.channel, pending: channel.pending, failed: channel.failed },
      `${channel.channel}: ${channel.pending} alert(s) still pending, ${channel.failed} failed${why ? ` — ${why}` : ''}`,
    );
  }
  const pending = stuck.reduce((n, c) => n + c.pending, 0);
  const failed = stuck.reduce((n, c) => n + c.failed, 0);
  logger.error({ pending, failed, dead: drained.dead ?? 0 }, `run --once: ${pending} alert(s) undelivered and ${failed} failed (see \`auth0-log-alerts status\`); exit 1`);
  return true;
}
