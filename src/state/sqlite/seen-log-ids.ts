import type { StateDb } from './db.js';
import { cachedStatement } from './statements.js';

/**
 * The log ids a tenant already evaluated, by poll or by log stream. Written in
 * the transaction that stores their alerts, so "seen" and "alerted" never
 * disagree after a crash.
 */
export function recordSeenLogIds(db: StateDb, tenant: string, logIds: readonly string[], seenAt: number): void {
  if (logIds.length === 0) return;
  // An id already there would mean two writers evaluated it: the rule-state
  // compare-and-set rules that out, so keeping the first row is enough.
  const insert = cachedStatement(db, 'INSERT INTO seen_log_ids (tenant, log_id, seen_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING');
  for (const logId of logIds) insert.run(tenant, logId, seenAt);
}

/** Which of `logIds` were seen; one statement per call (the ids travel as one JSON array). */
export function seenLogIds(db: StateDb, tenant: string, logIds: readonly string[]): Set<string> {
  if (logIds.length === 0) return new Set();
  const rows = cachedStatement(
    db,
    'SELECT log_id FROM seen_log_ids WHERE tenant = ? AND log_id IN (SELECT value FROM json_each(?))',
  ).all(tenant, JSON.stringify(logIds)) as Array<{ log_id: string }>;
  return new Set(rows.map((row) => row.log_id));
}

export function pruneSeenLogIds(db: StateDb, before: Date): number {
  return cachedStatement(db, 'DELETE FROM seen_log_ids WHERE seen_at < ?').run(before.getTime()).changes;
}
