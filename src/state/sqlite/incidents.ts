import type { StateDb } from './db.js';
import type { IncidentRecord } from '../store.js';
import { cachedStatement } from './statements.js';

export function getIncident(db: StateDb, incident: string): IncidentRecord | undefined {
  const row = cachedStatement(db, `SELECT incident, tenant, rule_id AS ruleId, channel, message_ts AS messageTs, count FROM incidents WHERE incident = ?`)
    .get(incident) as IncidentRecord | undefined;
  return row;
}

/**
 * Records events reported for an incident. The first message to report it
 * becomes the thread parent (`messageTs` is kept once set); `count` grows.
 */
export function recordIncident(
  db: StateDb,
  record: Omit<IncidentRecord, 'count'> & { added: number; atLeast?: number },
  now: Date,
): number {
  cachedStatement(
    db,
    `INSERT INTO incidents (incident, tenant, rule_id, channel, message_ts, count, updated_at)
     VALUES (@incident, @tenant, @ruleId, @channel, @messageTs, MAX(@added, @atLeast), @now)
     ON CONFLICT (incident) DO UPDATE SET
       -- A new parent (the old one was deleted or its channel died) brings its channel along.
       channel = CASE WHEN incidents.message_ts IS NULL AND excluded.message_ts IS NOT NULL THEN excluded.channel ELSE incidents.channel END,
       message_ts = COALESCE(incidents.message_ts, excluded.message_ts),
       count = MAX(incidents.count + @added, @atLeast),
       updated_at = excluded.updated_at`,
  ).run({ ...record, atLeast: record.atLeast ?? 0, now: now.toISOString() });
  return getIncident(db, record.incident)!.count;
}

export function clearIncidentThread(db: StateDb, incident: string): void {
  cachedStatement(db, `UPDATE incidents SET message_ts = NULL WHERE incident = ?`).run(incident);
}
