import type { Alert } from '../../../engine/alert.js';
import type { OutboxStore } from '../../interface/outbox.js';
import { severalMessages, type ChannelCount, type ChannelSummary, type DeadLetterPolicy, type DeliveryRecord, type MessagePart, type PendingRows, type PendingStats, type Requeued } from '../../store.js';
import { recordIncident } from '../incidents.js';
import {
  enqueueAlerts,
  failChannel,
  markFailed,
  markFirstPart,
  markPart,
  markSent,
  notePendingError,
  outboxSummary,
  pendingChannels,
  pendingRows,
  pendingStats,
  recordAttempt,
  requeueFailed,
} from '../outbox.js';
import type { SqliteRun } from './run.js';

/** The OutboxStore part of the SQLite StateStore (see ../store.ts). */
export function sqliteOutbox(run: SqliteRun): OutboxStore {
  return {
    async enqueueAlerts(tenant: string, alerts: readonly Alert[], defaultChannel: string, now?: Date): Promise<void> {
      run.write(`queuing alerts of tenant ${tenant}`, () => enqueueAlerts(run.db, tenant, alerts, defaultChannel, now));
    },

    async pendingChannels(): Promise<ChannelCount[]> {
      return pendingChannels(run.db);
    },

    async pendingRows(channel: string, limit: number): Promise<PendingRows> {
      return pendingRows(run.db, channel, limit);
    },

    async pendingStats(): Promise<PendingStats> {
      return pendingStats(run.db);
    },

    async recordDelivery(delivery: DeliveryRecord, now: Date): Promise<void> {
      run.write(`recording the delivery of message ${delivery.messageTs ?? '(no ts)'} in ${delivery.channel}`, () => {
        const ids = delivery.rows.map((row) => row.id);
        // Posted as several messages: pending until the last of them (recordPart).
        if (severalMessages(delivery)) markFirstPart(run.db, ids[0]!, delivery.messageTs);
        else markSent(run.db, ids, delivery.messageTs, now);
        for (const row of delivery.rows) {
          // Threads live under the first message that reported the incident: an
          // alert, a digest, or a standalone repeat; replies never become parents.
          recordIncident(
            run.db,
            {
              incident: row.incident,
              tenant: row.tenant,
              ruleId: row.ruleId,
              channel: delivery.channel,
              messageTs: delivery.parent ? delivery.messageTs : null,
              added: row.alert.count,
              atLeast: row.alert.incidentCount,
            },
            now,
          );
        }
      });
    },

    async recordPart(id: number, part: MessagePart, now: Date): Promise<boolean> {
      return run.write(`recording part ${part.index} of ${part.of} of alert ${id}`, () => markPart(run.db, id, part, now));
    },

    async markFailed(ids: readonly number[], error: string): Promise<void> {
      run.write('marking outbox rows failed', () => markFailed(run.db, ids, error));
    },

    async recordAttempt(ids: readonly number[], error: string): Promise<void> {
      run.write('counting a delivery attempt', () => recordAttempt(run.db, ids, error));
    },

    async notePendingError(error: string): Promise<number> {
      return run.write('noting why alerts wait', () => notePendingError(run.db, error));
    },

    async failChannel(channel: string, error: string): Promise<number> {
      return run.write(`marking the alerts of ${channel} failed`, () => failChannel(run.db, channel, error));
    },

    async requeueFailed(policy?: DeadLetterPolicy): Promise<Requeued> {
      return run.write('retrying failed alerts', () => requeueFailed(run.db, policy));
    },

    async outboxSummary(): Promise<ChannelSummary[]> {
      return outboxSummary(run.db);
    },
  };
}
