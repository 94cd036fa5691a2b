import type { OutboxRow, StateStore } from '../../state/store.js';
import { formatAlert, type FormatContext, type SlackMessage } from '../format.js';
import { formatDigest, formatDigestPart } from '../format-digest.js';
import { formatAlertOverflow } from '../format-overflow.js';
import { formatRepeatReply } from '../format-repeat.js';
import type { WorkItem } from './collapse.js';

export interface Delivery {
  item: WorkItem;
  message: SlackMessage;
  /** Repeats posted in a thread: the parent to update with the running total afterwards. */
  thread?: { parentTs: string; parentChannel: string; total: number };
  /**
   * A digest's later part: its rows are recorded under the digest's ts, so their
   * incidents' next repeats thread under the digest (never under a reply).
   */
  recordUnder?: string;
}

/**
 * The ts of each digest (by digest id) and each alert of more than MAX_LOG_IDS events
 * (by incident) posted in this round (null: Slack gave none), for their later parts' thread.
 */
export type PartThreads = Map<string, string | null>;

export type Prepared = { ready: true; delivery: Delivery } | { ready: false; why: string };

/**
 * Stage: work item → the exact message to post. Repeats find their thread
 * parent here; a repeat whose parent is still pending waits for it, one whose
 * parent can never be posted goes standalone.
 */
export async function prepare(item: WorkItem, store: StateStore, context: FormatContext, partThreads: PartThreads = new Map()): Promise<Prepared> {
  const first = item.rows[0]!;
  const channel = first.channel;
  switch (item.kind) {
    case 'alert':
      return { ready: true, delivery: { item, message: { ...formatAlert(first.alert, context), channel } } };
    case 'digest': {
      const alerts = item.rows.map((row) => row.alert);
      if (item.part && item.part.index > 1) {
        const digestTs = partThreads.get(item.digestId);
        if (digestTs === undefined) return { ready: false, why: `waiting for digest ${item.digestId}` };
        const message = { ...formatDigestPart(alerts, item.digestId, item.part, digestTs ?? undefined, context), channel };
        return { ready: true, delivery: { item, message, ...(digestTs ? { recordUnder: digestTs } : {}) } };
      }
      const covers = (item.covers ?? item.rows).map((row) => row.alert);
      const message = { ...formatDigest(covers, item.digestId, context, first.id, { listed: alerts, part: item.part }), channel };
      return { ready: true, delivery: { item, message } };
    }
    case 'overflow': {
      // Its alert's message: posted in this round, or recorded with the row by an earlier one (a crash or a failure cut its parts off).
      const alertTs = partThreads.has(item.incident) ? partThreads.get(item.incident) : first.partsPosted > 0 ? first.messageTs : undefined;
      // Its alert was not posted (it failed, or waits): the row stays pending and brings these log ids again.
      if (alertTs === undefined) return { ready: false, why: `waiting for the alert of incident ${item.incident}` };
      return { ready: true, delivery: { item, message: { ...formatAlertOverflow(first.alert, item.part, alertTs ?? undefined, context), channel } } };
    }
    case 'repeats': {
      const alerts = item.rows.map((row) => row.alert);
      const added = alerts.reduce((sum, alert) => sum + alert.count, 0);
      const latest = Math.max(...alerts.map((alert) => alert.incidentCount));
      const incident = await store.getIncident(item.incident);
      if (incident?.messageTs) {
        const total = Math.max(incident.count + added, latest);
        // A reply goes where its parent is (the id Slack answered with), even if the rule's channel changed since.
        const message = { ...formatRepeatReply(alerts, { threadTs: incident.messageTs, total, heldByMute: heldByMute(item.rows), part: item.part }, context), channel: incident.channel };
        return { ready: true, delivery: { item, message, thread: { parentTs: incident.messageTs, parentChannel: incident.channel, total } } };
      }
      if ((await store.incidentAlertStatus(item.incident)) === 'pending') {
        return { ready: false, why: `waiting for the first message of incident ${item.incident}` };
      }
      const message = { ...formatRepeatReply(alerts, { total: Math.max(added, latest), heldByMute: heldByMute(item.rows), part: item.part }, context), channel };
      return { ready: true, delivery: { item, message } };
    }
  }
}

/** Events in these rows that a mute held back (rows released from it are `muted`). */
function heldByMute(rows: readonly OutboxRow[]): number {
  return rows.reduce((sum, row) => sum + (row.kind === 'muted' ? row.alert.count : 0), 0);
}
