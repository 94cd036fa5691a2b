import type { StateDb } from './db.js';
import { RETENTION_MS, type Pruned } from '../store.js';
import { pruneProblems } from './problems.js';
import { pruneControls } from './controls.js';
import { cachedStatement } from './statements.js';

// An incident is still in use while it was updated within the retention
// period or has a row not yet delivered: its repeats thread under
// incidents.message_ts, its parent is re-rendered from the outbox's sent
// alert row, and a digest parent is recognised by other incidents' rows
// sharing its message_ts. Rows of such incidents, and rows sharing a message
// ts with them, stay. Rows a mute holds count as not delivered: the thread
// their summary goes to must outlive a 7-day mute.
const PRUNE_OUTBOX = `
  WITH live AS (
    SELECT incident FROM incidents WHERE updated_at >= @cutoff
    UNION SELECT incident FROM outbox WHERE status IN ('pending', 'failed', 'held')
  ),
  kept_ts AS (SELECT DISTINCT message_ts FROM outbox WHERE message_ts IS NOT NULL AND incident IN live)
  DELETE FROM outbox
  WHERE ((status = 'sent' AND sent_at < @cutoff) OR (status = 'dead' AND created_at < @cutoff))
    AND incident NOT IN live
    AND (message_ts IS NULL OR message_ts NOT IN kept_ts)`;

const PRUNE_INCIDENTS = `
  DELETE FROM incidents
  WHERE updated_at < @cutoff
    AND incident NOT IN (SELECT incident FROM outbox WHERE status IN ('pending', 'failed', 'held'))`;

/** Deletes delivered rows and incidents not touched for longer than `retentionMs`, in one transaction. */
export function pruneDelivered(db: StateDb, now: Date, retentionMs: number = RETENTION_MS): Pruned {
  const cutoff = new Date(now.getTime() - retentionMs).toISOString();
  return db.transaction(() => ({
    outbox: cachedStatement(db, PRUNE_OUTBOX).run({ cutoff }).changes,
    incidents: cachedStatement(db, PRUNE_INCIDENTS).run({ cutoff }).changes,
    problems: pruneProblems(db, cutoff),
    ...pruneControls(db, cutoff),
  }))();
}
