import type { Alert } from '../../engine/alert.js';
import { decodeAlert, decodePendingRows, type StoredOutboxRow } from '../decode.js';
import type { ChannelCount, ChannelSummary, DeadLetterPolicy, IncidentParent, MessagePart, OutboxStatus, PendingRows, PendingStats, Requeued } from '../store.js';
import { iso, type Queryable } from './query.js';
import { cleanText } from './text.js';

/** Queues alerts in the caller's transaction: one statement for the whole page (arrays unnested). */
/** Queues the alerts; returns the new rows' ids. */
export async function enqueueAlerts(db: Queryable, tenant: string, alerts: readonly Alert[], defaultChannel: string, now: Date = new Date()): Promise<number[]> {
  if (alerts.length === 0) return [];
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO outbox (tenant, channel, kind, rule_id, incident, alert, created_at)
     SELECT $1, channel, kind, rule_id, incident, alert, $2
     FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) WITH ORDINALITY AS a(channel, kind, rule_id, incident, alert, n)
     ORDER BY n
     RETURNING id`,
    [
      tenant,
      now,
      alerts.map((alert) => alert.channel ?? defaultChannel),
      alerts.map((alert) => alert.kind),
      alerts.map((alert) => alert.ruleId),
      alerts.map((alert) => alert.incident),
      alerts.map((alert) => JSON.stringify(alert)),
    ],
  );
  return rows.map((row) => Number(row.id));
}


export async function pendingChannels(db: Queryable): Promise<ChannelCount[]> {
  const { rows } = await db.query<ChannelCount>(
    `SELECT channel, count(*)::int AS pending FROM outbox WHERE status = 'pending' GROUP BY channel ORDER BY min(id)`,
  );
  return rows;
}

export async function pendingRows(db: Queryable, channel: string, limit: number): Promise<PendingRows> {
  const { rows: raw } = await db.query<StoredOutboxRow>(
    `SELECT id, tenant, channel, kind, rule_id, incident, alert, attempts, parts_posted, message_ts FROM outbox WHERE status = 'pending' AND channel = $1 ORDER BY id LIMIT $2`,
    [channel, limit],
  );
  return decodePendingRows(raw);
}

/** Sorted ids: two transactions touching overlapping rows lock them in one order (no deadlock). */
const sortedIds = (ids: readonly number[]) => [...ids].sort((a, b) => a - b);

/** Delivered (only after Slack said ok); only pending rows, so a delivery is recorded once. Returns how many. */
export async function markSent(db: Queryable, ids: readonly number[], messageTs: string | null, now: Date): Promise<number> {
  const result = await db.query(
    `UPDATE outbox SET status = 'sent', sent_at = $1, message_ts = $2, attempts = attempts + 1, last_error = NULL WHERE id = ANY($3::bigint[]) AND status = 'pending'`,
    [now, messageTs, sortedIds(ids)],
  );
  return result.rowCount ?? 0;
}

/** The first of the messages one row is posted as: it stays pending with one part posted and its ts (see the SQLite back end). */
export async function markFirstPart(db: Queryable, id: number, messageTs: string | null): Promise<number> {
  const result = await db.query(`UPDATE outbox SET parts_posted = 1, message_ts = $1, last_error = NULL WHERE id = $2 AND status = 'pending' AND parts_posted = 0`, [messageTs, id]);
  return result.rowCount ?? 0;
}

/** A later part Slack accepted: only the next one of a pending row is recorded; with the last, the row is sent. */
export async function markPart(db: Queryable, id: number, part: MessagePart, now: Date): Promise<boolean> {
  const result = await db.query(
    `UPDATE outbox SET parts_posted = $2, last_error = NULL,
       status = CASE WHEN $3::boolean THEN 'sent' ELSE status END,
       sent_at = CASE WHEN $3::boolean THEN $4 ELSE sent_at END,
       attempts = attempts + CASE WHEN $3::boolean THEN 1 ELSE 0 END
     WHERE id = $1 AND status = 'pending' AND parts_posted = $2::int - 1`,
    [id, part.index, part.index >= part.of, now],
  );
  return (result.rowCount ?? 0) > 0;
}

export async function markFailed(db: Queryable, ids: readonly number[], error: string): Promise<void> {
  await db.query(`UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = $1 WHERE id = ANY($2::bigint[])`, [cleanText(error), sortedIds(ids)]);
}

export async function recordAttempt(db: Queryable, ids: readonly number[], error: string): Promise<void> {
  await db.query(`UPDATE outbox SET attempts = attempts + 1, last_error = $1 WHERE id = ANY($2::bigint[])`, [cleanText(error), sortedIds(ids)]);
}

export async function notePendingError(db: Queryable, error: string): Promise<number> {
  return (await db.query(`UPDATE outbox SET last_error = $1 WHERE status = 'pending'`, [cleanText(error)])).rowCount ?? 0;
}

export async function failChannel(db: Queryable, channel: string, error: string): Promise<number> {
  return (
    (await db.query(`UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = $1 WHERE status = 'pending' AND channel = $2`, [cleanText(error), channel]))
      .rowCount ?? 0
  );
}

/** Failed rows get another chance, except those past the dead-letter policy: they become dead. In the caller's transaction. */
export async function requeueFailed(db: Queryable, policy: DeadLetterPolicy | undefined): Promise<Requeued> {
  const dead = policy
    ? ((await db.query(`UPDATE outbox SET status = 'dead' WHERE status = 'failed' AND (attempts >= $1 OR created_at < $2)`, [policy.deadAfterAttempts, policy.deadBefore]))
        .rowCount ?? 0)
    : 0;
  const requeued = (await db.query(`UPDATE outbox SET status = 'pending' WHERE status = 'failed'`)).rowCount ?? 0;
  return { requeued, dead };
}

export async function incidentAlertStatus(db: Queryable, incident: string): Promise<OutboxStatus | undefined> {
  const { rows } = await db.query<{ status: OutboxStatus }>(
    `SELECT status FROM outbox WHERE incident = $1 AND kind = 'alert' ORDER BY id DESC LIMIT 1`,
    [incident],
  );
  return rows[0]?.status;
}

export async function incidentAlert(db: Queryable, incident: string): Promise<IncidentParent | undefined> {
  const { rows } = await db.query<{ alert: string; message_ts: string | null; shared: boolean }>(
    `SELECT alert, message_ts,
            (message_ts IS NOT NULL AND (SELECT count(DISTINCT o2.incident) FROM outbox o2 WHERE o2.message_ts = o.message_ts) > 1) AS shared
     FROM outbox o WHERE incident = $1 AND kind = 'alert' AND (status = 'sent' OR parts_posted > 0) ORDER BY id DESC LIMIT 1`,
    [incident],
  );
  const row = rows[0];
  if (!row) return undefined;
  const decoded = decodeAlert(row.alert);
  if (!decoded.ok) return undefined;
  // A ts shared with other incidents means the parent is a digest: never overwrite it with one alert.
  return { alert: decoded.alert, messageTs: row.message_ts, sharedTs: row.shared };
}

interface SummaryRow extends Omit<ChannelSummary, 'oldestPendingAt'> {
  oldestPendingAt: Date | null;
}

export async function outboxSummary(db: Queryable): Promise<ChannelSummary[]> {
  const { rows } = await db.query<SummaryRow>(
    `SELECT channel,
            count(*) FILTER (WHERE status = 'pending')::int AS pending,
            count(*) FILTER (WHERE status = 'failed')::int AS failed,
            count(*) FILTER (WHERE status = 'sent')::int AS sent,
            count(*) FILTER (WHERE status = 'dead')::int AS dead,
            min(created_at) FILTER (WHERE status = 'pending') AS "oldestPendingAt",
            (SELECT last_error FROM outbox o2 WHERE o2.channel = o.channel AND o2.status IN ('failed', 'dead') ORDER BY id DESC LIMIT 1) AS "lastError",
            (SELECT last_error FROM outbox o3 WHERE o3.channel = o.channel AND o3.status = 'pending' AND o3.last_error IS NOT NULL
              ORDER BY id DESC LIMIT 1) AS "pendingError"
     FROM outbox o GROUP BY channel ORDER BY channel COLLATE "C"`,
  );
  return rows.map((row) => ({ ...row, oldestPendingAt: iso(row.oldestPendingAt) }));
}

export async function pendingStats(db: Queryable): Promise<PendingStats> {
  const { rows } = await db.query<{ count: number; oldest: Date | null }>(`SELECT count(*)::int AS count, min(created_at) AS oldest FROM outbox WHERE status = 'pending'`);
  return { count: rows[0]?.count ?? 0, oldestAt: iso(rows[0]?.oldest) };
}
