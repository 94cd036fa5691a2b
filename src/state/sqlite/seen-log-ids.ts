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
  // One statement for the batch, the ids as one JSON array (as seenLogIds reads
  // them): a statement per id cost a 200k-event catch-up ~5% of its CPU.
  // (`WHERE true`: SQLite's grammar needs it between a SELECT and ON CONFLICT.)
  cachedStatement(
    db,
    'INSERT INTO seen_log_ids (tenant, log_id, seen_at) SELECT ?, value, ? FROM json_each(?) WHERE true ON CONFLICT DO NOTHING',
  ).run(tenant, seenAt, JSON.stringify(logIds));
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
