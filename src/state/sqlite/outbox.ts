import type { Alert } from '../../engine/alert.js';
import { decodeAlert, decodePendingRows, type StoredOutboxRow } from '../decode.js';
import type { StateDb } from './db.js';
import { cachedStatement } from './statements.js';
import type { ChannelCount, ChannelSummary, DeadLetterPolicy, IncidentParent, MessagePart, OutboxStatus, PendingRows, PendingStats, Requeued } from '../store.js';

/**
 * Queues alerts for delivery. Call inside the transaction that also stores the
 * page's checkpoint and rule state, so that both happen or neither does.
 */
export function enqueueAlerts(
  db: StateDb,
  tenant: string,
  alerts: readonly Alert[],
  defaultChannel: string,
  now: Date = new Date(),
): number[] {
  if (alerts.length === 0) return [];
  const insert = cachedStatement(
    db,
    `INSERT INTO outbox (tenant, channel, kind, rule_id, incident, alert, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const createdAt = now.toISOString();
  const ids: number[] = [];
  for (const alert of alerts) {
    const { lastInsertRowid } = insert.run(
      tenant,
      alert.channel ?? defaultChannel,
      alert.kind,
      alert.ruleId,
      alert.incident,
      JSON.stringify(alert),
      createdAt,
    );
    ids.push(Number(lastInsertRowid));
  }
  return ids;
}


/** Channels with pending rows, and how many each has. */
export function pendingChannels(db: StateDb): ChannelCount[] {
  return cachedStatement(db, `SELECT channel, COUNT(*) AS pending FROM outbox WHERE status = 'pending' GROUP BY channel ORDER BY MIN(id)`)
    .all() as ChannelCount[];
}

/** The oldest pending rows of one channel, in queue order. */
export function pendingRows(db: StateDb, channel: string, limit: number): PendingRows {
  const raw = cachedStatement(db, `SELECT id, tenant, channel, kind, rule_id, incident, alert, attempts, parts_posted, message_ts FROM outbox WHERE status = 'pending' AND channel = ? ORDER BY id LIMIT ?`)
    .all(channel, limit) as StoredOutboxRow[];
  return decodePendingRows(raw);
}

/**
 * Delivered: only ever called after Slack answered ok. Guarded (only pending
 * rows), so a delivery is recorded once; returns how many rows it recorded.
 */
export function markSent(db: StateDb, ids: readonly number[], messageTs: string | null, now: Date): number {
  const update = cachedStatement(
    db,
    `UPDATE outbox SET status = 'sent', sent_at = ?, message_ts = ?, attempts = attempts + 1, last_error = NULL WHERE id = ? AND status = 'pending'`,
  );
  let recorded = 0;
  for (const id of ids) recorded += update.run(now.toISOString(), messageTs, id).changes;
  return recorded;
}

/**
 * The first of the messages one row is posted as (an alert of more than MAX_LOG_IDS log ids):
 * the row keeps pending with one part posted and its ts, for the parts still owed. Guarded like
 * markSent (only a pending row none of whose parts was recorded); returns how many rows.
 */
export function markFirstPart(db: StateDb, id: number, messageTs: string | null): number {
  return cachedStatement(db, `UPDATE outbox SET parts_posted = 1, message_ts = ?, last_error = NULL WHERE id = ? AND status = 'pending' AND parts_posted = 0`)
    .run(messageTs, id).changes;
}

/**
 * A later part Slack accepted: only the next one of a pending row is recorded (a part is never
 * counted twice, nor one skipped); with the last, the row is sent. Returns whether it was recorded.
 */
export function markPart(db: StateDb, id: number, part: MessagePart, now: Date): boolean {
  const last = part.index >= part.of;
  return (
    cachedStatement(
      db,
      `UPDATE outbox SET parts_posted = @index, last_error = NULL,
         status = CASE WHEN @last THEN 'sent' ELSE status END,
         sent_at = CASE WHEN @last THEN @now ELSE sent_at END,
         attempts = attempts + @last
       WHERE id = @id AND status = 'pending' AND parts_posted = @index - 1`,
    ).run({ id, index: part.index, last: last ? 1 : 0, now: now.toISOString() }).changes > 0
  );
}

/** A permanent failure: kept, shown by `status`, retried by `requeueFailed`. */
export function markFailed(db: StateDb, ids: readonly number[], error: string): void {
  const update = cachedStatement(db, `UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = ? WHERE id = ?`);
  db.transaction(() => {
    for (const id of ids) update.run(error, id);
  })();
}

/** A transient failure: the rows stay pending. */
export function recordAttempt(db: StateDb, ids: readonly number[], error: string): void {
  const update = cachedStatement(db, `UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE id = ?`);
  db.transaction(() => {
    for (const id of ids) update.run(error, id);
  })();
}

/**
 * Notes a problem on every pending row WITHOUT failing them or counting an
 * attempt: for trouble that is not the messages' fault (a rejected token), so
 * `status` can say why they wait. Cleared by markSent. Returns how many rows.
 */
export function notePendingError(db: StateDb, error: string): number {
  return cachedStatement(db, `UPDATE outbox SET last_error = ? WHERE status = 'pending'`).run(error).changes;
}

/** Marks every pending row of a channel failed (the channel itself is unusable). Returns how many. */
export function failChannel(db: StateDb, channel: string, error: string): number {
  return cachedStatement(db, `UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = ? WHERE status = 'pending' AND channel = ?`)
    .run(error, channel).changes;
}

/** Gives failed rows another chance (after a restart or a cool-down: the configuration may be fixed). */
export function requeueFailed(db: StateDb, policy: DeadLetterPolicy | undefined): Requeued {
  const dead = policy
    ? cachedStatement(db, `UPDATE outbox SET status = 'dead' WHERE status = 'failed' AND (attempts >= ? OR created_at < ?)`).run(
        policy.deadAfterAttempts,
        policy.deadBefore.toISOString(),
      ).changes
    : 0;
  const requeued = cachedStatement(db, `UPDATE outbox SET status = 'pending' WHERE status = 'failed'`).run().changes;
  return { requeued, dead };
}

/** Status of the row that opens an incident (its channel message), if any. */
export function incidentAlertStatus(db: StateDb, incident: string): OutboxStatus | undefined {
  const row = cachedStatement(db, `SELECT status FROM outbox WHERE incident = ? AND kind = 'alert' ORDER BY id DESC LIMIT 1`)
    .get(incident) as { status: OutboxStatus } | undefined;
  return row?.status;
}

/**
 * The alert that opened an incident and the ts it was delivered with (to re-render the parent) —
 * also while replies listing its other log ids are still owed: its message is in the channel.
 */
export function incidentAlert(db: StateDb, incident: string): IncidentParent | undefined {
  const row = cachedStatement(db, `SELECT alert, message_ts FROM outbox WHERE incident = ? AND kind = 'alert' AND (status = 'sent' OR parts_posted > 0) ORDER BY id DESC LIMIT 1`)
    .get(incident) as { alert: string; message_ts: string | null } | undefined;
  if (!row) return undefined;
  const decoded = decodeAlert(row.alert);
  if (!decoded.ok) return undefined;
  // A ts shared with other incidents means the parent is a digest: never overwrite it with one alert.
  const shared = row.message_ts
    ? (cachedStatement(db, `SELECT COUNT(DISTINCT incident) AS n FROM outbox WHERE message_ts = ?`).get(row.message_ts) as { n: number }).n > 1
    : false;
  return { alert: decoded.alert, messageTs: row.message_ts, sharedTs: shared };
}

/** Per channel counts for `status`. */
export function outboxSummary(db: StateDb): ChannelSummary[] {
  return cachedStatement(db, 
      `SELECT channel,
              SUM(status = 'pending') AS pending,
              SUM(status = 'failed') AS failed,
              SUM(status = 'sent') AS sent,
              SUM(status = 'dead') AS dead,
              MIN(CASE WHEN status = 'pending' THEN created_at END) AS oldestPendingAt,
              (SELECT last_error FROM outbox o2 WHERE o2.channel = outbox.channel AND o2.status IN ('failed', 'dead') ORDER BY id DESC LIMIT 1) AS lastError,
              (SELECT last_error FROM outbox o3 WHERE o3.channel = outbox.channel AND o3.status = 'pending' AND o3.last_error IS NOT NULL
                ORDER BY id DESC LIMIT 1) AS pendingError
       FROM outbox GROUP BY channel ORDER BY channel`,
    )
    .all() as ChannelSummary[];
}

export function pendingStats(db: StateDb): PendingStats {
  return cachedStatement(db, `SELECT COUNT(*) AS count, MIN(created_at) AS oldestAt FROM outbox WHERE status = 'pending'`).get() as PendingStats;
}
