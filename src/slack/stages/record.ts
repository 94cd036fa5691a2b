import type { StateStore } from '../../state/store.js';
import type { Delivery } from './prepare.js';

/**
 * Stage: Slack said ok → mark the rows sent and note the incident's message, in
 * one unit of work of the state store. The only window for a duplicate is
 * between Slack's ok and this commit.
 */
export function recordDelivery(store: StateStore, delivery: Delivery, posted: { ts: string | null; channel: string }, now: Date): Promise<void> {
  // An alert's reply listing its other log ids: its row was recorded with the alert (and counted once in the incident).
  if (delivery.item.kind === 'overflow') return Promise.resolve();
  return store.recordDelivery({ rows: delivery.item.rows, messageTs: delivery.recordUnder ?? posted.ts, channel: posted.channel, parent: !delivery.thread }, now);
}
