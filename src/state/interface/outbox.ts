import { z } from 'zod';
import { AlertSchema, type Alert } from '../../engine/alert.js';

/** Alerts waiting for Slack: part of StateStore (src/state/store.ts). */
export interface OutboxStore {
  // ── Outbox: alerts waiting for Slack ───────────────────────────────────
  /** Queues alerts without moving a checkpoint (demo, tools, tests); the poller uses commitPage. */
  enqueueAlerts(tenant: string, alerts: readonly Alert[], defaultChannel: string, now?: Date): Promise<void>;
  /** Channels with pending rows and how many each has, oldest queue first. */
  pendingChannels(): Promise<ChannelCount[]>;
  /** The oldest pending rows of one channel, in queue order; rows that no longer decode are listed apart. */
  pendingRows(channel: string, limit: number): Promise<PendingRows>;
  /** How many rows are pending and when the oldest was queued (backlog notices). */
  pendingStats(): Promise<PendingStats>;
  /**
   * Slack said ok: the rows become sent with the message's ts and each row's
   * incident is noted (its thread parent when `parent`), in one transaction.
   */
  recordDelivery(delivery: DeliveryRecord, now: Date): Promise<void>;
  /**
   * Slack said ok to part `part.index` (2…) of a row posted as `part.of` messages (see
   * DeliveryRecord.messages): its progress is recorded, and the row becomes sent with the last
   * part. Only the next part of a pending row is recorded (false, nothing changed, otherwise).
   * The incident is left alone: the row was counted into it with part 1.
   */
  recordPart(id: number, part: MessagePart, now: Date): Promise<boolean>;
  /** A permanent failure of these rows: kept as failed (status), retried by requeueFailed. */
  markFailed(ids: readonly number[], error: string): Promise<void>;
  /** A transient failure: the rows stay pending, an attempt is counted. */
  recordAttempt(ids: readonly number[], error: string): Promise<void>;
  /** Notes why every pending row waits (a rejected token) without failing them; returns how many. */
  notePendingError(error: string): Promise<number>;
  /** The channel itself is unusable: every pending row of it fails. Returns how many. */
  failChannel(channel: string, error: string): Promise<number>;
  /**
   * Failed rows get another chance (the configuration may be fixed) — except
   * those failed `deadAfterAttempts` times or queued before `deadBefore`: they
   * become dead (kept, counted, pruned by retention), never tried again.
   */
  requeueFailed(policy?: DeadLetterPolicy): Promise<Requeued>;
  /** Per channel counts and latest errors, for `status` and `/logcode status`. */
  outboxSummary(): Promise<ChannelSummary[]>;
}

/** pending → sent; pending → failed → pending (requeued) …; failed → dead after bounded attempts or age. */
export const OutboxStatusSchema = z.enum(['pending', 'sent', 'failed', 'dead']);
export type OutboxStatus = z.infer<typeof OutboxStatusSchema>;

/** One queued alert, decoded. */
export const OutboxRowSchema = z.object({
  id: z.number().int(),
  tenant: z.string(),
  channel: z.string(),
  /** `muted`: a repeat held by a mute that has ended; posted as the mute's summary reply. */
  kind: z.enum(['alert', 'repeat', 'muted']),
  ruleId: z.string(),
  incident: z.string(),
  alert: AlertSchema,
  attempts: z.number().int(),
  /**
   * Messages of this row Slack already accepted: 0, except for an alert posted as several
   * messages (more than MAX_LOG_IDS log ids) that a crash or a failure cut off part way.
   */
  partsPosted: z.number().int(),
  /** The ts of the row's first message once posted (the thread its later parts go to); null before, or when Slack gave none. */
  messageTs: z.string().nullable(),
});
export type OutboxRow = z.infer<typeof OutboxRowSchema>;

export interface PendingStats {
  count: number;
  /** ISO-8601; null when nothing is pending. */
  oldestAt: string | null;
}

export interface PendingRows {
  rows: OutboxRow[];
  /** Rows whose stored alert no longer decodes (the sender fails them, never drops them silently). */
  unreadable: { id: number; problem: string }[];
}

export const ChannelCountSchema = z.object({ channel: z.string(), pending: z.number().int() });
export type ChannelCount = z.infer<typeof ChannelCountSchema>;

export const ChannelSummarySchema = z.object({
  channel: z.string(),
  pending: z.number().int(),
  failed: z.number().int(),
  sent: z.number().int(),
  /** Failed for good (too many attempts, or too old): kept for status until pruned. */
  dead: z.number().int(),
  oldestPendingAt: z.string().nullable(),
  /** The latest error of a failed row. */
  lastError: z.string().nullable(),
  /** The latest error noted on a still-pending row (a transient failure, a rejected token). */
  pendingError: z.string().nullable(),
});
export type ChannelSummary = z.infer<typeof ChannelSummarySchema>;

/** What one Slack message delivered. */
export interface DeliveryRecord {
  rows: ReadonlyArray<Pick<OutboxRow, 'id' | 'tenant' | 'ruleId' | 'incident'> & { alert: Pick<Alert, 'count' | 'incidentCount'> }>;
  /** The ts and channel id Slack answered with (null ts: Slack said ok without one; nothing threads under it). */
  messageTs: string | null;
  channel: string;
  /**
   * The message is a channel message (alert, digest, standalone repeat): it
   * becomes the thread parent of incidents that have none. False for thread replies.
   */
  parent: boolean;
  /**
   * How many messages the rows are posted as (one row: an alert of more than MAX_LOG_IDS log ids,
   * its own message then replies in its thread); default 1. More than 1: this records the first
   * (the ts, the incident), and the row stays pending until recordPart records the last.
   */
  messages?: number;
}

export interface DeadLetterPolicy {
  deadAfterAttempts: number;
  /** Rows queued before this instant die instead of being retried. */
  deadBefore: Date;
}

export interface Requeued {
  requeued: number;
  dead: number;
}

/** The delivery is the first of several messages of one row (DeliveryRecord.messages); several rows cannot be. */
export function severalMessages(delivery: Pick<DeliveryRecord, 'rows' | 'messages'>): boolean {
  if ((delivery.messages ?? 1) <= 1) return false;
  if (delivery.rows.length !== 1) throw new TypeError(`a delivery of ${delivery.rows.length} rows cannot be posted as ${delivery.messages} messages`);
  return true;
}

/**
 * One message among the several one item is posted as ("2 of 3"): an alert's
 * replies listing its other log ids (its own message is part 1), a digest's or
 * an incident's repeats' replies.
 */
export interface MessagePart {
  index: number;
  of: number;
}
