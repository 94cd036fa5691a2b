import { decodeThreadNote, type StoredThreadNote, type ThreadNote, type ThreadNoteKind, type ThreadNoteOutcome } from '../controls.js';
import type { Queryable } from './query.js';
import { getMute } from './mutes.js';

/**
 * Thread replies owed for what people did (audit lines, mute ends) in
 * PostgreSQL, as its SQLite twin (src/state/sqlite/thread-notes.ts): added with
 * the action, then claimed, posted and recorded by the sender.
 */

export async function addNote(
  db: Queryable,
  note: { tenant: string; incident: string; channel: string; threadTs: string | null; kind: ThreadNoteKind; user: string | null; at: string; muteId?: number; heldEvents?: number; released?: number },
): Promise<number> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO thread_notes (tenant, incident, channel, thread_ts, kind, user_id, at, mute_id, held_events, released)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
    [note.tenant, note.incident, note.channel, note.threadTs, note.kind, note.user, note.at, note.muteId ?? null, note.heldEvents ?? 0, note.released ?? 0],
  );
  return Number(rows[0]!.id);
}

export async function dueThreadNotes(db: Queryable, nowMs: number, limit: number): Promise<ThreadNote[]> {
  const { rows } = await db.query<StoredThreadNote>(`SELECT * FROM thread_notes WHERE status = 'due' AND (claimed_until IS NULL OR claimed_until <= $1) ORDER BY id LIMIT $2`, [nowMs, limit]);
  const notes: ThreadNote[] = [];
  for (const row of rows) notes.push(decodeThreadNote(row, row.mute_id === null ? null : ((await getMute(db, Number(row.mute_id))) ?? null)));
  return notes;
}

export async function claimThreadNote(db: Queryable, id: number, owner: string, nowMs: number, untilMs: number): Promise<boolean> {
  const result = await db.query(
    `UPDATE thread_notes SET claimed_by = $1, claimed_until = $2 WHERE id = $3 AND status = 'due' AND (claimed_until IS NULL OR claimed_until <= $4 OR claimed_by = $1)`,
    [owner, untilMs, id, nowMs],
  );
  return result.rowCount === 1;
}

export async function recordThreadNote(db: Queryable, id: number, outcome: ThreadNoteOutcome): Promise<void> {
  if ('ts' in outcome) {
    await db.query(`UPDATE thread_notes SET status = 'posted', posted_ts = $1, attempts = attempts + 1, claimed_until = NULL WHERE id = $2`, [outcome.ts, id]);
    return;
  }
  await db.query(`UPDATE thread_notes SET status = $1, last_error = $2, attempts = attempts + 1, claimed_until = $3 WHERE id = $4`, [
    outcome.retryAtMs === null ? 'failed' : 'due',
    outcome.error.slice(0, 500),
    outcome.retryAtMs,
    id,
  ]);
}
