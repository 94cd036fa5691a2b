import type { SlackApiError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { FormatContext } from '../format.js';
import { formatDigestPart } from '../format-digest.js';
import { formatAlertOverflow } from '../format-overflow.js';
import { THREAD_GONE } from '../sender-failures.js';
import type { Delivery } from './prepare.js';

/**
 * A later part of an alert of more than MAX_LOG_IDS log ids, or of a digest,
 * goes in the thread of the first message — the only message that names what
 * the part belongs to. When that message was deleted in Slack, Slack refuses
 * the reply (thread_not_found) for good, and the part's log ids would be
 * reported by no message (CONTRACT.md). Such a part is posted as a channel
 * message of its own instead, in the same channel, worded to stand alone.
 *
 * Only a gone thread, not a dead channel: a part goes to its parent's own
 * channel, so a channel error holds it with the channel (sender-failures.ts).
 */

/** Which message the parts of this item follow in (PartThreads key): the digest's id, or the alert's incident. */
export function partThreadKey(delivery: Delivery): string | undefined {
  const { item } = delivery;
  if (item.kind === 'overflow') return item.incident;
  if (item.kind === 'digest' && item.part && item.part.index > 1) return item.digestId;
  return undefined;
}

/** The part, refused because the message it replies to is gone, posted standalone; undefined for anything else. */
export function orphanPart(delivery: Delivery, error: SlackApiError, context: FormatContext): Delivery | undefined {
  const { item, message } = delivery;
  if (!message.thread_ts || !THREAD_GONE.has(error.details.apiError ?? '')) return undefined;
  const channel = message.channel;
  if (item.kind === 'overflow') {
    return { item, message: { ...formatAlertOverflow(item.rows[0].alert, item.part, undefined, context, true), channel } };
  }
  if (item.kind === 'digest' && item.part && item.part.index > 1) {
    // Not recorded under the deleted digest: its rows' incidents thread under this message from now on.
    const alerts = item.rows.map((row) => row.alert);
    return { item, message: { ...formatDigestPart(alerts, item.digestId, item.part, undefined, context, true), channel } };
  }
  return undefined;
}

/** One warning per part posted standalone, naming the incident (or digest) whose message is gone. */
export function warnOrphan(logger: Logger, orphan: Delivery, error: SlackApiError): void {
  const { item, message } = orphan;
  if (item.kind !== 'overflow' && item.kind !== 'digest') return;
  const whose = item.kind === 'overflow' ? `the message of incident ${item.incident}` : `the message of digest ${item.digestId}`;
  const part = item.part!;
  logger.warn(
    { channel: message.channel, incident: partThreadKey(orphan), part, slackError: error.details.apiError },
    `${whose} was deleted in Slack (${error.details.apiError}): its part ${part.index} of ${part.of} is posted as a new message in ${message.channel} instead, the parts after it in that message's thread`,
  );
}
