import type { SlackApiError } from '../errors.js';
import { retryDelayMs } from './retry-timing.js';
import type { NormalizedSenderOptions } from './sender-options.js';
import type { DrainRun } from './sender-types.js';
import { wholeBotTenant } from './format-notice.js';
import { failureScope } from './slack-errors.js';
import type { Delivery } from './stages/prepare.js';
import type { SendOutcome } from './stages/send.js';

/** Slack errors saying the thread parent is gone (deleted in Slack). */
export const THREAD_GONE = new Set(['thread_not_found', 'message_not_found']);

/** Handles a failed delivery; resolves whether the channel may continue. */
export type FailureHandler = (run: DrainRun, delivery: Delivery, channel: string, outcome: Extract<SendOutcome<unknown>, { ok: false }>) => Promise<boolean>;

export interface FailureTools {
  /** Channels that gave up for now: no call before this time (epoch ms). Written here, read by the sender. */
  blockedUntil: Map<string, number>;
  pauseForToken(run: DrainRun, error: SlackApiError): Promise<void>;
}

/**
 * What a failed post means, by the failure's scope: the whole sender (a
 * rejected token: pause), the channel (archived, not in it: the channel's rows
 * are held and a dead-channel problem opened), the thread (its parent is gone:
 * the repeats go out standalone), or the message alone (marked failed, the
 * channel goes on). Retries that ran out keep the rows queued and pause the
 * channel.
 */
export function createFailureHandler(options: NormalizedSenderOptions, tools: FailureTools): FailureHandler {
  const { store, logger, clock } = options;
  const toldOnce = new Set<string>();

  function tellOnce(key: string, error: SlackApiError, extra: Record<string, unknown>): void {
    if (toldOnce.has(key)) return;
    toldOnce.add(key);
    logger.error({ ...extra, method: error.details.method, slackError: error.details.apiError, status: error.details.status }, error.message);
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

  return async function onFailure(run, delivery, channel, outcome) {
    const ids = delivery.item.rows.map((row) => row.id);
    const { error } = outcome;
    if (outcome.why === 'deadline' || outcome.why === 'stopped') return false;
    // A reply listing an alert's other log ids fails as its row does: the row is pending until its
    // last part, and the parts Slack accepted are recorded, so a retry or a requeue posts only the rest.
    if (delivery.item.kind === 'overflow') {
      const { part, incident } = delivery.item;
      logger.warn({ channel, incident, part, slackError: error.details.apiError }, `part ${part.index} of ${part.of} of incident ${incident} (log ids its alert could not list) was not posted: ${error.message}`);
    }
    if (outcome.why === 'gave_up') {
      await store.recordAttempt(ids, error.message);
      const pause = retryDelayMs(error, options.maxAttempts, options.backoff) ?? options.backoff.maxMs;
      tools.blockedUntil.set(channel, clock.now() + pause);
      logger.warn({ channel, pauseMs: pause }, `${error.message}; the messages stay queued`);
      return false;
    }
    const scope = failureScope(error);
    if (scope === 'all') {
      await tools.pauseForToken(run, error);
      return false;
    }
    if (await threadUnusable(delivery, error)) return true;
    await store.markFailed(ids, error.message);
    run.report.failed += ids.length;
    if (scope === 'channel') {
      const tenantsOf = new Set(delivery.item.rows.map((row) => row.tenant));
      const held = await store.failChannel(channel, error.message);
      run.report.failed += held;
      tellOnce(`${channel}:${error.details.apiError}`, error, { channel });
      await store.openProblem(
        {
          key: `dead_channel:${channel}`,
          kind: 'dead_channel',
          // The tenant whose alert found the channel dead (kept while the problem stays open); a digest or batch of several tenants' alerts: the bot's.
          tenant: tenantsOf.size === 1 ? [...tenantsOf][0]! : wholeBotTenant(options.tenants),
          summary: `alerts for ${channel} are held (${ids.length + held} so far, see \`auth0-log-alerts status\`): ${error.message}`,
        },
        new Date(clock.now()),
      );
      return false;
    }
    tellOnce(`${channel}:${error.details.apiError}:${delivery.item.rows[0]!.ruleId}`, error, { channel, rule: delivery.item.rows[0]!.ruleId });
    return true;
  };
}
