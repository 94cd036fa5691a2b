import { decodeThreadNote, type StoredThreadNote, type ThreadNote, type ThreadNoteKind, type ThreadNoteOutcome } from '../controls.js';
import type { StateDb } from './db.js';
import { cachedStatement } from './statements.js';
import { getMute } from './mutes.js';

/**
 * Thread replies owed for what people did (audit lines, mute ends) in SQLite:
 * added with the action, then claimed, posted and recorded by the sender.
 */

export function addNote(
  db: StateDb,
  note: { tenant: string; incident: string; channel: string; threadTs: string | null; kind: ThreadNoteKind; user: string | null; at: string; muteId?: number; heldEvents?: number; released?: number },
): number {
  return Number(
    cachedStatement(
      db,
      `INSERT INTO thread_notes (tenant, incident, channel, thread_ts, kind, user_id, at, mute_id, held_events, released)
       VALUES (@tenant, @incident, @channel, @threadTs, @kind, @user, @at, @muteId, @heldEvents, @released)`,
    ).run({ muteId: null, heldEvents: 0, released: 0, ...note }).lastInsertRowid,
  );
}

/** Notes still to post whose claim (if any) has run out, oldest first. */
export function dueThreadNotes(db: StateDb, nowMs: number, limit: number): ThreadNote[] {
  const rows = cachedStatement(db, `SELECT * FROM thread_notes WHERE status = 'due' AND (claimed_until IS NULL OR claimed_until <= ?) ORDER BY id LIMIT ?`).all(nowMs, limit) as StoredThreadNote[];
  return rows.map((row) => decodeThreadNote(row, row.mute_id === null ? null : (getMute(db, Number(row.mute_id)) ?? null)));
}

/** Takes the note for `owner` until `untilMs`; false when another process holds it or it was posted. */
export function claimThreadNote(db: StateDb, id: number, owner: string, nowMs: number, untilMs: number): boolean {
  return (
    cachedStatement(
      db,
      `UPDATE thread_notes SET claimed_by = ?, claimed_until = ? WHERE id = ? AND status = 'due' AND (claimed_until IS NULL OR claimed_until <= ? OR claimed_by = ?)`,
    ).run(owner, untilMs, id, nowMs, owner).changes === 1
  );
}

/** Slack said ok (ts), or the note failed: tried again from `retryAtMs`, never when null. */
export function recordThreadNote(db: StateDb, id: number, outcome: ThreadNoteOutcome): void {
  if ('ts' in outcome) {
    cachedStatement(db, `UPDATE thread_notes SET status = 'posted', posted_ts = ?, attempts = attempts + 1, claimed_until = NULL WHERE id = ?`).run(outcome.ts, id);
    return;
  }
  cachedStatement(db, `UPDATE thread_notes SET status = ?, last_error = ?, attempts = attempts + 1, claimed_until = ? WHERE id = ?`).run(
    outcome.retryAtMs === null ? 'failed' : 'due',
    outcome.error.slice(0, 500),
    outcome.retryAtMs,
    id,
  );
}
