import type { StateStore } from '../../state/store.js';
import { alertMessageCount } from '../log-id-parts.js';
import type { Delivery } from './prepare.js';

/**
 * Stage: Slack said ok → mark the rows sent and note the incident's message, in
 * one unit of work of the state store. The only window for a duplicate is
 * between Slack's ok and this commit.
 *
 * An alert of more than MAX_LOG_IDS log ids is several messages, each recorded
 * as it is accepted: its own message (the ts, the incident's count — once), then
 * each reply listing its other log ids; the row is sent with the last. So a
 * crash or a failure between them resumes with the next part, in its thread.
 * Resolves false when the store had that part recorded already (nothing changed).
 */
export async function recordDelivery(store: StateStore, delivery: Delivery, posted: { ts: string | null; channel: string }, now: Date): Promise<boolean> {
  const { item } = delivery;
  if (item.kind === 'overflow') return store.recordPart(item.rows[0].id, item.part, now);
  const messages = item.kind === 'alert' ? alertMessageCount(item.rows[0].alert) : 1;
  await store.recordDelivery(
    { rows: item.rows, messageTs: delivery.recordUnder ?? posted.ts, channel: posted.channel, parent: !delivery.thread, ...(messages > 1 ? { messages } : {}) },
    now,
  );
  return true;
}
