import { pruneControls } from './controls.js';
import { RETENTION_MS, type Pruned } from '../store.js';
import { pruneProblems } from './problems.js';
import type { Queryable } from './query.js';

// The same rules as src/state/sqlite/retention.ts (dead rows go once queued before the cutoff): an incident is still in use
// while it was updated within the period or has a row not yet delivered; rows
// of such incidents, and rows sharing a message ts with them (a digest
// parent), stay.
const PRUNE_OUTBOX = `
  WITH live AS (
    SELECT incident FROM incidents WHERE updated_at >= $1
    UNION SELECT incident FROM outbox WHERE status IN ('pending', 'failed', 'held')
  ),
  kept_ts AS (SELECT DISTINCT message_ts FROM outbox WHERE message_ts IS NOT NULL AND incident IN (SELECT incident FROM live))
  DELETE FROM outbox
  WHERE ((status = 'sent' AND sent_at < $1) OR (status = 'dead' AND created_at < $1))
    AND incident NOT IN (SELECT incident FROM live)
    AND (message_ts IS NULL OR message_ts NOT IN (SELECT message_ts FROM kept_ts))`;

const PRUNE_INCIDENTS = `
  DELETE FROM incidents
  WHERE updated_at < $1
    AND incident NOT IN (SELECT incident FROM outbox WHERE status IN ('pending', 'failed', 'held'))`;

/** Deletes delivered rows and incidents not touched for longer than `retentionMs`, in the caller's transaction. */
export async function pruneDelivered(db: Queryable, now: Date, retentionMs: number = RETENTION_MS): Promise<Pruned> {
  const cutoff = new Date(now.getTime() - retentionMs);
  const outbox = (await db.query(PRUNE_OUTBOX, [cutoff])).rowCount ?? 0;
  const incidents = (await db.query(PRUNE_INCIDENTS, [cutoff])).rowCount ?? 0;
  const problems = await pruneProblems(db, cutoff);
  await pruneControls(db, cutoff);
  return { outbox, incidents, problems };
}
