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
import type { PgRun } from './run.js';

/** The OutboxStore part of the PostgreSQL StateStore (see ../store.ts). */
export function pgOutbox(run: PgRun): OutboxStore {
  return {
    enqueueAlerts(tenant: string, alerts: readonly Alert[], defaultChannel: string, now?: Date): Promise<void> {
      return run.statement(`queuing alerts of tenant ${tenant}`, async (db) => {
        await enqueueAlerts(db, tenant, alerts, defaultChannel, now);
      });
    },

    pendingChannels(): Promise<ChannelCount[]> {
      return run.statement('listing channels with pending alerts', (db) => pendingChannels(db));
    },

    pendingRows(channel: string, limit: number): Promise<PendingRows> {
      return run.statement(`reading pending alerts of ${channel}`, (db) => pendingRows(db, channel, limit));
    },

    pendingStats(): Promise<PendingStats> {
      return run.statement('counting pending alerts', (db) => pendingStats(db));
    },

    recordDelivery(delivery: DeliveryRecord, now: Date): Promise<void> {
      return run.write(`recording the delivery of message ${delivery.messageTs ?? '(no ts)'} in ${delivery.channel}`, async (db) => {
        const ids = delivery.rows.map((row) => row.id);
        // Posted as several messages: pending until the last of them (recordPart).
        if (severalMessages(delivery)) await markFirstPart(db, ids[0]!, delivery.messageTs);
        else await markSent(db, ids, delivery.messageTs, now);
        // Threads live under the first message that reported the incident; replies never become parents.
        for (const row of delivery.rows) {
          await recordIncident(
            db,
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

    recordPart(id: number, part: MessagePart, now: Date): Promise<boolean> {
      return run.statement(`recording part ${part.index} of ${part.of} of alert ${id}`, (db) => markPart(db, id, part, now));
    },

    markFailed(ids: readonly number[], error: string): Promise<void> {
      return run.statement('marking outbox rows failed', (db) => markFailed(db, ids, error));
    },

    recordAttempt(ids: readonly number[], error: string): Promise<void> {
      return run.statement('counting a delivery attempt', (db) => recordAttempt(db, ids, error));
    },

    notePendingError(error: string): Promise<number> {
      return run.statement('noting why alerts wait', (db) => notePendingError(db, error));
    },

    failChannel(channel: string, error: string): Promise<number> {
      return run.statement(`marking the alerts of ${channel} failed`, (db) => failChannel(db, channel, error));
    },

    requeueFailed(policy?: DeadLetterPolicy): Promise<Requeued> {
      return run.write('retrying failed alerts', (db) => requeueFailed(db, policy));
    },

    outboxSummary(): Promise<ChannelSummary[]> {
      return run.statement('summarising the outbox', (db) => outboxSummary(db));
    },
  };
}
