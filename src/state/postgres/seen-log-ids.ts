import type { Queryable } from './query.js';
import { fromPgText, toPgText } from './text.js';

/**
 * The log ids a tenant already evaluated, by poll or by log stream, written in
 * the transaction that stores their alerts (one statement for the batch).
 * An id already there is kept: the rule-state compare-and-set rules out two
 * writers evaluating it.
 */
export async function recordSeenLogIds(db: Queryable, tenant: string, logIds: readonly string[], seenAt: number): Promise<void> {
  if (logIds.length === 0) return;
  await db.query(
    `INSERT INTO seen_log_ids (tenant, log_id, seen_at) SELECT $1, log_id, $3 FROM unnest($2::text[]) AS s(log_id) ON CONFLICT DO NOTHING`,
    [tenant, logIds.map(toPgText), seenAt],
  );
}

/** Which of `logIds` were seen, in one statement. */
export async function seenLogIds(db: Queryable, tenant: string, logIds: readonly string[]): Promise<Set<string>> {
  if (logIds.length === 0) return new Set();
  const { rows } = await db.query<{ log_id: string }>('SELECT log_id FROM seen_log_ids WHERE tenant = $1 AND log_id = ANY($2::text[])', [
    tenant,
    [...new Set(logIds)].map(toPgText),
  ]);
  return new Set(rows.map((row) => fromPgText(row.log_id)));
}

export async function pruneSeenLogIds(db: Queryable, before: Date): Promise<number> {
  return (await db.query('DELETE FROM seen_log_ids WHERE seen_at < $1', [before.getTime()])).rowCount ?? 0;
}
