import type { IncidentRecord } from '../store.js';
import type { Queryable } from './query.js';

export async function getIncident(db: Queryable, incident: string): Promise<IncidentRecord | undefined> {
  const { rows } = await db.query<IncidentRecord>(
    `SELECT incident, tenant, rule_id AS "ruleId", channel, message_ts AS "messageTs", count FROM incidents WHERE incident = $1`,
    [incident],
  );
  return rows[0];
}

export async function threadedIncidents(db: Queryable, incidents: readonly string[]): Promise<Set<string>> {
  const { rows } = await db.query<{ incident: string }>(
    `SELECT incident FROM incidents WHERE incident = ANY($1::text[]) AND message_ts IS NOT NULL AND message_ts <> ''`,
    [[...new Set(incidents)]],
  );
  return new Set(rows.map((row) => row.incident));
}

/**
 * Records events reported for an incident in the caller's transaction. The
 * first message to report it becomes the thread parent (`messageTs` kept once
 * set); `count` grows, and is at least what the alert says the incident counted.
 */
export async function recordIncident(
  db: Queryable,
  record: Omit<IncidentRecord, 'count'> & { added: number; atLeast?: number },
  now: Date,
): Promise<void> {
  await db.query(
    `INSERT INTO incidents (incident, tenant, rule_id, channel, message_ts, count, updated_at)
     VALUES ($1, $2, $3, $4, $5, GREATEST($6::int, $7::int), $8)
     ON CONFLICT (incident) DO UPDATE SET
       -- A new parent (the old one was deleted or its channel died) brings its channel along.
       channel = CASE WHEN incidents.message_ts IS NULL AND excluded.message_ts IS NOT NULL THEN excluded.channel ELSE incidents.channel END,
       message_ts = COALESCE(incidents.message_ts, excluded.message_ts),
       count = GREATEST(incidents.count + $6::int, $7::int),
       updated_at = excluded.updated_at`,
    [record.incident, record.tenant, record.ruleId, record.channel, record.messageTs, record.added, record.atLeast ?? 0, now],
  );
}

/** Forgets the incident's thread (its parent was deleted, or its channel is dead). */
export async function clearIncidentThread(db: Queryable, incident: string): Promise<void> {
  await db.query(`UPDATE incidents SET message_ts = NULL WHERE incident = $1`, [incident]);
}
