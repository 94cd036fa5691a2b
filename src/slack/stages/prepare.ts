import type { OutboxRow, StateStore } from '../../state/store.js';
import { formatAlert, type FormatContext, type SlackMessage } from '../format.js';
import { formatDigest } from '../format-digest.js';
import { formatRepeatReply } from '../format-repeat.js';
import type { WorkItem } from './collapse.js';

export interface Delivery {
  item: WorkItem;
  message: SlackMessage;
  /** Repeats posted in a thread: the parent to update with the running total afterwards. */
  thread?: { parentTs: string; parentChannel: string; total: number };
}

export type Prepared = { ready: true; delivery: Delivery } | { ready: false; why: string };

/**
 * Stage: work item → the exact message to post. Repeats find their thread
 * parent here; a repeat whose parent is still pending waits for it, one whose
 * parent can never be posted goes standalone.
 */
export async function prepare(item: WorkItem, store: StateStore, context: FormatContext): Promise<Prepared> {
  const first = item.rows[0]!;
  const channel = first.channel;
  switch (item.kind) {
    case 'alert':
      return { ready: true, delivery: { item, message: { ...formatAlert(first.alert, context), channel } } };
    case 'digest': {
      const last = item.rows[item.rows.length - 1]!;
      const digestId = `digest:${item.ruleId}:${first.id}-${last.id}`;
      const alerts = item.rows.map((row) => row.alert);
      return { ready: true, delivery: { item, message: { ...formatDigest(alerts, digestId, context, first.id), channel } } };
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
